"""`grade gradescope`: the autograder zip, and its run_autograder against a folder laid out like /autograder."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import check_counts
from course_copy import ROOT, make_course
from grader import autograder as autograder_module  # `autograder` is the zip fixture here
from grader.authoring import gradescope
from grader.cli import cli


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The zip for exercise-3 of this course, made through the CLI."""
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(cli, ["gradescope", str(out), "--exercise", "exercise-3"])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    assert "grades exercise-3 (10 points" in result.output
    return out


def test_the_zip_holds_the_scripts_and_the_whole_course(autograder):
    with zipfile.ZipFile(autograder) as archive:
        names = set(archive.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
        checks = archive.read("grader/lesson/exercise_3/checks.py").decode()
    for needed in ("setup.sh", "run_autograder", "course.toml", "pyproject.toml", "solutions/exercise_3.py",
                   "grader/cli/__init__.py", "grader/lesson/data/fakedata.grdr", autograder_module.SALT_FILE):
        assert needed in names, needed
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert modes[autograder_module.SALT_FILE] == 0o600
    assert "@pytest.mark.hidden" in checks  # Gradescope grades with every check
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]


def salt_of(autograder: Path) -> str:
    with zipfile.ZipFile(autograder) as archive:
        return archive.read(autograder_module.SALT_FILE).decode()


def test_the_zip_is_deterministic_for_its_salt_and_each_build_has_a_new_salt(autograder, tmp_path, course):
    again, other = tmp_path / "again.zip", tmp_path / "other.zip"
    gradescope.build(course=course, out=again, exercises=("exercise-3",), salt=salt_of(autograder))
    assert again.read_bytes() == autograder.read_bytes()
    gradescope.build(course=course, out=other, exercises=("exercise-3",))
    assert len(salt_of(other)) == 32 and salt_of(other) != salt_of(autograder)


def test_setup_sh_is_valid_bash(autograder, tmp_path):
    with zipfile.ZipFile(autograder) as archive:
        archive.extract("setup.sh", tmp_path)
    subprocess.run(["bash", "-n", str(tmp_path / "setup.sh")], check=True)


def run_autograder(autograder: Path, root: Path, files: dict[str, Path], env: dict | None = None,
                   code: int = 0, pass_fds: tuple[int, ...] = ()) -> dict:
    """Lay ``root`` out like /autograder, put ``files`` in submission/, run run_autograder; results.json."""
    source = root / "source"
    with zipfile.ZipFile(autograder) as archive:
        archive.extractall(source)
    script = source / "run_autograder"
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    for name, path in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, root / "submission" / name)
    (root / "submission").mkdir(exist_ok=True)
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable, **(env or {}))
    ran = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=300, pass_fds=pass_fds)
    assert ran.returncode == code, ran.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_grades_a_mistake_with_hidden_checks_after_publishing(autograder, tmp_path):
    mistake = ROOT / "tests" / "mistakes" / "exercise_3" / "gradient_ascent.py"
    # Students upload folders too: the file is found wherever it is.
    results = run_autograder(autograder, tmp_path, {"my work/exercise_3.py": mistake})
    tests = results["tests"]
    public, hidden = check_counts("exercise_3")
    assert len(tests) == public + hidden and sum(t["max_score"] for t in tests) == 10
    assert results["score"] == sum(t["score"] for t in tests) < 10
    visibility = {t["name"]: t["visibility"] for t in tests}
    assert list(visibility.values()).count("after_published") == hidden
    assert visibility["exercise-3: sgd_update in float64, two steps with a small learning rate"] == "after_published"
    failed = [t for t in tests if t["status"] == "failed"]
    assert failed and all(t["score"] == 0 for t in failed)
    assert "gradient ascent" in failed[0]["output"]
    assert "exercise-3 (A manual SGD step)" in results["output"] and "my work/exercise_3.py" in results["output"]


def test_an_attacker_gains_nothing_from_what_the_harness_leaves_open(autograder, tmp_path):
    """Gradescope's harness may start run_autograder with descriptors open (here: a directory on the
    course): the worker holds only its own pipes, and a worker that says its jail failed is not
    believed (tests/attacks/42_inherited_descriptors.py, 41_claim_grader_fault.py)."""
    folder = os.open(ROOT, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for attack in ("42_inherited_descriptors", "41_claim_grader_fault"):
            results = run_autograder(autograder, tmp_path / attack,
                                     {"exercise_3.py": ROOT / "tests" / "attacks" / f"{attack}.py"},
                                     pass_fds=(folder,))
            words = json.dumps(results)
            assert results["score"] == 0 and "BRE" "ACH!" not in words, (attack, words[:2000])
            assert "not your code's fault" not in words, (attack, words[:2000])
    finally:
        os.close(folder)


def test_run_autograder_gives_a_solution_full_marks(autograder, tmp_path):
    results = run_autograder(autograder, tmp_path, {"exercise_3.py": ROOT / "solutions" / "exercise_3.py"})
    assert results["score"] == 10
    assert all(t["status"] == "passed" for t in results["tests"])
    from grader.isolation import doctor

    if doctor.available().ok:
        assert results["extra_data"] == {"isolation": "jail"}


def test_the_replay_of_a_releases_outcomes_earns_nothing_and_the_zips_salt_reproduces_it(autograder, tmp_path,
                                                                                          course, grade):
    """Issue 17, class 10 (tests/test_attacks_replay.py): the build's salt changes every check's inputs, so
    stored outcomes answer none of them; `grade exercise-3 --salt` with the zip's salt gives the same verdicts."""
    from test_attacks_replay import PASSED_BY_DOING_NOTHING, record_public, replay_entry

    entry = replay_entry(tmp_path / "mallory", record_public(course, "exercise-3", tmp_path / "reference.grdr"))
    results = run_autograder(autograder, tmp_path / "root", {"exercise_3.py": entry / "exercise_3.py"})
    again = grade("exercise-3", entry / "exercise_3.py", salt=salt_of(autograder))
    assert [t["score"] for t in results["tests"]] == [c.points for c in again.checks]
    assert all(c.points == 0 for c in again.checks if c.name not in PASSED_BY_DOING_NOTHING), again.checks


def test_no_worker_of_the_autograder_finds_its_salt_in_memory(autograder, tmp_path):
    """The autograder reads the salt only once its fork server has started: no worker inherits it."""
    from test_attacks_replay import SCAVENGER

    results = run_autograder(autograder, tmp_path, {"exercise_3.py": SCAVENGER})
    said = " ".join(t.get("output", "") for t in results["tests"])
    assert "candidates in memory derives seed" in said, said[:2000]
    assert "BRE" "ACH!" not in said and salt_of(autograder) not in said


def test_without_a_jail_the_autograder_refuses_unless_built_to_allow_it(autograder, tmp_path):
    solution = {"exercise_3.py": ROOT / "solutions" / "exercise_3.py"}
    denied = {"GRADER_NO_NAMESPACES": "1"}
    refused = run_autograder(autograder, tmp_path / "refused", solution, env=denied, code=1)
    assert refused["score"] == 0 and not refused["tests"]
    assert "cannot be jailed" in refused["output"] and "--allow-unsandboxed" in refused["output"]

    allowing = tmp_path / "allowing.zip"
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        built = CliRunner().invoke(cli, ["gradescope", str(allowing), "--exercise", "exercise-3",
                                         "--allow-unsandboxed"])
    finally:
        os.chdir(old)
    assert built.exit_code == 0, built.output
    graded = run_autograder(allowing, tmp_path / "allowed", solution, env=denied)
    assert graded["score"] == 10 and graded["extra_data"]["isolation"].startswith("unjailed")


def test_nothing_submitted_scores_zero_and_says_so(tmp_path):
    make_course(tmp_path / "source")
    (tmp_path / "submission").mkdir()
    results = autograder_module.grade_submission(root=tmp_path, exercises=("exercise-3",))
    assert results["score"] == 0 and len(results["tests"]) == sum(check_counts("exercise_3"))
    assert "no exercise_3.py or .ipynb found" in results["output"]


def test_a_broken_autograder_still_writes_results(tmp_path):
    (tmp_path / "source").mkdir()  # no course.toml: the autograder cannot grade
    ran = subprocess.run([sys.executable, "-P", "-m", "grader.autograder", "--root", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert ran.returncode == 1 and results["score"] == 0
    assert "autograder itself failed" in results["output"] and "course.toml" in results["output"]


def test_the_autograder_finds_the_shallowest_file_python_first(tmp_path):
    """The rule of grader.grading.find, which the autograder uses (tests/test_find_submission.py has more)."""
    from grader.grading.find import find

    for name in ("deep/er/exercise_3.py", "deep/exercise_3.ipynb", "__MACOSX/exercise_3.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert find(tmp_path, "exercise_3").path == tmp_path / "deep" / "exercise_3.ipynb"
    (tmp_path / "exercise_3.py").write_text("")
    assert find(tmp_path, "exercise_3").path == tmp_path / "exercise_3.py"
