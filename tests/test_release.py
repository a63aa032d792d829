"""`grade release`: what students get, that it installs and grades like this repository, and leaks nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import source_tree
from conftest import check_counts
from course_copy import ROOT, complete_exercises, load, make_course
from grader.grading import references as reference_data
from grader.authoring import hidden, leaks, release
from grader.cli import cli
from grader.grading.lab import SolutionReferences

REFERENCE = "grader/lesson/reference.grdr"  # where this course keeps a release's reference data


@pytest.fixture(scope="module")
def course3(tmp_path_factory):
    return load(make_course(tmp_path_factory.mktemp("course3"), mistakes=True))


@pytest.fixture(scope="module")
def bundle(course3, tmp_path_factory):
    """The release of a course holding exercise-3, written once for this module's tests."""
    out = tmp_path_factory.mktemp("release") / "exercises-release"
    made = release.release(course=course3, out=out)
    return made


def test_the_bundle_holds_what_students_need_and_no_more(bundle, course3):
    files = set(bundle.files)
    for needed in ("course.toml", "pyproject.toml", "README.md", "exercises/exercise_3.py",
                   "exercises/exercise_3.ipynb", "grader/cli/__init__.py", "grader/lesson/exercise_3/checks.py",
                   "grader/lesson/exercise_3/probes.py", "grader/lesson/data/fakedata.grdr",
                   "grader/lesson/reference.grdr"):
        assert needed in files, needed
    assert not [f for f in files if f.startswith(("solutions/", "tests/", ".github/", ".ci/", "bench/"))]
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]
    assert (bundle.out / "exercises" / "exercise_3.py").read_bytes() == \
        (course3.exercises_dir / "exercise_3.py").read_bytes()
    assert (bundle.public_checks, bundle.hidden_checks) == check_counts("exercise_3")
    shipped = tomllib.loads((bundle.out / "course.toml").read_text())
    original = tomllib.loads((course3.root / "course.toml").read_text())
    assert "mistakes" not in shipped["course"] and "correct" not in shipped["course"]  # the corpora stay home
    original["course"].pop("mistakes")
    original["course"].pop("correct")
    assert shipped == original
    assert "grade exercise-3" in (bundle.out / "README.md").read_text()


# The instructor's side of the engine: what grades a class, builds releases and runs on Gradescope.
INSTRUCTOR_SIDE = ("grader/batch/", "grader/authoring/", "grader/autograder.py")


def test_the_bundle_ships_no_instructor_module_and_needs_none(bundle):
    """No instructor module goes out, and every module of ours that a shipped module imports
    (function-level imports too) is shipped: the student side stands alone. (The CLI reaches
    the instructor's commands by name, through importlib, and says so when they are absent.)"""
    shipped = {f for f in bundle.files if f.startswith("grader/") and f.endswith(".py")}
    assert not sorted(f for f in shipped if f.startswith(INSTRUCTOR_SIDE))
    ours = source_tree.modules(ROOT / "grader")
    in_bundle = source_tree.modules(bundle.out / "grader")
    missing = []
    for module, path in sorted(in_bundle.items()):
        for name, line in sorted(source_tree.imports(path, module)):
            target = source_tree.owner(name, ours)
            if target is not None and target not in in_bundle:
                missing.append(f"{path.relative_to(bundle.out)}:{line} imports {target}, which is not shipped")
    assert not missing, "\n".join(missing)


def test_hidden_checks_are_cut_out_and_the_rest_kept_byte_for_byte(bundle, course3):
    source = (ROOT / "grader" / "lesson" / "exercise_3" / "checks.py").read_text()
    shipped = (bundle.out / "grader" / "lesson" / "exercise_3" / "checks.py").read_text()
    assert "hidden" not in shipped
    assert hidden.check_names(shipped) == [n for n in hidden.check_names(source)
                                           if n not in hidden.hidden_check_names(course3)]
    cut = source.index("@pytest.mark.points(1)\n@pytest.mark.hidden")
    # The known-wrong momentum step is cut out too (a simulator: it ships as data).
    assert shipped == hidden.strip_simulators(source[:cut].rstrip("\n") + "\n")[0]
    assert "def _momentum_with" in source and "def _momentum_with" not in shipped


def test_simulators_ship_as_their_outcomes_on_every_public_scenario(bundle):
    """Every known momentum mistake's outcome on every public scenario of sgd_momentum_update, and no code."""
    data = (bundle.out / REFERENCE).read_bytes()
    stored, simulated = reference_data.decode(data), reference_data.decode_simulated(data)
    momentum = {key for key in stored if key[0].endswith((":momentum_steps", ":momentum_in_a_row"))}
    assert momentum and {key[:3] for key in simulated} == momentum
    mistakes = {key[3] for key in simulated}
    assert len(mistakes) == 7 and '_momentum_with["dampened"]' in mistakes  # MOMENTUM_MISTAKES, every one
    assert all(m.startswith('_momentum_with["') for m in mistakes)
    assert len(simulated) == len(momentum) * len(mistakes)


def test_the_bundle_leaks_nothing(bundle, course3):
    """No line of solution code that the stubs lack, no hidden check's name, anywhere in the bundle."""
    secret = leaks.secret_lines(course3)
    assert "p -= lr * p.grad" in secret and "v.mul_(momentum).add_(p.grad)" in secret
    held_back = hidden.hidden_check_names(course3)
    assert "test_sgd_float64_two_steps" in held_back
    assert leaks.leaks(bundle.out, course3) == []
    for path in bundle.out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [name for name in held_back if name.encode() in data], path


def test_the_leak_scan_finds_what_is_planted(bundle, course3, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(bundle.out, copy)
    (copy / "solutions").mkdir()
    shutil.copyfile(course3.solutions_dir / "exercise_3.py", copy / "solutions" / "exercise_3.py")
    with (copy / "grader" / "grading" / "compare.py").open("a") as f:
        f.write("\n# p -= lr * v\n\n\ndef helper(v, momentum, p):\n    v.mul_(momentum).add_(p.grad)\n")
    nb = json.loads((copy / "exercises" / "exercise_3.ipynb").read_text())
    nb["cells"][3]["source"] = "# graded\ndef sgd_update(params, lr):\n    p -= lr * p.grad\n"
    (copy / "exercises" / "exercise_3.ipynb").write_text(json.dumps(nb))
    (copy / "README.md").write_text("see test_momentum_generator_with_frozen\n")
    found = "\n".join(leaks.leaks(copy, course3))
    assert "solutions/exercise_3.py: a solutions folder" in found
    assert "grader/grading/compare.py" in found and "v.mul_(momentum).add_(p.grad)" in found
    assert "exercises/exercise_3.ipynb:cell 4 line 3: solution code `p -= lr * p.grad`" in found
    assert "README.md: names the hidden check test_momentum_generator_with_frozen" in found


def test_reference_data_holds_public_scenarios_only(bundle, course3):
    stored = reference_data.decode((bundle.out / REFERENCE).read_bytes())
    exercise = course3.exercise("exercise-3")
    solution = course3.solutions_dir / exercise.file
    public, everything = (reference_data.Recorder(SolutionReferences(course3.solutions_dir)) for _ in range(2))
    from grader.grading.runner import grade_exercise

    grade_exercise(course=course3, exercise=exercise, path=solution, public_only=True, references=public)
    grade_exercise(course=course3, exercise=exercise, path=solution, references=everything)
    hidden_only = set(everything.outcomes) - set(public.outcomes)
    assert hidden_only, "exercise-3's hidden checks have scenarios of their own"
    assert set(stored) == set(public.outcomes)
    assert not hidden_only & set(stored)
    assert {device for _, _, device in stored} == {"cpu"}


def test_stored_references_say_what_is_missing(bundle):
    from grader.lesson.exercise_3 import probes

    stored = reference_data.StoredReferences(bundle.out / REFERENCE)
    with pytest.raises(reference_data.MissingReference, match="recorded on cpu, not on cuda: grade with --device cpu"):
        stored.outcome(probes.sgd_steps, {"seed": 3, "lr": 0.1}, "cuda")
    no_outcome = "no outcome of grader.lesson.exercise_3.probes:sgd_steps"
    with pytest.raises(reference_data.MissingReference, match=no_outcome):
        stored.outcome(probes.sgd_steps, {"seed": 9, "lr": 0.003, "steps": 2, "dtype": "float64"}, "cpu")


def test_the_same_course_gives_the_same_bytes(bundle, course3, tmp_path):
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "old-file.txt").write_text("from an earlier release")
    again = release.release(course=course3, out=tmp_path / "again", force=True)  # --force replaces it
    assert again.files == bundle.files
    for name in bundle.files:
        assert (again.out / name).read_bytes() == (bundle.out / name).read_bytes(), name


def test_release_refuses_to_overwrite_or_to_write_into_the_course(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course")
    monkeypatch.chdir(root)
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["release", str(taken)])
    assert result.exit_code == 1 and "exists and is not empty" in result.output
    assert (taken / "notes.txt").read_text() == "mine"
    result = CliRunner().invoke(cli, ["release", "exercises/release"])
    assert result.exit_code == 1 and "inside the course's exercises/ folder" in result.output
    result = CliRunner().invoke(cli, ["release", "."])
    assert result.exit_code == 1 and "holds the course itself" in result.output


def test_strip_hidden_handles_decorators_comments_and_attributes():
    source = '''"""Checks."""

import pytest


@pytest.mark.points(1)
def test_public(lab):
    """kept"""


# A comment about the hidden scenario goes with it.
@pytest.mark.points(1)
@pytest.mark.hidden
def test_secret(lab):
    """cut"""
    lab.both(seed=99)


test_secret.student_runs = 2


@pytest.mark.points(1)
def test_public_two(lab):
    """kept too"""
'''
    text, removed = hidden.strip_hidden(source)
    assert removed == ("test_secret",)
    assert "secret" not in text and "seed=99" not in text and "hidden scenario" not in text
    assert text == source.replace(source[source.index("# A comment"):source.index("@pytest.mark.points(1)\ndef "
                                                                                  "test_public_two")], "")
    with pytest.raises(hidden.HiddenCheckError, match="cannot cut out"):
        hidden.strip_hidden("import pytest\npytestmark = pytest.mark.hidden\n")


def test_every_exercise_is_released_and_its_data_grades_the_solution(tmp_path):
    """The whole course: no leak, and the stored data gives every public check what it asks for."""
    from grader.grading.runner import grade_exercise

    course = load(make_course(tmp_path / "course", tuple(complete_exercises())))
    made = release.release(course=course, out=tmp_path / "release")
    assert leaks.leaks(made.out, course) == []
    stored = reference_data.StoredReferences(made.out / REFERENCE)
    for exercise in course.exercises:
        result = grade_exercise(course=course, exercise=exercise, path=course.solutions_dir / exercise.file,
                                public_only=True, references=stored)
        assert result.checks and result.passed, (exercise.id, [c.feedback for c in result.checks if not c.passed])


# ---------------------------------------------------------------- installed in a fresh venv

def _fresh_venv(folder: Path) -> Path:
    """A venv whose only packages are this one's dependencies, linked, not downloaded (torch is 5 GB)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")], check=True)
    python = folder / "venv" / "bin" / "python"
    deps = folder / "deps"
    deps.mkdir()
    ours = ("__editable__", "optim_grader", "grader")
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(ours) and entry.suffix != ".pth":
            (deps / entry.name).symlink_to(entry)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "course-dependencies.pth").write_text(f"{deps}\n")
    return python


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(NO_COLOR="1", PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def test_installed_release_grades_like_this_repository(bundle, course3, tmp_path, grade):
    out = tmp_path / "release"
    shutil.copytree(bundle.out, out)
    python = _fresh_venv(tmp_path)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", str(out)], check=True, env=_env(), cwd=tmp_path)
    grade_command = python.parent / "grade"
    where = subprocess.run([str(python), "-c", "import grader; print(grader.__file__)"], cwd=tmp_path,
                           check=True, capture_output=True, text=True, env=_env()).stdout
    assert where.startswith(str(tmp_path / "venv")), where  # the installed copy, not this repository
    listing = subprocess.run([str(grade_command), "list"], cwd=out, capture_output=True, text=True, env=_env())
    assert listing.returncode == 0 and "exercise-3" in listing.stdout, listing.stderr

    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for source in (course3.solutions_dir / "exercise_3.py",
                   ROOT / "tests" / "mistakes" / "exercise_3" / "forgets_no_grad.py"):
        shutil.copyfile(source, submissions / source.name)
    cases = [None, *sorted(submissions.iterdir())]
    for submission in cases:
        args = [str(grade_command), "exercise-3", "--json"]
        if submission is not None:
            args += ["--submission", str(submission)]
        ran = subprocess.run(args, cwd=out / "exercises", capture_output=True, text=True, env=_env(), timeout=300)
        assert ran.returncode in (0, 1), ran.stderr
        got = json.loads(ran.stdout)
        here = grade("exercise-3", submission or ROOT / "exercises" / "exercise_3.py", public_only=True)
        want = here.gradescope()
        assert [(t["name"], t["score"], t["status"]) for t in got["tests"]] == \
            [(t["name"], t["score"], t["status"]) for t in want["tests"]], submission
        if submission is not None:  # the stub's feedback names its own path, which differs
            assert [t["output"] for t in got["tests"]] == [t["output"] for t in want["tests"]], submission
        assert got["score"] == want["score"]
    assert json.loads(ran.stdout)["score"] < 8  # the last case is a mistake

    # The release's own notebook, in a Jupyter kernel of the fresh venv: its last cell grades through
    # the installed grader (public checks, stored reference data).
    pytest.importorskip("nbclient")
    import nbformat
    from nbclient import NotebookClient

    from test_notebooks import filled

    nb = filled(nbformat.read(str(out / "exercises" / "exercise_3.ipynb"), as_version=4), "exercise_3")
    spec = tmp_path / "jupyter" / "kernels" / "release-venv"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({  # this venv's Python, never the one running the tests
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "release venv", "language": "python"}))
    env = _env()
    env.update(JUPYTER_PATH=str(tmp_path / "jupyter"), JUPYTER_PLATFORM_DIRS="1",
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), IPYTHONDIR=str(tmp_path / "ipython"))
    client = NotebookClient(nb, timeout=180, kernel_name="release-venv",
                            resources={"metadata": {"path": str(out / "exercises")}})
    with _environ(env):
        client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    assert "Score: 8/8  (all checks passed)" in text and "hidden" not in text, text


class _environ:
    """Temporarily replace os.environ (the kernel inherits it)."""

    def __init__(self, env: dict):
        self.env = env

    def __enter__(self):
        self.saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)

    def __exit__(self, *exc):
        os.environ.clear()
        os.environ.update(self.saved)


def test_strip_hidden_names_the_check_not_the_helpers_inside_it():
    source = (
        "import pytest\n\n\n"
        "def helper(step):\n    return step\n\n\n"
        "@pytest.mark.hidden\n"
        "def test_secret(lab):\n    def step(x):\n        return x\n    helper(step)\n"
    )
    text, removed = hidden.strip_hidden(source)
    assert removed == ("test_secret",)
    assert "def helper(step)" in text and "test_secret" not in text


def test_strip_simulators_cuts_known_wrong_implementations_and_refuses_a_use_it_cannot_cut():
    source = (
        "from grader.grading.simulations import mistaken, simulator\n\n\n"
        "# A known-wrong step: one flag away from the answer.\n"
        "@simulator(calls=\"step\", variants=[(\"ascent\",)])\n"
        "def _step_with(mistake):\n    return lambda p: p + 1 if mistake == \"ascent\" else p - 1\n\n\n"
        "def test_step(lab):\n    lab.simulate(probe, mistaken(\"_step_with\", \"ascent\"))\n"
    )
    text, removed = hidden.strip_simulators(source)
    assert removed == ("_step_with",)
    assert "def _step_with" not in text and "p - 1" not in text and "one flag away" not in text
    assert 'mistaken("_step_with", "ascent")' in text  # named in a string, as checks name it
    with pytest.raises(hidden.HiddenCheckError, match="_step_with"):
        hidden.strip_simulators(source + "\n\ndef helper(p):\n    return _step_with(\"ascent\")(p)\n")
