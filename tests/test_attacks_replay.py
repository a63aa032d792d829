"""Issue 17, class 10: public checks can't be replayed.

A release ships the reference's outcomes for the public checks' fixed seeds. The attack
(tests/attacks/trusted/replay_exercise_3.py) is a student's exercise_3.py that writes no
update: it finds, in a copy of those stored outcomes handed in beside it, the scenario whose
parameters and gradients it was given, and copies the recorded result in. Graded as a student
grades it (unsalted, against the stored data) it earns every public point; that is what a
student's own `grade` cannot prevent, and harmless, since it grades nobody. Graded by the
instructor (`grade batch`: every check's seeds mixed with the batch's secret salt), it earns
nothing, an honest student beside it keeps full marks, and the gradebook's salt reproduces the
batch's verdicts for one student on request.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from grader.batch import gradebook

GRADE = str(Path(sys.executable).with_name("grade"))
ATTACK = ROOT / "tests" / "attacks" / "trusted" / "replay_exercise_3.py"
SCAVENGER = ROOT / "tests" / "attacks" / "trusted" / "replay_salt_scavenger.py"
SOLUTION = ROOT / "solutions" / "exercise_3.py"
LIMITS = ["--timeout", "5", "--memory", "800"]
# What the replay does on inputs it has no recording of: nothing. A student handing in only this
# is the yardstick: the replay must earn nothing more in a batch.
IDLE = """
def sgd_update(params, lr):
    pass


def sgd_momentum_update(params, velocities, lr, momentum):
    pass
"""


def record_public(course, exercise_id: str, path: Path) -> Path:
    """What a release stores for ``exercise_id``'s public checks (``grade release`` records them this way),
    written to ``path``."""
    from grader.authoring import release
    from grader.grading import references

    exercise = course.exercise(exercise_id)
    outcomes, _ = release.record(course=course, exercises=(exercise,),
                                 submissions=lambda e: [course.solution_file(e)])
    references.write(path, outcomes)
    return path


def recorded_steps(recorded: Path) -> list:
    """Every step the stored outcomes hold, as the attacks' ``RECORDED`` wants them: (state in, gradients,
    state out, what else the step leaves: exercise 3's velocity buffers, exercise 7's Adam states), each
    tensor as (shape, dtype, values), in parameter order."""
    from grader.grading import references

    def tensor(t):
        return None if t is None else (list(t.shape), str(t.dtype).removeprefix("torch."), t.flatten().tolist())

    def plain(tensors):
        return None if tensors is None else [tensor(t) for t in tensors.values()]

    steps = []
    for outcome in references.decode(recorded.read_bytes()).values():
        for record in outcome.get("runs", [outcome]):
            for step, (grads, after) in enumerate(zip(record["grads"], record["after"])):
                if "states" in record:  # exercise 7: each parameter's step count, m and v
                    left = [(s.get("step"), tensor(s.get("m")), tensor(s.get("v")))
                            for s in record["states"][step].values()]
                else:  # exercise 3: the velocity buffers, if any
                    left = plain((record.get("velocities") or [None] * len(record["after"]))[step])
                steps.append((plain(record["after"][step - 1] if step else record["before"]), plain(grads),
                              plain(after), left))
    return steps


def replay_entry(folder: Path, recorded: Path, attack: Path = ATTACK) -> Path:
    """A student folder holding the attack, the stored outcomes it replays pasted in."""
    folder.mkdir(parents=True)
    source = attack.read_text().replace("RECORDED = []", f"RECORDED = {recorded_steps(recorded)!r}", 1)
    assert len(source) < 1 << 20 and "RECORDED = []" not in source
    (folder / attack.name.replace("replay_", "")).write_text(source)
    return folder


@pytest.fixture(scope="module")
def recorded(course, tmp_path_factory) -> Path:
    return record_public(course, "exercise-3", tmp_path_factory.mktemp("release") / "reference.grdr")


@pytest.fixture(scope="module")
def batch(recorded, tmp_path_factory):
    """A class of four graded by `grade batch`: the replay, a student whose functions do nothing, one who
    looks for the salt in their worker's memory, and an honest student."""
    from grader.isolation import doctor

    root = tmp_path_factory.mktemp("replay")
    submissions = root / "submissions"
    replay_entry(submissions / "mallory", recorded)
    (submissions / "honest").mkdir()
    shutil.copyfile(SOLUTION, submissions / "honest" / "exercise_3.py")
    (submissions / "idle").mkdir()
    (submissions / "idle" / "exercise_3.py").write_text(IDLE)
    (submissions / "snoop").mkdir()
    shutil.copyfile(SCAVENGER, submissions / "snoop" / "exercise_3.py")
    out = root / "results"
    extra = [] if doctor.available().ok else ["--allow-unsandboxed"]
    ran = subprocess.run([GRADE, "batch", str(submissions), "--out", str(out), "-j", "2",
                          "--exercise", "exercise-3", *LIMITS, *extra],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    print(ran.stdout)
    with sqlite3.connect(out / gradebook.STORE_NAME) as conn:
        checks = {student: {name: (status, points, mistake) for name, status, points, mistake in conn.execute(
            "SELECT name, status, points, mistake FROM checks WHERE student = ? ORDER BY position", (student,))}
            for student in ("mallory", "idle", "honest")}
        snooped = " ".join(f for (f,) in conn.execute("SELECT feedback FROM checks WHERE student = 'snoop'"))
        scores = dict(conn.execute("SELECT student, score FROM submissions"))
        salt = conn.execute("SELECT salt FROM batch").fetchone()
    return {"submissions": submissions, "out": out, "checks": checks, "scores": scores, "snooped": snooped,
            "salt": salt[0] if salt else None}


def test_graded_as_a_student_grades_it_the_replay_earns_every_public_point(course, grade, recorded, tmp_path):
    """The hole is real: a student's own `grade` (unsalted, against the release's stored outcomes) can't
    tell a replay from the exercise. It grades nobody but the student, so this is all it buys."""
    from grader.grading.references import StoredReferences

    entry = replay_entry(tmp_path / "mallory", recorded)
    result = grade("exercise-3", entry / "exercise_3.py", public_only=True, references=StoredReferences(recorded))
    assert result.checks and result.score == result.max_score, [(c.name, c.feedback) for c in result.checks
                                                                if not c.passed]


# Checks that a function doing nothing passes today: they look at what the step must not do (record
# autograd history, clear .grad, call torch.optim), not at whether it stepped. The replay keeps these
# points only because an empty function gets them too (class 9 tightens the second).
PASSED_BY_DOING_NOTHING = {"test_sgd_leaves_autograd_and_grads_alone", "test_steps_are_written_by_hand"}


def test_the_replay_of_adam_earns_every_public_point_unsalted_and_nothing_salted(course, grade, tmp_path):
    """Exercise 7, graded in-process both ways: as a student grades it, and on an instructor's salt."""
    from grader.grading.lab import new_salt
    from grader.grading.references import StoredReferences

    recorded = record_public(course, "exercise-7", tmp_path / "reference.grdr")
    entry = replay_entry(tmp_path / "mallory", recorded, ATTACK.with_name("replay_exercise_7.py"))
    unsalted = grade("exercise-7", entry / "exercise_7.py", public_only=True, references=StoredReferences(recorded))
    assert unsalted.checks and unsalted.score == unsalted.max_score, [(c.name, c.feedback) for c in unsalted.checks
                                                                      if not c.passed]
    salted = grade("exercise-7", entry / "exercise_7.py", salt=new_salt())
    passed = {c.name for c in salted.checks if c.passed}
    assert passed <= {"test_adam_leaves_autograd_and_grads_alone", "test_adam_update_is_written_by_hand"}, passed


def test_in_a_batch_the_replay_earns_nothing(batch):
    """Check for check, the replay scores what a submission doing nothing scores: 0 on every check that
    looks at the values of the step."""
    checks, idle = batch["checks"]["mallory"], batch["checks"]["idle"]
    assert checks and checks.keys() == idle.keys()
    assert {name: points for name, (_, points, _) in checks.items()} == \
        {name: points for name, (_, points, _) in idle.items()}
    assert batch["scores"]["mallory"] == batch["scores"]["idle"]
    stepped = [name for name in checks if name not in PASSED_BY_DOING_NOTHING]
    assert len(stepped) == 8 and all(checks[name][:2] == ("failed", 0) for name in stepped), checks


def test_in_a_batch_an_honest_student_keeps_full_marks(batch, course):
    assert batch["scores"]["honest"] == course.exercise("exercise-3").points
    assert all(status == "passed" for status, _, _ in batch["checks"]["honest"].values())


def test_the_batch_salt_is_in_the_gradebook(batch):
    assert batch["salt"] and len(batch["salt"]) >= 32


def test_no_worker_finds_the_salt_in_the_memory_it_inherited(batch):
    """Judges are forked from the batch's main process before it reads the salt, and their fork servers
    before a judge is told it: what a worker inherits never held it."""
    assert "candidates in memory derives seed" in batch["snooped"], batch["snooped"][:2000]
    assert "BRE" "ACH!" not in batch["snooped"] and batch["salt"] not in batch["snooped"]


def test_regrading_one_student_with_the_gradebook_salt_reproduces_the_batch(batch, grade):
    """`grade exercise-3 --submission … --salt S`: the verdicts the batch stored, check for check."""
    mallory = batch["submissions"] / "mallory"
    ran = subprocess.run([GRADE, "exercise-3", "--submission", str(mallory), "--json", "--salt", batch["salt"]],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert ran.returncode == 1, ran.stderr
    tests = json.loads(ran.stdout)["tests"]
    assert [(t["score"], (t.get("extra_data") or {}).get("mistake")) for t in tests] == \
        [(points, mistake or None) for _, points, mistake in batch["checks"]["mallory"].values()]
    honest = grade("exercise-3", batch["submissions"] / "honest" / "exercise_3.py", salt=batch["salt"])
    assert {c.name: (c.status, c.points) for c in honest.checks} == \
        {name: (status, points) for name, (status, points, _) in batch["checks"]["honest"].items()}


# ---------------------------------------------------------------- the parts, without grading

def test_a_salt_changes_every_seed_at_any_depth_the_same_way_every_time_and_nothing_else():
    from grader.grading.lab import SEED_FLOOR, SEED_SPAN, derived_seed, new_salt, salted

    params = {"seed": 3, "lr": 0.1, "steps": 2, "frozen": ["0.bias"],
              "runs": [{"seed": 21, "sizes": [6, 5, 3]}, {"seed": 22, "dtype": "float64"}], "flag": True}
    assert salted(params, None) is params  # a student's own grade: the checks' seeds, as stored in a release
    salt = new_salt()
    mixed = salted(params, salt)
    assert mixed == {**params, "seed": derived_seed(3, salt),
                     "runs": [{"seed": derived_seed(21, salt), "sizes": [6, 5, 3]},
                              {"seed": derived_seed(22, salt), "dtype": "float64"}]}
    assert mixed == salted(params, salt) and params["seed"] == 3  # stable, and the check's own dict untouched
    seeds = [derived_seed(s, salt) for s in range(200)]
    assert len(set(seeds)) == 200 and all(SEED_FLOOR <= s < SEED_FLOOR + SEED_SPAN for s in seeds)
    assert derived_seed(3, new_salt()) != derived_seed(3, salt)
    assert derived_seed(3, "a known salt") == 461271565  # the same on every machine and Python: reproducible


def test_every_outcome_a_release_stores_for_exercise_3_has_a_seed_the_salt_changes(recorded):
    """A public scenario built without a seed would be the same under every salt, so replayable."""
    from grader.grading import references

    keys = references.decode(recorded.read_bytes())
    assert keys and all('"seed": ' in params for _, params, _ in keys)


def test_an_older_gradebook_gains_a_salt_and_its_unsalted_rows_are_graded_again(tmp_path):
    from grader.batch.gradebook import Gradebook

    path = tmp_path / gradebook.STORE_NAME
    conn = sqlite3.connect(path)
    conn.executescript(gradebook.SCHEMA)
    conn.execute("INSERT INTO meta VALUES ('schema', '4')")
    conn.execute("INSERT INTO submissions VALUES ('bo','exercise-3','graded','',0,8,10,'t','f.py',NULL,'h','v','f',"
                 "'t','cpu','now',1,'jail')")
    conn.commit()
    conn.close()
    store = Gradebook(path)
    salt = store.salt()
    assert len(salt) == 32 and not store.current("bo", "exercise-3", "h", "v", "f")
    assert store.get("bo", "exercise-3").fingerprint == "unsalted:f"
    store.close()
    again = Gradebook(path)  # a resumed batch: the same salt, the same inputs
    assert again.salt() == salt
    again.close()


def test_validate_grades_each_mistake_on_salted_inputs_too(course, tmp_path):
    """A mistake caught on the checks' own seeds but not on salted ones is a finding naming the salt."""
    from grader.authoring import validate
    from grader.grading.results import FAILED, PASSED, CheckResult, ExerciseResult

    mistake = tmp_path / "ascent.py"
    mistake.write_text("# mistake: ascent\n# id: sgd.ascent\n# fails: test_a\n# feedback: uphill\n")

    def grade(path, salt=None):
        status = PASSED if salt else FAILED
        check = CheckResult(name="test_a", title="a", points=float(bool(salt)), max_points=1.0, status=status,
                            hidden=False, feedback="" if salt else "uphill", seconds=0.1,
                            mistake=None if salt else "sgd.ascent")
        return ExerciseResult(exercise="exercise-3", title="t", submission=str(path), checks=(check,))

    found = validate._mistake(course.exercise("exercise-3"), mistake, grade, {"sgd.ascent"}, "pepper")
    assert not found.ok and "on inputs salted with pepper" in found.message and "passes test_a" in found.message
    assert validate._mistake(course.exercise("exercise-3"), mistake, lambda p, salt=None: grade(p),
                             {"sgd.ascent"}, "pepper").ok


def test_a_batch_into_results_of_another_salt_is_refused_and_the_store_keeps_its_own(tmp_path):
    """`grade batch --salt S` grades on another batch's inputs, into a new RESULTS only."""
    from grader.batch import run
    from grader.batch.gradebook import Gradebook
    from grader.errors import UsageProblem

    (tmp_path / "class").mkdir()
    out = tmp_path / "results"
    out.mkdir()
    Gradebook(out / gradebook.STORE_NAME, salt="first").close()
    with pytest.raises(UsageProblem, match="salted otherwise"):
        run.run(submissions=tmp_path / "class", out=out, salt="second", exercises=("exercise-3",),
                course_root=ROOT, allow_unsandboxed=True)
    store = Gradebook(out / gradebook.STORE_NAME, salt="third")
    assert store.salt() == "first"
    store.close()


def test_a_salt_without_the_solutions_is_a_usage_error(tmp_path):
    """A student's release has only the stored outcomes, for the checks' own seeds: it cannot grade salted."""
    from course_copy import load, make_course
    from grader.errors import UsageProblem
    from grader.grading import runner

    root = make_course(tmp_path / "course")
    shutil.rmtree(root / "solutions")
    course = load(root)
    with pytest.raises(UsageProblem, match="salted inputs need the reference solutions"):
        runner.grade_exercise(course=course, exercise=course.exercise("exercise-3"), path=None, salt="pepper")
