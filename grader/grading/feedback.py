"""Feedback a learner can act on: what went wrong, the evidence, what to change.

Checks raise ``Feedback``; ``worker_problem`` turns whatever stopped a worker (a timeout, a crash)
into one, and ``student_error`` an error the worker reported from the student's code (an exception,
a missing function, an exit), keeping that error as a ``StudentError``. A check that knows more
derives a feedback from the one it caught (``naming``, ``where``, ``because``, ``instead``) and
reads the error (``raised``), never the words another part wrote.
"""

from __future__ import annotations

import hashlib
import re
import signal
from collections.abc import Mapping, Sequence

from grader.grading import untrusted
from grader.grading.reported_error import StudentError
from grader.isolation.protocol import CRASHED, EXITED, JAIL, LOST, MEMORY, OUTPUT, TIMEOUT, ErrorKind, WorkerReply


class Feedback(AssertionError):
    """A check failed for a reason the student can fix.

    ``incident``: why no verdict on the code was reached, when that is what happened (the worker's
    ``grader.isolation.protocol`` status, or ``jail``); batch grading records such a check as an error.
    ``mistake``: the id of the known mistake the evidence shows (the exercise's ``mistakes.toml``); left
    out, a failed comparison is ``values.wrong``.
    ``cause``: names the explanation (what went wrong, what to change) when a check wants to say that
    two feedbacks of different words explain the same thing; by default their words, particulars aside.
    ``error``: the error the student's code raised, when this feedback reports one (``student_error``).

    A check that knows more than the feedback it caught derives another from it, never from its words:
    ``naming`` the mistake it shows, saying first ``where`` it happened (both keep its cause: a report
    explains it once), adding a finding that explains it (``because``), or telling its evidence another
    way (``instead``); each keeps the ``error``.
    """

    default_mistake = "values.wrong"

    def __init__(self, what: str, evidence: str | None = None, fix: str | None = None,
                 incident: str | None = None, *, cause: str | None = None, mistake: str | None = None,
                 error: StudentError | None = None):
        # Student words (a message, printed output) reach every part: each is bounded here, by the judge.
        self.what = untrusted.cap(what)
        self.evidence = None if evidence is None else untrusted.cap(evidence)
        self.fix = None if fix is None else untrusted.cap(fix)
        self.incident, self.named_cause, self.named_mistake, self.error = incident, cause, mistake, error
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

    @property
    def raised(self) -> StudentError | None:
        """The exception the student's function raised, when that is what this feedback reports (derived
        ones included); None for anything else (a stub, a timeout, a wrong value)."""
        return self.error if self.error is not None and self.error.raised else None

    def naming(self, mistake: str, fix: str | None = None) -> Feedback:
        """This feedback, naming the known ``mistake`` its evidence shows: the same words and explanation
        (cause); with ``fix``, what to change for that mistake instead (a new explanation)."""
        if fix is None:
            return self._derived(self.what, self.fix, cause=self.cause, mistake=mistake)
        return self._derived(self.what, fix, cause=None, mistake=mistake)

    def where(self, prefix: str) -> Feedback:
        """This feedback with where it happened said first (``Call 2 of 2 (…): ``): its explanation
        (cause) and the mistake it names kept, so a report explains it once."""
        return self._derived(prefix + self.what, self.fix, cause=self.cause, mistake=self.named_mistake)

    def because(self, finding: str, fix: str, *, mistake: str) -> Feedback:
        """This feedback with a ``finding`` that explains it, on a line after what it says, and what to
        change for that: a mistake found in the code, with an explanation of its own."""
        return Feedback(f"{self.what}\n{finding}", self.evidence, fix, mistake=mistake, error=self.error)

    def instead(self, what: str, fix: str, *, mistake: str) -> Feedback:
        """This feedback's evidence told another way: ``what`` and ``fix`` in place of its own, naming
        ``mistake``."""
        return Feedback(what, self.evidence, fix, mistake=mistake, error=self.error)

    def _derived(self, what: str, fix: str | None, *, cause: str | None, mistake: str | None) -> Feedback:
        return type(self)(what, self.evidence, fix, self.incident, cause=cause, mistake=mistake, error=self.error)


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


def student_error(error: Mapping, function: str, filename: str, memory_mb: int = 0,
                  hints: Sequence[tuple[str, str]] = (), output: str = "") -> Feedback:
    """Feedback for an error the worker reported (an exception, a missing function, an exit), the error
    kept (``Feedback.error``); what the code printed (``output``) is evidence too, unless the code was
    never the student's doing (a stub, a function not there)."""
    reported = StudentError.reported(error)
    never_ran = reported.kind in (ErrorKind.NOT_IMPLEMENTED, ErrorKind.MISSING)  # as the student's code
    printed = None if never_ran else printed_output(output)
    what, evidence, fix, mistake = _student_error(reported, function, filename, memory_mb, hints)
    evidence = "\n".join(filter(None, [evidence, printed])) if printed else evidence
    if reported.kind == ErrorKind.NOT_IMPLEMENTED:
        return NotImplementedYet(what, evidence, fix, error=reported)
    incident = MEMORY if reported.kind == ErrorKind.MEMORY else None
    return Feedback(what, evidence, fix, incident, mistake=mistake, error=reported)


def _student_error(error: StudentError, function: str, filename: str, memory_mb: int,
                   hints: Sequence[tuple[str, str]]) -> tuple[str, str | None, str, str | None]:
    """(what, evidence, fix, the mistake) for ``error``."""
    message, trace = error.message, error.traceback
    where = f"Traceback (your code only):\n{_indent(trace)}" if trace else None
    if error.raised:
        hint = hint_for(message, hints)
        return (f"`{function}` raised {error.type}: {message}", where,
                hint or "Read the traceback from the bottom up: the last line of your code shown is where it "
                "went wrong.", "code.raises")
    if error.kind == ErrorKind.MEMORY:
        return (f"`{function}` used more than {memory_mb} MB of memory and was stopped (an allocation was "
                f"refused: {message[:200]}).", where, MEMORY_FIX, "limit.memory")
    if error.kind == ErrorKind.MISSING:
        what = (f"{filename} defines `{function}`, but as a {error.found}, not a function." if error.found
                else f"{filename} has no function named `{function}`.")
        return what, None, f"Define `def {function}(...)` with exactly this name (see the exercise).", "code.missing"
    if error.kind == ErrorKind.NOT_IMPLEMENTED:
        return (f"not implemented yet: `{function}` still raises NotImplementedError.", None,
                "Replace the `raise NotImplementedError` line with your code.", None)
    if error.kind == ErrorKind.SYNTAX:
        return (f"Python cannot read {filename}.", _indent(trace or message),
                "Fix the line shown; no check can run until the file parses.", "code.unreadable")
    if error.kind in (ErrorKind.IMPORT, ErrorKind.EXCEPTION) and error.module:  # an import we cannot satisfy
        return (f"{filename} imports `{error.module}`, a module that is not available to the grader: only the "
                "standard library, torch and torchvision are installed where your code is graded (and the "
                "files you hand in beside it).", where,
                f"Remove the import of `{error.module}` (and what uses it), or check its spelling.", "code.raises")
    if error.kind == ErrorKind.IMPORT:  # no function named: the file failed before any of them existed
        return (f"{filename} raised {error.type} while it was being loaded, before any of its functions "
                f"could be called: {message}", where,
                "Code at the top level of the file runs on import: keep it to imports and definitions "
                "(put experiments inside `if __name__ == \"__main__\":`).", "code.raises")
    return (f"Your code called exit() (code {message}) instead of returning.", where,  # EXIT, what is left
            "Remove the `sys.exit`/`exit` call: a function hands back its result with `return`.", "code.exits")


def printed_output(output: str) -> str | None:
    if not output.strip():
        return None
    lines = output.strip().splitlines()
    shown = "\n".join(lines[:10]) + (f"\n… ({len(lines) - 10} more lines)" if len(lines) > 10 else "")
    return f"Your code printed:\n{_indent(shown)}"


def _indent(text: str, by: str = "    ") -> str:
    return "\n".join(by + line if line.strip() else line for line in text.rstrip().splitlines())
