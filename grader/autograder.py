"""What runs inside Gradescope, once per submission: ``python -m grader.autograder``.

``run_autograder`` (written by ``grade gradescope``, ``grader.authoring.gradescope``)
calls it with ``--root /autograder``: the course is in ``source/``, the student's
files in ``submission/``, and ``results/results.json`` must be left whatever happens.
Every check of every exercise chosen runs, the hidden ones with visibility
``after_published``; student code runs in the jail, or not at all unless the
autograder was built with ``--allow-unsandboxed``. Every check's seeds are mixed
with the salt ``grade gradescope`` put in ``source/grading-salt`` (``SALT_FILE``),
read only after the fork server has started, from a folder ``run_autograder`` has
made root's alone; no worker is told it (its job carries the derived seeds).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from grader.errors import GraderProblem
from grader.grading.results import dumps, gradescope, isolation

DEVICE = "cpu"  # Gradescope's machines have no GPU
SALT_FILE = "grading-salt"  # in the course folder: the build's salt (grader.grading.lab.salted)


class AutograderError(GraderProblem):
    """The autograder cannot grade here."""


class Unsandboxed(AutograderError):
    """Student code cannot be jailed here, and the autograder was not built to allow that."""


def grade_submission(*, root: Path, exercises: tuple[str, ...] = ()) -> dict:
    """Grade ``root``/submission against the course in ``root``/source; the results.json object."""
    from grader import course as courses
    from grader.grading import find
    from grader.grading import runner as grading

    course = courses.load(root / "source")
    chosen = course.select(exercises)
    submission = root / "submission"
    salt = _salt(root / "source" / SALT_FILE)
    graded, lines = [], []
    for exercise in chosen:
        # The rule every way of grading uses (grader.grading.find): Gradescope unzips uploads, so
        # the file may sit in folders; the shallowest counts, a tie between folders is a problem.
        found = find.find(submission, exercise.stem) if submission.is_dir() else find.Found()
        path = found.path
        result = grading.grade_exercise(course=course, exercise=exercise, path=path, device=DEVICE,
                                        own=(str(submission),), problem=found.problem, salt=salt,
                                        hidden=(str(root / "source" / SALT_FILE),))
        shown = (path.relative_to(submission).as_posix() if path else
                 "more than one file, none graded" if found.problem else f"no {exercise.stem}.py or .ipynb found")
        lines.append(f"{exercise.id} ({exercise.title}): {result.score:g}/{result.max_score:g}  [{shown}]")
        if result.problem and path:  # a note, or why the file cannot run (a not-submitted one says so above)
            lines += ["  " + line for line in result.problem.splitlines()]
        elif found.problem:
            lines.append("  " + found.problem)
        graded.append(result)
    # Gradescope takes the assignment's total from its own settings: no max_score.
    return gradescope(graded, output="\n".join(lines), stdout_visibility="hidden", max_score=False,
                      extra_data={"isolation": isolation(graded) or "no code ran"})


def _salt(path: Path) -> str | None:
    """The build's salt; None for a zip built before there was one (the checks' own seeds)."""
    try:
        return path.read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    """``python -m grader.autograder --root /autograder [EXERCISE...]`` (what run_autograder runs)."""
    parser = argparse.ArgumentParser(prog="python -m grader.autograder")
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")))
    parser.add_argument("--allow-unsandboxed", action="store_true")
    parser.add_argument("exercises", nargs="*")
    args = parser.parse_args(argv)
    from grader import course as courses
    from grader.isolation import doctor
    from grader.isolation import client

    try:
        courses.load(args.root / "source")  # a broken autograder says so before paying for torch
        found = doctor.available()
        if not found.ok and not args.allow_unsandboxed:
            raise Unsandboxed(f"student code cannot be jailed in this container ({found.reason}); the "
                              "instructor can rebuild the autograder with `grade gradescope "
                              "--allow-unsandboxed` to grade without the jail")
        client.start_forked()  # this process has run no torch op yet: workers fork from it warm
        results = grade_submission(root=args.root, exercises=tuple(args.exercises))
        code = 0
    except Exception as exc:  # noqa: BLE001 - Gradescope must get a results.json whatever happens
        results = gradescope([], max_score=False, output=(
            "The autograder itself failed; this is not your code's fault. Tell your instructor:\n"
            + "".join(traceback.format_exception_only(type(exc), exc)).strip()))
        traceback.print_exc()
        code = 1
    target = args.root / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dumps(results), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
