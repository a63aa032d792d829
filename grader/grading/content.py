"""Finding a course's lesson content: the one place the engine looks for probes, checks and hints.

A course's content is a package folder that course.toml names (``[course] content``),
with one folder per exercise named like the exercise's file::

    <content>/__init__.py          HINTS: (error pattern, hint) pairs for this lesson
    <content>/exercise_3/probes.py  calls the student's functions, records what they did
    <content>/exercise_3/checks.py  the graded checks (pytest tests)

It is imported by the dotted name its path gives, with the course root on sys.path, so
that the engine never names a lesson and a second course is a second folder.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from grader.course import CHECKS_FILE, REFERENCE_FILE, Course, Exercise

ENGINE = Path(__file__).resolve().parents[1]  # the grader package


def importable(course: Course) -> None:
    """Put the course root on sys.path, so that its content package can be imported."""
    root = str(course.root)
    if root not in sys.path:
        sys.path.insert(0, root)


def probe_modules(course: Course, exercises: tuple[Exercise, ...] | None = None) -> tuple[str, ...]:
    """The dotted names of the probe modules of ``exercises`` (default: all) that exist."""
    chosen = course.exercises if exercises is None else exercises
    return tuple(course.probes_module(e) for e in chosen if (course.content_dir(e) / "probes.py").is_file())


def load_probes(course: Course, exercises: tuple[Exercise, ...] | None = None) -> tuple[str, ...]:
    """Import the probe modules of ``exercises`` (imports only: no torch op runs), before a fork
    server is forked from this process; the names of those that loaded. One that does not is
    left to its checks to report, as a finding or a grader error."""
    importable(course)  # a course's content need not live inside the grader package
    loaded = []
    for name in probe_modules(course, exercises):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - reported where it is graded
            continue
        loaded.append(name)
    return tuple(loaded)


def hidden_files(course: Course) -> tuple[Path, ...]:
    """Every place a worker could read the course's checks from: each checks module, its compiled
    copies and the stored reference outcomes, in the content folder course.toml names *and* wherever
    the content package is actually imported from, and any lesson shipped inside the grader package.

    The probes are imported by name, so with the grader installed elsewhere (a wheel in
    site-packages, as Gradescope's ``pip install .`` makes one; a ``--target`` folder; an editable
    install of another checkout) they, and the checks beside them, come from there, not from the
    course folder: a jail that masked only the course's copy would show the installed one.
    """
    folders = {course.content.resolve(), *_imported_from(course)}
    exercise_dirs = {folder / e.stem for folder in folders for e in course.exercises}
    for folder in folders:  # exercises that course.toml does not list, too
        exercise_dirs.update(p.parent for p in folder.glob(f"*/{CHECKS_FILE}"))
    # Any lesson shipped inside the grader package (a second course is graded by a grader that
    # may carry the first one's content).
    shipped = list(ENGINE.glob(f"*/*/{CHECKS_FILE}"))
    exercise_dirs.update(p.parent for p in shipped)
    found = {folder / REFERENCE_FILE for folder in {*folders, *(p.parent.parent for p in shipped)}}
    for folder in exercise_dirs:
        checks = folder / CHECKS_FILE
        compiled = Path(importlib.util.cache_from_source(str(checks)))
        found.update((checks, folder / "__pycache__"))
        if compiled.parent != folder / "__pycache__":  # PYTHONPYCACHEPREFIX keeps them (pytest's too) elsewhere
            found.add(compiled.parent)
    return tuple(sorted(found))


def _imported_from(course: Course) -> list[Path]:
    """The folders the content package is imported from, as this process imports it (its probes
    come from there; a fork server shares this process's ``sys.path``)."""
    importable(course)
    try:
        spec = importlib.util.find_spec(course.content_package)
    except (ImportError, ValueError):
        return []
    return [Path(p).resolve() for p in (spec.submodule_search_locations or [])] if spec else []


def check_count(course: Course, exercise: Exercise) -> int:
    """How many checks ``exercise``'s checks module defines (its ``test*`` functions, read with
    ``ast``: nothing imported); 0 when it has none or cannot be read."""
    import ast

    try:
        tree = ast.parse(course.checks_file(exercise).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return 0
    return sum(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")
               for n in ast.walk(tree))


def hints(course: Course) -> tuple[tuple[str, str], ...]:
    """The course's ``HINTS``; none when its content package has no such list."""
    importable(course)
    try:
        package = importlib.import_module(course.content_package)
    except ImportError:
        return ()
    return tuple(getattr(package, "HINTS", ()))


def forget_other_checks(check_files) -> None:
    """Forget modules another course left under the names pytest will import ``check_files`` by.

    pytest (``--import-mode=importlib``) names a check module after the package folders above it
    (``lesson.exercise_1.checks``, in the packages ``lesson`` and ``lesson.exercise_1``) and
    reuses a loaded module of that name: a second course graded in the same process would
    otherwise run the first one's checks, or import its probes.
    """
    for path in map(Path, check_files):
        root = path.parent
        while (root / "__init__.py").is_file():  # the package root, found as pytest finds it
            root = root.parent
        parts = path.relative_to(root).with_suffix("").parts
        for depth in range(1, len(parts) + 1):
            name = ".".join(parts[:depth])
            file = path if depth == len(parts) else root.joinpath(*parts[:depth], "__init__.py")
            cached = getattr(sys.modules.get(name), "__file__", None)
            if cached is None or Path(cached).resolve().is_relative_to(ENGINE):
                continue  # the engine's own (an installed release's content is in it) stays
            if Path(cached).resolve() != file.resolve():
                for stale in [n for n in sys.modules if n == name or n.startswith(name + ".")]:
                    del sys.modules[stale]
                break  # what was below it went with it
