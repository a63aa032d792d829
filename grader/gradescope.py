"""``grade gradescope OUT.zip``: an autograder that Gradescope runs on each submission.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once
to build its image, then for every submission copies the student's files into
``/autograder/submission`` and runs ``run_autograder``, which must leave
``/autograder/results/results.json``. Our ``run_autograder`` runs
``python -m grader.gradescope``: every check of every exercise chosen, the
hidden ones with visibility ``after_published``. The zip holds the whole course
(solutions included: Gradescope never shows it to students). ``AUTOGRADER_ROOT``
replaces ``/autograder`` (and ``AUTOGRADER_PYTHON`` the venv's Python), so the
same script runs against a folder laid out the same way in a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import traceback
import zipfile
from pathlib import Path

from grader.errors import GraderProblem

from grader import release
from grader.course import COURSE_FILE, Course

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same course gives the same bytes
DEVICE = "cpu"                     # Gradescope's machines have no GPU

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, to build the autograder image: Python >= 3.11, PyTorch for the CPU, the grader.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
cd "$(dirname "$0")"

python_ok() { command -v "$1" >/dev/null && "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; }
PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if python_ok "$candidate"; then PY="$candidate"; break; fi
done
if [ -z "$PY" ]; then
    # Older Ubuntu images: Python 3.11 from the deadsnakes archive.
    apt-get update
    apt-get install -y software-properties-common
    add-apt-repository -y ppa:deadsnakes/ppa
    apt-get update
    apt-get install -y python3.11 python3.11-venv
    PY=python3.11
fi
if ! "$PY" -m venv "$ROOT/venv"; then
    apt-get update && apt-get install -y "$(basename "$PY")-venv"
    "$PY" -m venv "$ROOT/venv"
fi
"$ROOT/venv/bin/pip" install --upgrade pip
# The CPU build of PyTorch: the default one brings gigabytes of CUDA libraries the grader never uses.
"$ROOT/venv/bin/pip" install --index-url https://download.pytorch.org/whl/cpu torch torchvision
"$ROOT/venv/bin/pip" install .
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission: grade $ROOT/submission, write $ROOT/results/results.json.
set -u
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}}"
cd "$ROOT/source" || exit 1
if [ "$(id -u)" = 0 ]; then
    # Student code runs in the grader's jail, which shows it neither the solutions nor the checks;
    # the course folder is also closed to every other user, in case.
    chmod -R go-rwx "$ROOT/source"
fi
# -P: the installed grader, never a grader/ folder that happens to sit in the working directory.
exec "$PYTHON" -P -m grader.gradescope --root "$ROOT"{flags}{exercises}
"""


class GradescopeError(GraderProblem):
    """The autograder zip cannot be made as asked."""


def build(*, course: Course, out: Path, exercises: tuple[str, ...] = (), allow_unsandboxed: bool = False) -> str:
    """Write the autograder zip for ``course`` (or the ``exercises`` named) to ``out``; a summary line."""
    chosen = [course.exercise(e) for e in exercises] if exercises else list(course.exercises)
    missing = [str(course.solutions_dir / e.file) for e in chosen if not (course.solutions_dir / e.file).is_file()]
    if missing:
        raise GradescopeError("the autograder grades against the solutions; missing: " + ", ".join(missing))
    files: dict[str, tuple[bytes, int]] = {
        f"grader/{relative.as_posix()}": (path.read_bytes(), 0o644) for path, relative in release.package_files()}
    files[COURSE_FILE] = ((course.root / COURSE_FILE).read_bytes(), 0o644)
    for exercise in course.exercises:
        for folder in ("exercises", "solutions"):
            path = course.root / folder / exercise.file
            if path.is_file():
                files[f"{folder}/{exercise.file}"] = (path.read_bytes(), 0o644)
    pyproject = release.find_pyproject(course)
    if pyproject is None:
        raise GradescopeError(f"no pyproject.toml in {course.root}: setup.sh installs the grader from it")
    files["pyproject.toml"] = (pyproject.read_bytes(), 0o644)
    if (course.root / "README.md").is_file():
        files["README.md"] = ((course.root / "README.md").read_bytes(), 0o644)
    ids = "".join(f" {shlex.quote(e.id)}" for e in chosen)
    files["setup.sh"] = (SETUP_SH.encode(), 0o755)
    flags = " --allow-unsandboxed" if allow_unsandboxed else ""
    files["run_autograder"] = (RUN_AUTOGRADER.format(exercises=ids, flags=flags).encode(), 0o755)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            data, mode = files[name]
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, data)
    points = sum(e.points for e in chosen)
    return (f"wrote {out}: {len(files)} files; grades {', '.join(e.id for e in chosen)} "
            f"({points:g} points, hidden checks after publishing). Upload it as the autograder of a "
            "Gradescope programming assignment.")


# ---------------------------------------------------------------- inside Gradescope

def find_submission(folder: Path, exercise) -> Path | None:
    """The student's file for ``exercise`` anywhere in ``folder``: the shallowest, ``.py`` before ``.ipynb``."""
    found = []
    for suffix_rank, suffix in enumerate((".py", ".ipynb")):
        for path in folder.rglob(f"{exercise.stem}{suffix}"):
            parts = path.relative_to(folder).parts
            if path.is_file() and not any(p.startswith((".", "__MACOSX")) for p in parts):
                found.append((len(parts), suffix_rank, str(path), path))
    return min(found)[3] if found else None


class Unsandboxed(GradescopeError):
    """Student code cannot be jailed here, and the autograder was not built to allow that."""


def grade_submission(*, root: Path, exercises: tuple[str, ...] = ()) -> dict:
    """Grade ``root``/submission against the course in ``root``/source; the results.json object."""
    from grader import course as courses, grading

    course = courses.load(root / "source")
    chosen = [course.exercise(e) for e in exercises] if exercises else list(course.exercises)
    submission = root / "submission"
    tests, lines, isolation = [], [], set()
    for exercise in chosen:
        path = find_submission(submission, exercise) if submission.is_dir() else None
        result = grading.grade_exercise(course=course, exercise=exercise, path=path, device=DEVICE,
                                        own=(str(submission),))
        shown = path.relative_to(submission).as_posix() if path else f"no {exercise.stem}.py or .ipynb found"
        lines.append(f"{exercise.id} ({exercise.title}): {result.score:g}/{result.max_score:g}  [{shown}]")
        tests += result.gradescope()["tests"]
        if result.isolation:
            isolation.add(result.isolation)
    return {
        "score": sum(t["score"] for t in tests),
        "output": "\n".join(lines),
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"isolation": "; ".join(sorted(isolation)) or "no code ran"},
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m grader.gradescope --root /autograder [EXERCISE...]`` (what run_autograder runs)."""
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope")
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")))
    parser.add_argument("--allow-unsandboxed", action="store_true")
    parser.add_argument("exercises", nargs="*")
    args = parser.parse_args(argv)
    from grader import course as courses, doctor, sandbox

    try:
        courses.load(args.root / "source")  # a broken autograder says so before paying for torch
        found = doctor.available()
        if not found.ok and not args.allow_unsandboxed:
            raise Unsandboxed(f"student code cannot be jailed in this container ({found.reason}); the "
                              "instructor can rebuild the autograder with `grade gradescope "
                              "--allow-unsandboxed` to grade without the jail")
        sandbox.fork_zygote()  # this process has run no torch op yet: workers fork from it warm
        results = grade_submission(root=args.root, exercises=tuple(args.exercises))
        code = 0
    except Exception as exc:  # noqa: BLE001 - Gradescope must get a results.json whatever happens
        results = {"score": 0, "tests": [], "output": (
            "The autograder itself failed; this is not your code's fault. Tell your instructor:\n"
            + "".join(traceback.format_exception_only(type(exc), exc)).strip())}
        traceback.print_exc()
        code = 1
    target = args.root / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
