"""Attacks on what the trusted side reads of a submission (issue 17, items 4 and 9).

Item 9: exercises 3 and 7 must be written by hand. The worker's watch on torch.optim runs in the
student's own process, so the attacks in tests/attacks/trusted/byhand_*.py defeat it (replace it,
clear its notes through the stack, keep torch's functions from before it wraps them, call torch's
fused kernels, hide the name with getattr) while torch does the step. Each used to pass the by-hand
check; graded through the real path, each must now lose it, named as using torch.optim or as hiding
how it steps.

Item 4: the trusted process never parses or compiles a student's code itself, and every file has a
cap. tests/attacks/trusted/source_*.py are the code of a 3 MB .py file and of huge notebooks, built
here; graded in a child process, the grader's own memory must stay flat and the student must be told
the size, the cap and what to do.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT

TRUSTED = ROOT / "tests" / "attacks" / "trusted"
BY_HAND_CHECK = {"exercise-3": "test_steps_are_written_by_hand", "exercise-7": "test_adam_update_is_written_by_hand"}
BY_HAND_ATTACKS = {  # attack -> (exercise, the mistake its by-hand check must name)
    "byhand_replaces_the_watch": ("exercise-3", "step.torch_optim"),
    "byhand_clears_the_notes": ("exercise-7", "step.torch_optim"),
    "byhand_saves_torch_functions": ("exercise-3", "step.torch_optim"),
    "byhand_fused_adam": ("exercise-7", "step.torch_optim"),
    "byhand_hidden_getattr": ("exercise-3", "step.hidden"),
}
GROWTH_MB = 250  # what the trusted process may grow by while it refuses them all (before: 709 MB for one)


@pytest.fixture(scope="module")
def by_hand_graded(grade, tmp_path_factory):
    """Each by-hand attack graded once, public checks only (the by-hand checks are public)."""
    out = {}
    for name, (exercise, _) in BY_HAND_ATTACKS.items():
        folder = tmp_path_factory.mktemp(name)
        path = folder / f"{exercise.replace('-', '_')}.py"
        path.write_text((TRUSTED / f"{name}.py").read_text())
        out[name] = grade(exercise, path, public_only=True)
    return out


@pytest.mark.parametrize("attack", sorted(BY_HAND_ATTACKS))
def test_a_step_torch_takes_loses_the_by_hand_check(by_hand_graded, attack):
    exercise, mistake = BY_HAND_ATTACKS[attack]
    result = by_hand_graded[attack]
    check = next(c for c in result.checks if c.name == BY_HAND_CHECK[exercise])
    assert check.points == 0 and check.status == "failed", check.feedback
    assert check.mistake == mistake, check.feedback
    said = "hands the step to torch.optim" if mistake == "step.torch_optim" else "The grader cannot tell"
    assert said in check.feedback


def test_how_a_hidden_step_is_hidden_is_named(by_hand_graded):
    check = next(c for c in by_hand_graded["byhand_hidden_getattr"].checks if c.name == BY_HAND_CHECK["exercise-3"])
    assert "a name built while it runs" in check.feedback and "getattr(torch" in check.feedback
    assert "line 7" in check.feedback


# ---------------------------------------------------------------- item 4: sizes and the trusted process

_MEASURE = textwrap.dedent("""
    import json, resource, sys
    from pathlib import Path
    from grader import course as courses
    from grader.grading import runner
    import grader.jupyter, nbformat, pytest, torch  # everything grading imports, before the baseline

    course = courses.load(Path(sys.argv[1]))
    out = {}
    for path in sys.argv[2:]:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        exercise = course.exercise("exercise-3")
        if path.endswith(".check.ipynb"):  # the notebook's check(), from inside Jupyter
            result = grader.jupyter.grade("exercise-3", notebook=path, history=[])
        else:
            result = runner.grade_exercise(course=course, exercise=exercise, path=Path(path))
        grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        out[Path(path).parent.name] = {"grew_mb": grew / 1024, "points": sum(c.points for c in result.checks),
                                       "problem": result.problem,
                                       "mistakes": sorted({c.mistake for c in result.checks})}
    print(json.dumps(out))
""")


def _notebook(path: Path, graded: str, extra_cells: int = 0) -> Path:
    cells = [{"cell_type": "code", "id": "graded", "metadata": {"tags": ["graded"]}, "source": graded,
              "outputs": [], "execution_count": None}]
    cells += [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": "x = 1", "outputs": [],
               "execution_count": None} for i in range(extra_cells)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}))
    return path


@pytest.fixture(scope="module")
def sized(tmp_path_factory):
    """The size attacks, graded in a child that reports how much its own memory grew for each."""
    base = tmp_path_factory.mktemp("sized")
    code = (TRUSTED / "source_huge_file.py").read_text()
    big = base / "huge_py" / "exercise_3.py"
    big.parent.mkdir()
    big.write_text(code + "x = 1\n" * (3_000_000 // 6))
    cells = _notebook(base / "many_cells" / "exercise_3.ipynb",
                      (TRUSTED / "source_huge_notebook.py").read_text(), extra_cells=170_000)
    graded_code = _notebook(base / "huge_graded_cell" / "exercise_3.ipynb", code + "x = 1\n" * 500_000)
    fat = base / "fat_notebook" / "exercise_3.check.ipynb"  # over the file cap: outputs and images, say
    fat.parent.mkdir()
    with open(fat, "wb") as f:
        f.truncate(21 << 20)
    run = subprocess.run([sys.executable, "-c", _MEASURE, str(ROOT), str(big), str(cells), str(graded_code),
                          str(fat)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("attack, said", [
    ("huge_py", "exercise_3.py is 2.9 MB; the grader reads files up to 1 MB"),
    ("many_cells", "has 170001 cells; the grader reads notebooks of up to 5000"),
    ("huge_graded_cell", "hold 2.9 MB of code; the grader reads up to 1 MB of them"),
    ("fat_notebook", "is 21 MB; the grader reads notebooks up to 20 MB"),
])
def test_an_oversized_submission_scores_nothing_and_is_told_the_cap(sized, attack, said):
    got = sized[attack]
    assert got["points"] == 0 and got["mistakes"] == ["submission.too_large"], got
    assert said in got["problem"], got["problem"]
    assert got["grew_mb"] < GROWTH_MB, f"the trusted process grew by {got['grew_mb']:.0f} MB reading {attack}"


def test_a_reader_past_its_limits_is_stopped_in_its_child():
    from grader.grading.bounded import TooCostly, bounded

    assert bounded(len, "abc") == 3
    with pytest.raises(TooCostly) as memory:
        bounded(bytearray, 2 << 30, memory_mb=256)
    assert memory.value.why == "memory"
    with pytest.raises(TooCostly) as time:
        bounded(_spin, cpu_s=1)
    assert time.value.why == "time"


def _spin():
    while True:
        pass


def test_code_too_deep_to_parse_is_told_so_not_crashing(tmp_path, course):
    from grader.grading import submission

    path = tmp_path / "exercise_3.py"
    path.write_text("x = " + "(" * 200_000 + ")" * 200_000 + "\n")
    sub = submission.load(course.exercise("exercise-3"), path)
    assert sub.problem and ("Python cannot read your code" in sub.problem
                            or "too large or too deeply nested" in sub.problem), sub.problem


def test_a_cluster_sends_no_more_of_a_file_than_its_cap_and_the_worker_says_so(tmp_path, course):
    from grader.batch import cluster, intake
    from grader.grading import submission

    folder = tmp_path / "class" / "bigstudent"
    folder.mkdir(parents=True)
    (folder / "exercise_3.py").write_text((TRUSTED / "source_huge_file.py").read_text() + "x = 1\n" * 500_000)
    exercise = course.exercise("exercise-3")
    student, = intake.open_all(tmp_path / "class", (exercise,), tmp_path / "scratch")
    sent = cluster.pack(student, [exercise])["files"]["exercise_3.py"]
    assert len(sent) == submission.MAX_SOURCE + 1
    there = tmp_path / "worker" / "exercise_3.py"  # what the cluster's worker writes and grades
    there.parent.mkdir()
    there.write_bytes(sent)
    sub = submission.load(exercise, there)
    assert sub.mistake == "submission.too_large"
    assert "is more than 1 MB; the grader reads files up to 1 MB" in sub.problem


def test_the_gradescope_autograder_says_the_cap_too(tmp_path):
    from grader import autograder

    (tmp_path / "source").symlink_to(ROOT)
    (tmp_path / "submission" / "Work").mkdir(parents=True)
    (tmp_path / "submission" / "Work" / "exercise_3.py").write_text(
        (TRUSTED / "source_huge_file.py").read_text() + "x = 1\n" * 500_000)
    results = autograder.grade_submission(root=tmp_path, exercises=("exercise-3",))
    assert results["score"] == 0
    assert "exercise_3.py is 2.9 MB; the grader reads files up to 1 MB" in results["output"]
    assert {test["extra_data"]["mistake"] for test in results["tests"]} == {"submission.too_large"}
