"""Issue 17, item 3: the hidden checks stay hidden wherever the grader is installed.

The jail masks the checks (and their compiled copies and stored reference data) where the lesson
content is *imported from*, not only under the course folder. One attacker
(``tests/attacks/trusted/layout_read_checks.py``) reads every checks module it can find from inside
the jail (beside ``grader.__file__``, on every ``sys.path`` entry, through importlib) and puts what
it read in its feedback, marked BREACH!. It is graded in each layout an instructor may have:

- the grader installed editable in the course itself (today's checkout);
- a course graded by the grader of another checkout (an editable install elsewhere);
- the grader built as a wheel and installed into a real site-packages (what Gradescope's
  ``setup.sh`` does with ``pip install .``), pip's compiled copies included;
- the Gradescope autograder zip, run as Gradescope runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import ROOT
from course_copy import make_course
from test_gradescope import autograder, run_autograder  # noqa: F401 - the zip fixture, reused

ATTACK = ROOT / "tests" / "attacks" / "trusted" / "layout_read_checks.py"
BREACH = "BRE" "ACH!"


def jail_available() -> bool:
    from grader.isolation import doctor

    return doctor.available().ok


pytestmark = pytest.mark.skipif("not jail_available()", reason="this machine allows no namespaces for the jail")


def _report(texts: list[str]) -> str:
    """The attacker's report, from the feedback of its checks; that it ran is part of the test."""
    found = [t for t in texts if "attack report:" in t]
    assert found, "the attack never ran:\n" + "\n".join(texts)
    return found[0]


def _gained_nothing(texts: list[str], score: float, grader_at: Path) -> None:
    report = _report(texts)
    assert f"grader at {grader_at}" in report, report  # the layout is the one meant
    # It found the checks where they lie (masked, they read as empty), and read nothing of them.
    looked = re.search(r"looked at (\d+) checks files, read (\d+)", report)
    assert looked and int(looked.group(1)) >= 1 and looked.group(2) == "0", report
    assert not [t for t in texts if BREACH in t], report
    assert score == 0


@pytest.fixture(scope="module")
def copy_course(tmp_path_factory) -> Path:
    return make_course(tmp_path_factory.mktemp("layouts") / "course")


def _graded_here(course):
    """The attacker graded in this process, by the grader this test suite imports (ROOT's)."""
    from grader.grading import runner as grading

    result = grading.grade_exercise(course=course, exercise=course.exercise("exercise-3"), path=ATTACK)
    return [c.feedback for c in result.checks], result.score


def test_editable_in_the_course(course):
    texts, score = _graded_here(course)
    _gained_nothing(texts, score, ROOT / "grader" / "__init__.py")


def test_editable_install_of_another_checkout(copy_course):
    """The course is a copy; the grader (and so the lesson content the probes come from) is
    ROOT's: its checks lie outside the course graded."""
    from grader import course as courses

    texts, score = _graded_here(courses.load(copy_course))
    _gained_nothing(texts, score, ROOT / "grader" / "__init__.py")


@pytest.fixture(scope="module")
def site_packages(tmp_path_factory) -> Path:
    """A virtual environment whose site-packages holds the grader as pip installs its wheel
    (compiled copies included); torch and the rest come from this suite's environment."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    shutil.copytree(ROOT / "grader", source / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(ROOT / name, source / name)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    # The venv's own site-packages, as `pip install .` fills it: pip builds the wheel and compiles it.
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(purelib), str(source)], check=True, capture_output=True)
    # Its dependencies (torch…) from this suite's environment, after its own site-packages.
    (purelib / "suite_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return python


def test_a_wheel_installed_in_site_packages(site_packages, copy_course):
    purelib = Path(subprocess.run([str(site_packages), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    assert list(purelib.glob("grader/lesson/exercise_3/__pycache__/checks.*.pyc"))  # pip compiled them
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # nothing ahead of its site-packages
    done = subprocess.run([str(site_packages), str(purelib / "bin" / "grade"), "exercise-3", "--submission",
                           str(ATTACK), "--json"], cwd=copy_course, capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    _gained_nothing([t.get("output", "") for t in result["tests"]], result["score"],
                    purelib / "grader" / "__init__.py")


def test_the_gradescope_zip(autograder, tmp_path):  # noqa: F811 - the fixture imported above
    results = run_autograder(autograder, tmp_path, {"exercise_3.py": ATTACK})
    _gained_nothing([t.get("output", "") for t in results["tests"]], results["score"],
                    ROOT / "grader" / "__init__.py")
