"""Feedback a learner can act on: what went wrong, the evidence, what to change.

Checks raise ``Feedback``; ``worker_problem`` turns whatever stopped a worker
(an exception in the student's code, a timeout, a crash) into one.
"""

from __future__ import annotations

import hashlib
import re
import signal

from grader.grading import untrusted
from grader.isolation.protocol import CRASHED, EXITED, JAIL, LOST, MEMORY, OUTPUT, TIMEOUT, ErrorKind, WorkerReply


class Feedback(AssertionError):
    """A check failed for a reason the student can fix.

    ``incident``: why no verdict on the code was reached, when that is what happened (the worker's
    ``grader.isolation.protocol`` status, or ``jail``); batch grading records such a check as an error.
    ``mistake``: the id of the known mistake the evidence shows (the exercise's ``mistakes.toml``); left
    out, a failed comparison is ``values.wrong``.
    ``cause``: names the explanation (what went wrong, what to change) when a check wants to say that
    two feedbacks of different words explain the same thing; by default their words, particulars aside.
    A check that adds context to a feedback it caught keeps its cause:
    ``Feedback(where + problem.what, problem.evidence, problem.fix, cause=problem.cause)``.
    """

    default_mistake = "values.wrong"

    def __init__(self, what: str, evidence: str | None = None, fix: str | None = None,
                 incident: str | None = None, *, cause: str | None = None, mistake: str | None = None):
        # Student words (a message, printed output) reach every part: each is bounded here, by the judge.
        what, evidence, fix = (None if t is None else untrusted.cap(t) for t in (what, evidence, fix))
        self.what, self.evidence, self.fix, self.incident = what, evidence, fix, incident
        self.named_cause, self.named_mistake = cause, mistake
        super().__init__(self.text)

    @property
    def mistake(self) -> str | None:
        """The id of the mistake this feedback names (``grader.grading.mistakes``): the check's own, or
        the generic one for what it saw; None when the grader, not the code, failed."""
        if self.named_mistake:
            return self.named_mistake
        return None if self.incident in (LOST, JAIL, "grader") else self.default_mistake

    @property
    def cause(self) -> str:
        """A key for this feedback's explanation: checks of one exercise that fail with the same key made
        the same mistake, and a report explains it once (``grader.grading.results.shown_feedback``).

        The explanation is ``what`` and ``fix``, their particulars left out: numbers (a learning rate, a
        step, a size) and remarks in brackets (``(step 2)``, ``(lr=0.1)``) change from check to check while
        the mistake stays. ``evidence`` is each check's own.
        """
        if self.named_cause:
            return self.named_cause
        said = "\n".join(_gist(text) for text in (self.what, self.fix or ""))
        return hashlib.sha256(f"{type(self).__name__}\n{said}".encode()).hexdigest()[:16]

    @property
    def text(self) -> str:
        parts = [self.what.strip()]
        if self.evidence:
            parts.append(self.evidence.rstrip())
        if self.fix:
            parts.append(f"What to change: {self.fix.strip()}")
        return "\n".join(parts)


class NotImplementedYet(Feedback):
    """The function is still the stub."""

    default_mistake = "code.unfinished"


_QUOTED = re.compile(r"(?<![A-Za-z])'[^'\s]*'")  # a name the check quotes ('0.weight'), not an apostrophe
_NUMBER = re.compile(r"[-+−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
_REMARK = re.compile(r"\s*\([^()]*\)")


def _gist(text: str) -> str:
    """``text`` without its particulars (numbers, remarks in brackets, nested ones too, names in
    single quotes such as a parameter's '0.weight') and with its spaces made even."""
    while _REMARK.search(text):
        text = _REMARK.sub("", text)
    return " ".join(_NUMBER.sub("#", _QUOTED.sub("'…'", text)).split())


# Errors the worker's own limits cause (``grader.isolation.jail``), met by code that starts processes
# or writes files. A course adds hints for its own lesson's errors (``HINTS`` in its content package).
LIMIT_HINTS = [
    (r"Resource temporarily unavailable|\[Errno 11\]",
     "Your code started more processes or threads than a worker may have (64). Training a "
     "model needs none: compute in the function itself."),
    (r"File too large|No space left on device|\[Errno 27\]|\[Errno 28\]",
     "Your code wrote more than the worker's working folder holds (64 MB). Keep results in "
     "memory and return them; the checks never read files you write."),
]


def hint_for(message: str, hints=()) -> str | None:
    """The first hint whose pattern the error message matches: the course's, then the limits'."""
    for pattern, hint in (*hints, *LIMIT_HINTS):
        if re.search(pattern, message):
            return hint
    return None


MEMORY_FIX = ("Don't keep every batch's loss tensor or graph alive (store `loss.item()`, a number), "
              "and don't build huge tensors.")


def worker_problem(reply: WorkerReply, function: str, timeout: float, memory_mb: int,
                   output_limit: int) -> Feedback:
    """Feedback for a worker that did not send back a result: no verdict was reached, and the worker's
    status is the incident."""
    what, evidence, fix = _worker_problem(reply, function, timeout, memory_mb, output_limit)
    return Feedback(what, evidence, fix, incident=reply.status, mistake=WORKER_MISTAKES.get(reply.status))


WORKER_MISTAKES = {TIMEOUT: "limit.time", MEMORY: "limit.memory", OUTPUT: "limit.output", EXITED: "code.exits",
                   CRASHED: "process.crashed"}


def _worker_problem(reply: WorkerReply, function: str, timeout: float, memory_mb: int,
                    output_limit: int) -> tuple[str, str | None, str]:
    printed = printed_output(reply.output)
    if reply.status == TIMEOUT:
        return (
            f"`{function}` was still running after {timeout:g} s and was stopped.",
            printed,
            "Look for a loop that never ends (a `while` whose condition never changes, or one "
            "that waits for something that never comes).")
    if reply.status == MEMORY:
        return (
            f"`{function}` used more than {memory_mb} MB of memory and was stopped "
            f"(at least {reply.peak_mb:.0f} MB seen).", printed, MEMORY_FIX)
    if reply.status == OUTPUT:
        return (
            f"`{function}` printed more than {output_limit // 1024} KiB and was stopped.",
            printed, "Remove print calls inside loops; return results instead of printing them.")
    if reply.status == EXITED:
        return (
            f"The process running `{function}` ended (exit code {reply.returncode}) before your "
            "function returned.", printed,
            "Remove calls to `os._exit`, `sys.exit` or `exit`: a function hands back its result with `return`.")
    if reply.status == CRASHED and reply.signal == signal.SIGXCPU:
        return (f"`{function}` used more CPU time than a worker may have and was stopped.", printed,
                "Look for a loop that never ends, or one that does far more work than the task needs.")
    if reply.status == CRASHED:
        name = signal.Signals(reply.signal).name if reply.signal else "?"
        return (f"The process running `{function}` crashed ({name}).", printed,
                "Look for code that kills the process or corrupts memory (ctypes, signals).")
    if reply.status == LOST:
        return ("The grader's worker server stopped unexpectedly; this is not your code's fault.",
                None, "Run grade again; if it keeps happening, tell your instructor.")
    if reply.status == JAIL:  # decided by the fork server, before any of the student's code ran
        return ("The grader could not set up the isolated process your code runs in; this is not your "
                f"code's fault ({reply.problem or 'no reason given'}).", None,
                "Nothing in your code; run `grade doctor` to see what this machine allows, and tell your "
                "instructor if it keeps happening.")
    return (f"The worker sent back something the grader cannot read ({reply.status}).",
            printed, "Don't write to file descriptors your code did not open.")


def student_error(error: dict, function: str, filename: str, memory_mb: int = 0, hints=()) -> Feedback:
    """Feedback for an error the worker reported (an exception, a missing function, an exit)."""
    error = reported(error)
    kind, message = ErrorKind.claimed(error.get("kind")), str(error.get("message", ""))
    trace = error.get("traceback", "")
    where = f"Traceback (your code only):\n{_indent(trace)}" if trace else None
    if kind == ErrorKind.MEMORY:
        return Feedback(
            f"`{function}` used more than {memory_mb} MB of memory and was stopped (an allocation was "
            f"refused: {message[:200]}).", where, MEMORY_FIX, incident=MEMORY, mistake="limit.memory")
    if kind == ErrorKind.MISSING:
        found = error.get("found")
        what = (f"{filename} defines `{function}`, but as a {found}, not a function." if found
                else f"{filename} has no function named `{function}`.")
        return Feedback(what, None, f"Define `def {function}(...)` with exactly this name (see the exercise).",
                        mistake="code.missing")
    if kind == ErrorKind.NOT_IMPLEMENTED:
        return NotImplementedYet(
            f"not implemented yet: `{function}` still raises NotImplementedError.", None,
            "Replace the `raise NotImplementedError` line with your code.")
    if kind == ErrorKind.SYNTAX:
        return Feedback(f"Python cannot read {filename}.", _indent(trace or message),
                        "Fix the line shown; no check can run until the file parses.", mistake="code.unreadable")
    if kind in (ErrorKind.IMPORT, ErrorKind.EXCEPTION) and error.get("module"):  # an import we cannot satisfy
        module = str(error["module"])
        return Feedback(
            f"{filename} imports `{module}`, a module that is not available to the grader: only the "
            "standard library, torch and torchvision are installed where your code is graded (and the "
            "files you hand in beside it).", where,
            f"Remove the import of `{module}` (and what uses it), or check its spelling.", mistake="code.raises")
    if kind == ErrorKind.IMPORT:  # no function named: the file failed before any of them existed
        return Feedback(
            f"{filename} raised {error.get('type')} while it was being loaded, before any of its functions "
            f"could be called: {message}", where,
            "Code at the top level of the file runs on import: keep it to imports and definitions "
            "(put experiments inside `if __name__ == \"__main__\":`).", mistake="code.raises")
    if kind == ErrorKind.EXIT:
        return Feedback(f"Your code called exit() (code {message}) instead of returning.", where,
                        "Remove the `sys.exit`/`exit` call: a function hands back its result with `return`.",
                        mistake="code.exits")
    hint = hint_for(message, hints)
    return Feedback(f"`{function}` raised {error.get('type')}: {message}", where,
                    hint or "Read the traceback from the bottom up: the last line of your code "
                    "shown is where it went wrong.", mistake="code.raises")


# What a worker may say about an error, field by field, in characters: its own limits
# (``grader.isolation.worker.describe_error``), enforced again here, where they are trusted.
ERROR_LIMITS = {"kind": 40, "type": 200, "message": 4000, "traceback": 8000, "found": 200, "module": 200}


def reported(error: dict) -> dict:
    """The worker's description of an error, each text field cut to ``ERROR_LIMITS`` (saying so) and
    writable as UTF-8: a forged reply skips the worker's truncation, and an exception's type name,
    a non-function's type name are as long as the student makes them."""
    bounded = dict(error)
    for key, limit in ERROR_LIMITS.items():
        value = bounded.get(key)
        if value is not None:  # a forged reply may send a list or a number where text belongs
            value = value if isinstance(value, str) else str(value)[:limit + 1]
            bounded[key] = untrusted.cap_line(value, limit) if limit <= 200 else untrusted.cap(value, limit)
    return bounded


def printed_output(output: str) -> str | None:
    if not output.strip():
        return None
    lines = output.strip().splitlines()
    shown = "\n".join(lines[:10]) + (f"\n… ({len(lines) - 10} more lines)" if len(lines) > 10 else "")
    return f"Your code printed:\n{_indent(shown)}"


def _indent(text: str, by: str = "    ") -> str:
    return "\n".join(by + line if line.strip() else line for line in text.rstrip().splitlines())
