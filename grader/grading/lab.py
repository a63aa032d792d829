"""The ``lab`` fixture: how a check runs a probe on the student's code and on the reference.

``lab.student(probe, **params)`` sends the job to a worker and returns its
outcome as plain data, or raises ``Feedback`` when the worker could not produce
one (the stub, an exception, a timeout…). ``lab.reference(probe, **params)``
gives the reference outcome for the same inputs, from ``references``.

**Salted inputs.** A probe builds every input from the ``seed`` a check names. When an
instructor grades (``grade batch``, the Gradescope autograder) the context carries a secret
*salt*, and ``salted`` is the one place a check's seed becomes the seed its probe runs with:
each ``seed`` (at any depth of the params, as in ``runs=[{"seed": …}]``) is replaced by a keyed
hash of itself and the salt, for the student's worker, the reference and every simulated mistake
alike. A release's stored outcomes, recorded for the checks' own seeds, then answer none of the
questions asked, so replaying them buys nothing. Only derived seeds ever reach a worker, never
the salt.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from grader.grading import feedback
from grader.isolation import wire
from grader.course import Course, Exercise
from grader.grading.feedback import Feedback
from grader.grading import simulations
from grader.grading.probes import Probe
from grader.grading.simulations import Mistaken
from grader.grading.submission import Submission
from grader.isolation.protocol import OK, TIMEOUT, Job


class References(Protocol):
    """Where reference outcomes come from: the solutions, or data shipped in a release."""

    def outcome(self, probe: Probe, params: dict, device: str) -> dict: ...

    def simulated(self, probe: Probe, mistake: Mistaken, params: dict, device: str) -> dict: ...


@dataclass(frozen=True)
class Context:
    """Everything a grading run needs to know, fixed before the checks start."""

    course: Course
    """The course."""
    exercise: Exercise
    """The exercise being graded."""
    submission: Submission
    """The student's code for it."""
    device: str
    """``cpu`` or ``cuda``: where student and reference both run."""
    references: References
    """The reference outcomes."""
    fork_server: Callable
    """Returns the ``grader.isolation.client.ForkServer`` to run student code in."""
    own: tuple[str, ...] | None = None
    """The student's own files, shown (copied, read-only) in the worker's jail; None: the
    submission's folder."""
    hidden: tuple[str, ...] = ()
    """Paths the worker must never see, even inside a folder it is shown (solutions, checks…)."""
    hints: tuple = ()
    """The course's (error pattern, hint) pairs for exceptions in student code."""
    salt: str | None = None
    """The instructor's secret that every check's seeds are mixed with (``salted``); None: the checks'
    own seeds, as a student's own ``grade`` uses (and a release's stored outcomes are keyed by)."""
    state: dict = field(default_factory=dict, compare=False)
    """What the checks of this submission learnt so far: ``isolation`` (what its workers ran
    under) and ``timed_out`` (functions that ran past their limit: later checks skip them)."""


class Lab:
    """What a check calls to get outcomes; one per check."""

    def __init__(self, context: Context):
        self.context = context
        self.device = context.device

    def student(self, probe: Probe, **params) -> dict:
        ctx = self.context
        params = salted(params, ctx.salt)
        sub = ctx.submission
        if sub.problem:
            raise Feedback(sub.problem, mistake=sub.mistake or ("submission.missing" if sub.not_submitted else
                           "code.unreadable" if sub.chunks else "submission.unusable"))
        timed_out = ctx.state.setdefault("timed_out", set())
        if probe.calls in timed_out:
            # One endless loop costs the student one time limit, not one per check.
            raise Feedback(
                f"`{probe.calls}` ran past its time limit of {ctx.exercise.timeout:g} s in an earlier check, "
                "so this check did not run it again.", None,
                "Look for a loop that never ends (a `while` whose condition never changes).", incident=TIMEOUT,
                mistake="limit.time")
        job = Job(
            probe=probe.key, params=params, module=ctx.exercise.stem,
            chunks=tuple(sub.chunks),
            folder=sub.folder,
            own=ctx.own if ctx.own is not None else ((sub.folder,) if sub.folder else ()),
            hidden=ctx.hidden, course_root=str(ctx.course.root), device=self.device,
            timeout=ctx.exercise.timeout, memory_mb=ctx.course.memory_mb, output_limit=ctx.course.output_limit)
        reply = ctx.fork_server().run(job)
        if reply.isolation:
            ctx.state["isolation"] = reply.isolation
        if reply.status == TIMEOUT:
            timed_out.add(probe.calls)
        if reply.status != OK:  # the worker failed, not just the check: the feedback carries the incident
            raise feedback.worker_problem(reply, probe.calls, ctx.exercise.timeout,
                                          ctx.course.memory_mb, ctx.course.output_limit)
        try:
            outcome = wire.decode(reply.payload)
        except (wire.WireError, ValueError, TypeError, RecursionError) as exc:
            raise Feedback(f"The worker's answer could not be read ({exc}).", None,
                           "Don't write to file descriptors your code did not open.") from None
        if not isinstance(outcome, dict) or not ({"ok"} == set(outcome) or {"error"} == set(outcome)):
            raise Feedback("The worker's answer has the wrong shape.", None,
                           "Don't write to file descriptors your code did not open.")
        if "error" in outcome:
            error = outcome["error"] if isinstance(outcome["error"], dict) else {}
            raise feedback.student_error(error, probe.calls, sub.path.name if sub.path else "?",
                                         memory_mb=ctx.course.memory_mb, hints=ctx.hints, output=reply.output)
        return outcome["ok"]

    def reference(self, probe: Probe, **params) -> dict:
        return self.context.references.outcome(probe, salted(params, self.context.salt), self.device)

    def simulate(self, probe: Probe, mistake: Mistaken, **params) -> dict:
        """The outcome a known-wrong implementation (``grader.grading.simulations``) gives on the same inputs.

        Checks use it to name a mistake by its effect: if the student's outcome
        matches what "never calls zero_grad" gives, the feedback can say so. It comes
        from ``references``: run here in the course, read from data in a release.
        """
        return self.context.references.simulated(probe, mistake, salted(params, self.context.salt), self.device)

    def both(self, probe: Probe, **params) -> tuple[dict, dict]:
        """(student outcome, reference outcome) for the same inputs."""
        want = self.reference(probe, **params)
        return self.student(probe, **params), want


SEED_FLOOR, SEED_SPAN = 1 << 24, 1 << 30
"""Derived seeds lie in [2**24, 2**24 + 2**30): above every seed a check writes (so no salted scenario is
one a release stored), and small enough that a probe's arithmetic on them (``seed * 1000 + i``) stays
far inside the 64 bits ``torch.manual_seed`` takes."""


def new_salt() -> str:
    """A fresh salt: 128 random bits, in hex."""
    return secrets.token_hex(16)


def salted(params: dict, salt: str | None) -> dict:
    """The params a probe runs with: ``params`` as the check wrote them when ``salt`` is None, else
    with every ``seed`` (an int under that key, at any depth) replaced by ``derived_seed``."""
    return params if not salt else _salt_tree(params, salt)


def derived_seed(seed: int, salt: str) -> int:
    """A keyed hash (BLAKE2b, keyed with the salt's SHA-256) of ``seed``: stable across processes and
    machines, so the worker, the reference and a regrade on request all build the same inputs, and
    telling nothing of the salt to a worker that sees the result."""
    key = hashlib.sha256(salt.encode()).digest()
    digest = hashlib.blake2b(str(seed).encode(), key=key, digest_size=8).digest()
    return SEED_FLOOR + int.from_bytes(digest, "big") % SEED_SPAN


def _salt_tree(value, salt: str):
    if isinstance(value, dict):
        return {k: derived_seed(v, salt) if k == "seed" and type(v) is int else _salt_tree(v, salt)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_salt_tree(v, salt) for v in value)
    return value


class SolutionReferences:
    """Reference outcomes computed by running the solution files in this process (they are trusted)."""

    def __init__(self, solutions_dir: Path):
        self.solutions_dir = Path(solutions_dir)
        self._cache: dict[tuple, dict] = {}
        self._modules: dict[str, object] = {}

    def outcome(self, probe: Probe, params: dict, device: str) -> dict:
        key = (probe.key, json.dumps(params, sort_keys=True), device)
        if key not in self._cache:
            function = getattr(self._module(probe.exercise), probe.calls)
            raw = probe(function, device=device, **params)
            # Through the wire and back: the reference has exactly the student's shape of data.
            self._cache[key] = wire.decode(wire.encode(raw))
        return self._cache[key]

    def simulated(self, probe: Probe, mistake: Mistaken, params: dict, device: str) -> dict:
        return simulations.run(probe, mistake, params, device)

    def _module(self, stem: str):
        if stem not in self._modules:
            path = self.solutions_dir / f"{stem}.py"
            if not path.is_file():
                raise RuntimeError(f"no reference solution {path}: the checks need solutions/ "
                                   "(or the reference data of a release)")
            spec = importlib.util.spec_from_file_location(f"grader_solution_{stem}", path)
            assert spec is not None and spec.loader is not None  # a .py file has both
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            self._modules[stem] = module
        return self._modules[stem]
