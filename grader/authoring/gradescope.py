"""``grade gradescope OUT.zip``: an autograder that Gradescope runs on each submission.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once
to build its image, then for every submission copies the student's files into
``/autograder/submission`` and runs ``run_autograder``, which must leave
``/autograder/results/results.json``. Our ``run_autograder`` runs
``python -m grader.autograder``: every check of every exercise chosen, the
hidden ones with visibility ``after_published``. The zip holds the whole course
(solutions included: Gradescope never shows it to students), and the salt that
every check's seeds are mixed with (``grading-salt``, made for each build, read
by root alone: ``grader.autograder``), so that a release's stored outcomes answer
none of its inputs. ``AUTOGRADER_ROOT``
replaces ``/autograder`` (and ``AUTOGRADER_PYTHON`` the venv's Python), so the
same script runs against a folder laid out the same way in a test.
"""

from __future__ import annotations

import shlex
import zipfile
from pathlib import Path

from grader.errors import GraderProblem

from grader.authoring import release
from grader.autograder import SALT_FILE
from grader.course import COURSE_FILE, Course
from grader.grading.lab import new_salt

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same course gives the same bytes

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
# The seccomp extra: the workers' seccomp filter (Ubuntu's images have libseccomp2).
"$ROOT/venv/bin/pip" install '.[seccomp]'
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
exec "$PYTHON" -P -m grader.autograder --root "$ROOT"{flags}{exercises}
"""


class GradescopeError(GraderProblem):
    """The autograder zip cannot be made as asked."""


def build(*, course: Course, out: Path, exercises: tuple[str, ...] = (), allow_unsandboxed: bool = False,
          salt: str | None = None) -> str:
    """Write the autograder zip for ``course`` (or the ``exercises`` named) to ``out``; a summary line.
    ``salt``: what every check's seeds are mixed with (default: a new one; the same course and salt give
    the same bytes)."""
    chosen = course.select(exercises)
    missing = [str(p) for p in course.missing_solutions(chosen)]
    if missing:
        raise GradescopeError("the autograder grades against the solutions; missing: " + ", ".join(missing))
    # The engine's student side, the runner, and the course's content with every check.
    files: dict[str, tuple[bytes, int]] = {
        relative.as_posix(): (path.read_bytes(), 0o644) for path, relative in release.package_files(course)}
    runner = Path(release.PACKAGE) / "autograder.py"
    files["grader/autograder.py"] = (runner.read_bytes(), 0o644)
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
    salt = salt or new_salt()
    files[SALT_FILE] = (salt.encode(), 0o600)
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
            f"({points:g} points, hidden checks after publishing) on inputs salted with {salt} (kept in the "
            f"zip as {SALT_FILE}; `grade exercise-N --submission FILE --salt {salt}` grades one student as "
            "it does). Upload it as the autograder of a Gradescope programming assignment.")
