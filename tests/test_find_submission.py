"""One rule finds a student's file (grader.grading.find), whichever way the work is graded.

One nested zip, ``work.zip`` with ``Work/week2/exercise_3.py`` among distractors, is
graded by ``grade exercise-3 --submission work.zip``, by ``grade batch``, by the
Gradescope autograder, and (its notebook beside it) by the notebook's ``check()``:
each finds the same file and gives the same score.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from conftest import MISTAKES, ROOT
from course_copy import make_course
from grader.batch import exports
from grader.grading import find

SOLUTION = (ROOT / "solutions" / "exercise_3.py").read_text()
WRONG = (MISTAKES / "exercise_3" / "gradient_ascent.py").read_text()
CHOSEN = "Work/week2/exercise_3.py"


def solution_notebook() -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import torch"), nbformat.v4.new_code_cell("# graded\n" + SOLUTION)]
    return nbformat.writes(nb)


def build_zip(path: Path) -> Path:
    """The student's zip: the right file two folders down, and files that must not be graded."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(CHOSEN, SOLUTION)
        zf.writestr("Work/week2/exercise_3.ipynb", solution_notebook())  # .py first in one folder
        zf.writestr("Work/week2/old/exercise_3.py", WRONG)      # deeper: passed over
        zf.writestr(".backup/exercise_3.py", WRONG)             # shallower but hidden: never searched
        zf.writestr("__MACOSX/Work/week2/._exercise_3.py", b"\x00\x05\x16\x07")  # never unpacked
        zf.writestr("Work/notes.txt", "my notes")
    return path


@pytest.fixture(scope="module")
def work_zip(tmp_path_factory) -> Path:
    return build_zip(tmp_path_factory.mktemp("student") / "work.zip")


@pytest.fixture
def unzipped(work_zip, tmp_path) -> Path:
    find.unpack(work_zip, tmp_path / "unzipped")
    return tmp_path / "unzipped"


# ---------------------------------------------------------------- the rule itself (no grading)

def touch(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")


def test_the_zip_finds_the_shallowest_visible_file(unzipped):
    assert find.find(unzipped, "exercise_3") == find.Found(unzipped / CHOSEN)
    assert find.find(unzipped, "exercise_3", suffixes=(".ipynb",)).path == unzipped / "Work/week2/exercise_3.ipynb"
    assert find.find(unzipped, "exercise_4") == find.Found()


def test_shallowest_wins_then_py_before_ipynb(tmp_path):
    touch(tmp_path, "a/b/exercise_3.py", "a/exercise_3.ipynb")
    assert find.find(tmp_path, "exercise_3").path == tmp_path / "a" / "exercise_3.ipynb"  # shallower first
    touch(tmp_path, "a/exercise_3.py")
    assert find.find(tmp_path, "exercise_3").path == tmp_path / "a" / "exercise_3.py"
    touch(tmp_path, "exercise_3.py")
    assert find.find(tmp_path, "exercise_3").path == tmp_path / "exercise_3.py"


def test_a_tie_between_folders_is_a_problem_not_a_guess(tmp_path):
    touch(tmp_path, "try1/exercise_3.py", "try2/exercise_3.ipynb", "try3/deeper/exercise_3.py")
    found = find.find(tmp_path, "exercise_3")
    assert found.path is None
    assert "more than one folder" in found.problem
    assert "try1/exercise_3.py" in found.problem and "try2/exercise_3.ipynb" in found.problem
    assert "try3" not in found.problem


def test_skipped_folders_links_and_the_depth_bound(tmp_path):
    touch(tmp_path, ".git/exercise_3.py", "__MACOSX/exercise_3.py", ".ipynb_checkpoints/exercise_3.ipynb",
          "__pycache__/exercise_3.py")
    assert find.find(tmp_path, "exercise_3") == find.Found()
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    touch(elsewhere, "exercise_3.py")
    (tmp_path / "linked").symlink_to(elsewhere)                       # a link to a folder is not followed
    (tmp_path / "exercise_3.py").symlink_to(elsewhere / "exercise_3.py")  # a linked file does not count
    assert find.find(tmp_path, "exercise_3") == find.Found()
    deep = "/".join(f"d{i}" for i in range(find.MAX_DEPTH))
    touch(tmp_path, f"{deep}/too/exercise_3.py")
    assert find.find(tmp_path, "exercise_3") == find.Found()
    touch(tmp_path, f"{deep}/exercise_3.py")
    assert find.find(tmp_path, "exercise_3").path == tmp_path / deep / "exercise_3.py"


def test_batch_intake_uses_the_rule(work_zip, tmp_path, course):
    from grader.batch import intake

    class_ = tmp_path / "class"
    class_.mkdir()
    (class_ / "alice.zip").write_bytes(work_zip.read_bytes())
    (class_ / "bob" / "try1").mkdir(parents=True)
    (class_ / "bob" / "try2").mkdir()
    (class_ / "bob" / "try1" / "exercise_3.py").write_text(SOLUTION)
    (class_ / "bob" / "try2" / "exercise_3.py").write_text(WRONG)
    alice, bob = intake.open_all(class_, course.exercises, tmp_path / "scratch")
    assert alice.problem is None
    assert alice.path_for("exercise-3") == tmp_path / "scratch" / "students" / "alice" / CHOSEN
    assert alice.base == tmp_path / "scratch" / "students" / "alice" / "Work" / "week2"  # what alice's code may see
    assert bob.problem and "more than one folder" in bob.problem and bob.files == ()


# ---------------------------------------------------------------- the same zip, graded four ways

def test_grade_submission_zip(work_zip, tmp_path, monkeypatch):
    from grader.cli import cli

    monkeypatch.chdir(ROOT)  # inside the course, the zip elsewhere
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    result = CliRunner().invoke(cli, ["exercise-3", "--submission", str(work_zip)], catch_exceptions=False,
                                env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert f"exercise-3: A manual SGD step  ({work_zip}/{CHOSEN})" in result.output  # the path inside the zip
    assert "Score: 10/10" in result.output
    assert not list(scratch.glob("grade-zip-*"))  # the unpacked copy is gone


def test_grade_batch_on_the_zip(work_zip, tmp_path):
    class_ = tmp_path / "class"
    class_.mkdir()
    (class_ / "alice.zip").write_bytes(work_zip.read_bytes())
    out = tmp_path / "out"
    done = subprocess.run([str(Path(sys.executable).with_name("grade")), "batch", str(class_), "--out", str(out),
                           "--exercise", "exercise-3", "-j", "1"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["student"], float(r["exercise-3"])) for r in rows] == [("alice", 10.0)]
    feedback = (exports.student_folder(out, "alice") / "feedback.md").read_text()
    assert "File: `exercise_3.py`" in feedback  # shown relative to alice's folder, Work/week2


def test_gradescope_autograder_on_the_zip(work_zip, tmp_path):
    from grader import autograder

    make_course(tmp_path / "source")
    find.unpack(work_zip, tmp_path / "submission")  # Gradescope unzips an uploaded zip
    results = autograder.grade_submission(root=tmp_path, exercises=("exercise-3",))
    assert results["score"] == 10, results["output"]
    assert f"exercise-3 (A manual SGD step): 10/10  [{CHOSEN}]" in results["output"]


def test_notebook_check_finds_the_notebook_by_the_same_rule(unzipped, monkeypatch):
    """check() grades notebooks only: the same rule, asked for .ipynb, finds the one beside the .py."""
    from grader import jupyter

    monkeypatch.chdir(ROOT)
    result = jupyter.grade("exercise-3", notebook=unzipped, history=[])
    assert result.submission.endswith("Work/week2/exercise_3.ipynb")
    assert result.score == result.max_score == 10


def test_an_ambiguous_hand_in_is_reported_everywhere_not_guessed(tmp_path, monkeypatch):
    from grader import autograder
    from grader.cli import cli

    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("try1/exercise_3.py", SOLUTION)
        zf.writestr("try2/exercise_3.py", WRONG)
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["exercise-3", "--submission", str(archive)])
    assert result.exit_code == 2 and "more than one folder" in result.output, result.output
    make_course(tmp_path / "gs" / "source")
    find.unpack(archive, tmp_path / "gs" / "submission")
    results = autograder.grade_submission(root=tmp_path / "gs", exercises=("exercise-3",))
    assert results["score"] == 0 and "try1/exercise_3.py, try2/exercise_3.py" in results["output"]
    outputs = [t["output"] for t in results["tests"]]
    assert "more than one folder" in outputs[0]  # said once; every later check points back to it
    assert all("more than one folder" in o or "Same problem as in" in o for o in outputs[1:]), outputs


def test_an_unsafe_zip_is_refused_by_grade_too(tmp_path, monkeypatch):
    from grader.cli import cli

    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zf:
        zf.writestr("exercise_3.py", SOLUTION)
        zf.writestr("../../escaped.py", "print('owned')")
    monkeypatch.chdir(ROOT)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    result = CliRunner().invoke(cli, ["exercise-3", "--submission", str(tmp_path / "evil.zip")])
    assert result.exit_code == 2 and "evil.zip: member '../../escaped.py' would land outside" in result.output
    assert not list(tmp_path.rglob("escaped.py")) and not list(scratch.iterdir())
