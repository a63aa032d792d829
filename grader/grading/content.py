"""Finding a course's lesson content: the one place the engine looks for probes, checks and hints.

A course's content is a package folder that course.toml names (``[course] content``),
with one folder per exercise named like the exercise's file::

    <content>/__init__.py          HINTS: (error pattern, hint) pairs for this lesson
    <content>/exercise_3/probes.py  calls the student's functions, records what they did
    <content>/exercise_3/checks.py  the graded checks (pytest tests)

It is imported by the dotted name its path gives (``grader/lesson`` → ``grader.lesson``), from the
course's own folder (``importable``), so that the engine never names a lesson, a second course is a
second folder, and a copy of a course grades its own content whichever checkout's grader runs it.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from grader.course import CHECKS_FILE, REFERENCE_FILE, Course, Exercise

ENGINE = Path(__file__).resolve().parents[1]  # the grader package


def importable(course: Course) -> None:
    """Make the course's content package importable by its dotted name, from the course's own folder.

    A package of that name loaded from anywhere else (the ``grader.lesson`` of the checkout the
    grader is installed from, while an author works in a copy; another course's ``lesson``) is
    forgotten first, with everything below it: whichever grader runs, a course grades its own
    content. The engine package itself (``grader`` of ``grader.lesson``) stays the one running.
    Nothing goes on ``sys.path``: a folder there would let a file in it (a ``torch.py`` beside a
    release's course.toml) shadow an installed module, here and in every worker forked from here.
    An exception in the content's own ``__init__.py`` propagates (it is the author's to fix).
    """
    parts = course.content_package.split(".")
    parent: ModuleType | None = None
    for depth in range(1, len(parts) + 1):
        name = ".".join(parts[:depth])
        folder = course.content if depth == len(parts) else course.root.joinpath(*parts[:depth])
        module = sys.modules.get(name)
        if module is not None and (_loaded_from(module, folder) or (depth < len(parts) and _is_engine(module))):
            parent = module
            continue
        for stale in [n for n in sys.modules if n == name or n.startswith(name + ".")]:
            del sys.modules[stale]
        module = _package(name, folder)
        if parent is not None:
            setattr(parent, parts[depth - 1], module)
        parent = module


def _loaded_from(module: ModuleType, folder: Path) -> bool:
    """Whether the package ``module`` was imported from ``folder``."""
    return folder.resolve() in {Path(p).resolve() for p in getattr(module, "__path__", ())}


def _is_engine(module: ModuleType) -> bool:
    """Whether ``module`` is the grader package that is running (a content folder may lie inside it)."""
    file = getattr(module, "__file__", None)
    return isinstance(file, str) and Path(file).resolve().parent == ENGINE


def _package(name: str, folder: Path) -> ModuleType:
    """The package ``name`` imported from ``folder`` (its ``__init__.py``; a namespace package without
    one), and put in ``sys.modules``, so that its submodules are found in ``folder`` and nowhere else."""
    init = folder / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(folder)])
        assert spec is not None and spec.loader is not None  # a .py file always has a loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [str(folder)]
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    return module


def probe_modules(course: Course, exercises: tuple[Exercise, ...] | None = None) -> tuple[str, ...]:
    """The dotted names of the probe modules of ``exercises`` (default: all) that exist."""
    chosen = course.exercises if exercises is None else exercises
    return tuple(course.probes_module(e) for e in chosen if (course.content_dir(e) / "probes.py").is_file())


def load_probes(course: Course, exercises: tuple[Exercise, ...] | None = None) -> tuple[str, ...]:
    """Import the probe modules of ``exercises`` (imports only: no torch op runs), before a fork
    server is forked from this process; the names of those that loaded. One that does not is
    left to its checks to report, as a finding or a grader error."""
    try:
        importable(course)  # from the course's folder, wherever the grader is installed from
    except Exception:  # noqa: BLE001 - its __init__.py broke: reported where it is graded
        return ()
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

    The content package is imported from the course's folder (``importable``), but a grader
    installed elsewhere (a wheel in site-packages, as Gradescope's ``pip install .`` makes one; a
    ``--target`` folder; an editable install of another checkout) carries a copy of a lesson too, and
    a worker could read the checks there: a jail that masked only the course's copy would show it.
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
    come from there; a fork server shares this process's modules)."""
    try:
        importable(course)
        spec = importlib.util.find_spec(course.content_package)
    except Exception:  # noqa: BLE001 - the content's __init__.py broke: the folder course.toml names stays
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
    try:
        importable(course)
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
