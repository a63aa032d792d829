"""The pytest plugin that turns a course's checks (``<content>/exercise_N/checks.py``) into graded results.

Wiring only, in the way pytest's own junitxml does it: markers give each check
its points and visibility, which travel on ``user_properties``; a makereport
wrapper turns the failure into feedback text; ``pytest_runtest_logreport``
feeds a plain collector that ``grader.grading.runner`` reads afterwards.
"""

from __future__ import annotations

import signal
import threading
import time

import pytest

from grader.grading.feedback import Feedback
from grader.grading.lab import Context, Lab
from grader.grading.results import ERROR, FAILED, PASSED, CheckResult

TIMEOUT_MARGIN = 30.0  # pytest-timeout is the backstop; workers have their own, tighter limit


class CheckTimedOut(pytest.fail.Exception):  # type: ignore[name-defined]  # pytest's public name for Failed
    """A check ran past its pytest-timeout limit (raised by our timer, so known by its type).

    A kind of pytest's own ``Failed``, as pytest-timeout's signal method raises: pytest reports it
    the same way, and no ``except Exception`` on the way up can swallow it.
    """


_TIMER = pytest.StashKey[bool]()  # on a check whose timer is ours


class GraderPlugin:
    """Registered for one pytest run; ``results`` holds the verdicts afterwards.

    One run may grade several exercises of one submission (batch grading does,
    to pay pytest's start-up once): ``contexts`` maps each check module's file
    name to its context, and every check gets the context of its own module.
    """

    def __init__(self, context: Context | dict[str, Context], public_only: bool = False, on_check=None):
        self.contexts = (context if isinstance(context, dict)
                         else {str(context.course.checks_file(context.exercise)): context})
        self.public_only = public_only
        self.on_check = on_check
        """Called with (context, CheckResult) as each check is decided: a report can print it at once."""
        self.by_module: dict[str, list[CheckResult]] = {name: [] for name in self.contexts}
        """Check module file name → its checks' verdicts, in the order they ran."""
        self._started: dict[str, float] = {}
        self._module: dict[str, str] = {}  # check's node id → its module's key in ``contexts``

    def _context(self, node) -> Context:
        return self.contexts[str(node.path)]

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "points(n): the points a check is worth (required)")
        config.addinivalue_line("markers", "hidden: a check students do not get in their release")

    @pytest.fixture
    def lab(self, request) -> Lab:
        """Runs probes on the student's code (in a worker) and on the reference."""
        return Lab(self._context(request.node))

    @pytest.fixture
    def device(self, request) -> str:
        return self._context(request.node).device

    def pytest_collection_modifyitems(self, session, config, items):
        kept: list[pytest.Item] = []
        dropped: list[pytest.Item] = []
        for item in items:
            marker = item.get_closest_marker("points")
            if marker is None or len(marker.args) != 1:
                raise pytest.UsageError(f"check {item.nodeid} needs @pytest.mark.points(n)")
            hidden = item.get_closest_marker("hidden") is not None
            doc = (getattr(item.obj, "__doc__", None) or item.name).strip().splitlines()[0]
            item.user_properties += [("points", float(marker.args[0])), ("hidden", hidden), ("title", doc)]
            runs = (getattr(item.obj, "student_runs", 1))
            timeout = self._context(item).exercise.timeout
            item.add_marker(pytest.mark.timeout(timeout * runs + TIMEOUT_MARGIN))
            (dropped if hidden and self.public_only else kept).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept

    def pytest_runtest_setup(self, item):
        self._started[item.nodeid] = time.monotonic()
        self._module[item.nodeid] = str(item.path)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if call.excinfo is not None and report.failed:
            report.user_properties.append(("feedback", self._feedback(call.excinfo, item)))
            report.user_properties.append(("incident", self._incident(call.excinfo)))
            report.user_properties.append(("mistake", self._mistake(call.excinfo)))
            if isinstance(call.excinfo.value, Feedback):  # what a report needs to explain a mistake once
                report.user_properties.append(("cause", call.excinfo.value.cause))
                report.user_properties.append(("evidence", call.excinfo.value.evidence or ""))
        return report

    # pytest-timeout's hooks for a timer of one's own (its ``--timeout-method=signal``, which grading
    # asks for, with our exception type); off the main thread, where no signal can be set, its own.
    @pytest.hookimpl(tryfirst=True)
    def pytest_timeout_set_timer(self, item, settings):
        if settings.method != "signal" or threading.current_thread() is not threading.main_thread():
            return None
        import pytest_timeout

        def expired(signum, frame):
            if settings.disable_debugger_detection or not pytest_timeout.is_debugging():
                raise CheckTimedOut(pytest_timeout.PYTEST_FAILURE_MESSAGE % settings.timeout)

        signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, settings.timeout)
        item.stash[_TIMER] = True
        return True

    @pytest.hookimpl(tryfirst=True)
    def pytest_timeout_cancel_timer(self, item):
        if not item.stash.get(_TIMER, False):
            return None
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        del item.stash[_TIMER]
        return True

    @staticmethod
    def _incident(excinfo) -> str | None:
        """Why no verdict on the student's code could be reached, if that is what happened."""
        if isinstance(excinfo.value, Feedback):
            return excinfo.value.incident
        return "timeout" if isinstance(excinfo.value, CheckTimedOut) else "grader"

    @staticmethod
    def _mistake(excinfo) -> str | None:
        """The id of the mistake the failure shows (``grader.grading.mistakes``); None for the grader's own."""
        if isinstance(excinfo.value, Feedback):
            return excinfo.value.mistake
        return "limit.time" if isinstance(excinfo.value, CheckTimedOut) else None

    def _feedback(self, excinfo, item) -> str:
        if isinstance(excinfo.value, Feedback):
            return excinfo.value.text
        message = str(excinfo.value)
        if isinstance(excinfo.value, CheckTimedOut):
            return ("This check took longer than its time limit and was stopped. "
                    "Look for a loop that never ends.")
        return ("The grader itself failed on this check; this is not your code's fault. "
                f"Tell your instructor: {excinfo.typename}: {message}\n"
                f"{excinfo.getrepr(style='short')}")

    def pytest_runtest_logreport(self, report):
        props = dict(report.user_properties)
        if report.when == "call" or (report.when == "setup" and not report.passed):
            passed = report.passed
            if report.skipped:
                feedback_text = "skipped: " + str(report.longrepr[-1] if isinstance(report.longrepr, tuple) else "")
            else:
                feedback_text = props.get("feedback", "" if passed else str(report.longrepr))
            module = self._module[report.nodeid]
            incident = None if passed else props.get("incident") or None
            result = CheckResult(
                name=report.nodeid.rsplit("::", 1)[-1],
                title=props.get("title", report.nodeid),
                points=props.get("points", 0.0) if passed else 0.0,
                max_points=props.get("points", 0.0),
                status=PASSED if passed else ERROR if incident else FAILED,
                hidden=props.get("hidden", False),
                feedback="" if passed else feedback_text,
                seconds=round(time.monotonic() - self._started.get(report.nodeid, time.monotonic()), 3),
                incident=incident,
                mistake=None if passed else props.get("mistake") or None,
                cause=None if passed else props.get("cause") or None,
                evidence=None if passed else props.get("evidence") or None,
            )
            self.by_module[module].append(result)
            if self.on_check is not None:
                self.on_check(self.contexts[module], result)
