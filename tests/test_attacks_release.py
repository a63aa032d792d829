"""Issue 17, item 11: a release ships no code that computes an answer.

The attacks (``tests/attacks/trusted/release_*.py``) are copiers built from a student release
alone: each pastes (or imports) grader code the release ships — the checks' mistake simulators,
a probe's helper, another exercise's probe training loop — and lets it do the exercise. A line
``# paste: FILE FUNCTION`` in an attack is replaced by that function's source as the release
ships it, or left a comment when the release has no such function. Each copier is graded inside
the release, by the release's own grader (its public checks, its stored data), as a student's
``grade`` grades it. Before the fix they scored (exercise 3: 8/8 public points, exercise 7:
8/8, exercise 1: 8/8, exercise 4: 4/8); now they score nothing, and the solutions and stubs
keep their verdicts in the release. ``grade release`` itself refuses a bundle whose shipped code
reproduces a reference outcome it stores: planted in a tiny course of its own.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_copy import ROOT, load, make_course
from grader.authoring import release

ATTACKS = ROOT / "tests" / "attacks" / "trusted"
COPIERS = {  # attack → the exercise it is handed in for
    "release_copy_classifier.py": "exercise-1",
    "release_copy_momentum.py": "exercise-3",
    "release_copy_training_loop.py": "exercise-4",
    "release_copy_adam.py": "exercise-7",
}
EXERCISES = ("exercise-1", "exercise-3", "exercise-4", "exercise-7")  # exercise 5's probes ship with any release


def pasted(attack: Path, bundle: Path) -> str:
    """The attack's text, each ``# paste: FILE FUNCTION`` line replaced by the source of FUNCTION as the
    release ``bundle`` ships it in FILE (left as it is when the release has none)."""
    lines = []
    for line in attack.read_text(encoding="utf-8").splitlines():
        if line.startswith("# paste: "):
            file, name = line.removeprefix("# paste: ").split()
            shipped = bundle / file
            source = shipped.read_text(encoding="utf-8") if shipped.is_file() else ""
            found = [ast.get_source_segment(source, node) for node in ast.parse(source).body
                     if isinstance(node, ast.FunctionDef) and node.name == name]
            lines.append(found[0] if found else f"{line}  (not in this release)")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def release_python(bundle: Path, folder: Path) -> Path:
    """A venv whose ``grader`` is the release's (a path entry, ahead of the suite's packages, which
    give torch and the rest): a student's install of the release, without pip."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    # The suite's import path (torch…) as plain paths, none that holds a grader: the .pth files of its
    # site-packages (this checkout's editable grader) do not run.
    paths = [p for p in dict.fromkeys(sys.path) if p and Path(p).is_dir() and not (Path(p) / "grader").exists()]
    (purelib / "release.pth").write_text("\n".join([str(bundle), *paths]) + "\n")
    return python


DRIVER = """
import json, sys
from pathlib import Path
import grader
from grader import course as courses
from grader.grading.runner import grade_exercise

course = courses.load(Path.cwd())
assert not course.solutions_dir.is_dir() and Path(grader.__file__).is_relative_to(Path.cwd()), grader.__file__
out = {}
for label, exercise, path in json.loads(sys.argv[1]):
    result = grade_exercise(course=course, exercise=course.exercise(exercise), path=Path(path))
    out[label] = {"score": result.score, "points": sum(c.max_points for c in result.checks),
                  "passed": [c.name for c in result.checks if c.passed],
                  "feedback": {c.name: c.feedback[:300] for c in result.checks if not c.passed}}
print(json.dumps(out))
"""


def grade_in_release(python: Path, bundle: Path, jobs: list[tuple[str, str, Path]]) -> dict:
    """Grade each (label, exercise id, file) inside the release, by its own grader: {label: result}."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(python), "-c", DRIVER, json.dumps([[a, b, str(c)] for a, b, c in jobs])],
                          cwd=bundle, capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """One release of the exercises the copiers attack (every exercise's probes ship with it: exercise 5's too)."""
    base = tmp_path_factory.mktemp("copiers")
    course = load(make_course(base / "course", EXERCISES))
    return release.release(course=course, out=base / "release").out


@pytest.fixture(scope="module")
def graded(bundle, tmp_path_factory):
    """Every copier, every solution and every stub of the release, graded inside it."""
    folder = tmp_path_factory.mktemp("submissions")
    jobs = []
    for attack, exercise in COPIERS.items():
        path = folder / attack.removesuffix(".py") / f"{exercise.replace('-', '_')}.py"
        path.parent.mkdir()
        path.write_text(pasted(ATTACKS / attack, bundle), encoding="utf-8")
        jobs.append((attack, exercise, path))
    for exercise in EXERCISES:
        stem = exercise.replace("-", "_")
        jobs.append((f"solution {exercise}", exercise, ROOT / "solutions" / f"{stem}.py"))
        jobs.append((f"stub {exercise}", exercise, bundle / "exercises" / f"{stem}.py"))
    python = release_python(bundle, tmp_path_factory.mktemp("venv") / "venv")
    results = grade_in_release(python, bundle, jobs)
    print(json.dumps({label: (r["score"], r["points"]) for label, r in results.items()}))
    return results


@pytest.mark.parametrize("attack", sorted(COPIERS))
def test_a_copier_built_from_the_release_scores_nothing(graded, attack):
    result = graded[attack]
    assert result["points"] > 0
    assert result["score"] == 0 and result["passed"] == [], result


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_release_still_tells_solutions_from_stubs(graded, exercise):
    solution, stub = graded[f"solution {exercise}"], graded[f"stub {exercise}"]
    assert solution["score"] == solution["points"] > 0, solution["feedback"]
    assert stub["score"] == 0 and stub["passed"] == [], stub


# ---------------------------------------------------------------- grade release refuses a bundle that ships an answer

def _tiny(root: Path, checks: str) -> Path:
    """The tiny course of test_second_course ("double a tensor"), with ``checks`` as its checks."""
    from test_second_course import COURSE_TOML, PROBES, SOLUTION, STUB

    files = {"course.toml": COURSE_TOML, "exercises/exercise_1.py": STUB, "solutions/exercise_1.py": SOLUTION,
             "lesson/__init__.py": '"""The lesson of the tiny course."""\n', "lesson/exercise_1/__init__.py": "",
             "lesson/exercise_1/probes.py": PROBES, "lesson/exercise_1/checks.py": checks}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


TINY_CHECKS = '''\
"""Checks for exercise 1: double a tensor."""

import pytest
import torch

from grader.grading.feedback import Feedback
from grader.grading.simulations import mistaken, simulator
from lesson.exercise_1 import probes
{helper}

@pytest.mark.points(1)
def test_double_returns_twice_the_input(lab):
    """double returns twice its input"""
    got, want = lab.both(probes.doubled, seed=1)
    mine, right = got["returned"].get("tensor"), want["returned"]["tensor"]
    if mine is None or mine.shape != right.shape or not torch.allclose(mine, right):
        tripled = lab.simulate(probes.doubled, mistaken("_times", 3), seed=1)["returned"]["tensor"]
        if mine is not None and mine.shape == tripled.shape and torch.allclose(mine, tripled):
            raise Feedback("double(x) is three times x.", fix="Multiply by two.", mistake="double.triples")
        raise Feedback("double(x) is not twice x.", fix="Multiply by two, and return that new tensor.")


@simulator(calls="double", variants=[(2,), (3,)])
def _times(k):
    """A double that multiplies by ``k``: with k=2 it is the answer, which is why it never ships."""
    return lambda values: values.mul(k)
'''
# A public check's helper that does the exercise, whatever the check uses it for.
ANSWER = '''

def scaled(values, factor=2):
    """The values the student's should be (shown in feedback)."""
    return values.mul(factor)
'''


def test_release_refuses_a_bundle_whose_lesson_code_computes_an_answer(tmp_path):
    course = load(_tiny(tmp_path / "course", TINY_CHECKS.format(helper=ANSWER)))
    with pytest.raises(release.ReleaseError) as refused:
        release.release(course=course, out=tmp_path / "release")
    said = str(refused.value)
    assert "code that computes an answer: lesson/exercise_1/checks.py: scaled" in said
    assert ("lesson/exercise_1/checks.py: scaled, called as double, reproduces the stored outcome of "
            "lesson.exercise_1.probes:doubled") in said, said
    assert "_times" not in said  # the simulator (an answer with k=2) never reaches the bundle
    assert not (tmp_path / "release").exists()


def test_a_simulator_ships_as_data_and_the_release_names_its_mistake(tmp_path):
    """Without the helper the tiny course releases; its simulator is cut out and what it gives on the
    public scenario is stored; the release's check names the mistake from that data."""
    from grader.grading import references

    course = load(_tiny(tmp_path / "course", TINY_CHECKS.format(helper="")))
    made = release.release(course=course, out=tmp_path / "release")
    shipped = (made.out / "lesson" / "exercise_1" / "checks.py").read_text()
    assert "def _times" not in shipped and "values.mul(k)" not in shipped and 'mistaken("_times", 3)' in shipped
    data = (made.out / "lesson" / "reference.grdr").read_bytes()
    assert sorted(m for *_, m in references.decode_simulated(data)) == ["_times[2]", "_times[3]"]
    triples = tmp_path / "triples" / "exercise_1.py"
    triples.parent.mkdir()
    triples.write_text("def double(x):\n    return x * 3\n")
    python = release_python(made.out, tmp_path / "venv")
    graded = grade_in_release(python, made.out, [("triples", "exercise-1", triples),
                                                 ("solution", "exercise-1", course.solutions_dir / "exercise_1.py")])
    assert graded["solution"]["score"] == graded["solution"]["points"] == 1
    assert graded["triples"]["score"] == 0
    assert "three times x" in graded["triples"]["feedback"]["test_double_returns_twice_the_input"]
