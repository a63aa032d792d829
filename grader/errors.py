"""The grader's own exception types: expected failures whose message says what to do next.

Only the CLI (``grader.cli``) turns them into exit codes and click's messages;
everything else raises and catches these, so the domain knows nothing of click.

    exit 1  GraderProblem      the command could not do its job (a batch already running…)
    exit 2  UsageProblem       what was asked makes no sense here (an unknown exercise, no course.toml…)
"""

from __future__ import annotations

import difflib


class GraderProblem(Exception):
    """A foreseen failure; its message is shown as is, without a traceback."""

    exit_code = 1

    @property
    def message(self) -> str:
        return str(self)


class UsageProblem(GraderProblem):
    """A usage error: an argument, option or folder that cannot be used (exit code 2)."""

    exit_code = 2

    def __init__(self, message: str, param_hint: str | None = None):
        super().__init__(message)
        self.param_hint = param_hint
        """The option or argument at fault (``--device``), shown as click shows its own."""


def did_you_mean(given: str, known: list[str]) -> str:
    """`` did you mean exercise-3?`` when one of ``known`` is closer to ``given`` than all the
    others (``exercise-33``); '' when none is, or several are alike (``exercise-9``)."""
    scored = sorted(((difflib.SequenceMatcher(None, given, k).ratio(), k) for k in known), reverse=True)
    if not scored or scored[0][0] < 0.6 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return ""
    return f" did you mean {scored[0][1]}?"
