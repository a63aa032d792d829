"""``grade release OUT``: the folder students get.

The release has this repository's layout minus what students must not have:
``course.toml`` (without the mistake corpus), ``exercises/`` as ``.py`` stubs
and as notebooks, the ``grader`` package with the hidden checks cut out, the
public checks' reference outcomes as data (``grader/data/reference.grdr``), a
``pyproject.toml`` that installs the ``grade`` command, and a README. No
solution source, no hidden check and no outcome of a hidden scenario goes in;
``leaks`` scans a bundle for all three. The same inputs give the same bytes.
"""

from __future__ import annotations

import ast
import io
import json
import keyword
import re
import shutil
import tempfile
import tokenize
import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderProblem

import grader
from grader.authoring import notebooks
from grader.grading import references as reference_data
from grader.course import CHECKS_FILE, COURSE_FILE, Course

PACKAGE = Path(grader.__file__).resolve().parent
SHIPPED_SUFFIXES = (".py", ".grdr")
# What a student's `grade exercise-N` and notebook check run: the engine's student side. The
# instructor's side (batch/, authoring/, autograder.py) stays out of the release.
STUDENT_SIDE = ("__init__.py", "errors.py", "course.py", "cli.py", "jupyter.py", "isolation", "grading")


class ReleaseError(GraderProblem):
    """The release cannot be made as asked, or would be wrong."""


@dataclass(frozen=True)
class Release:
    """What ``release`` wrote."""

    out: Path
    """The release folder."""
    files: tuple[str, ...]
    """Every file in it, relative and sorted."""
    exercises: tuple[str, ...]
    """The exercise ids it holds."""
    public_checks: int
    """How many checks students get."""
    hidden_checks: int
    """How many checks were held back."""
    reference_outcomes: int
    """How many reference outcomes the data holds."""

    def summary(self) -> str:
        exercises = f"{len(self.exercises)} exercise{'s' * (len(self.exercises) != 1)}"
        return (f"wrote {self.out}: {len(self.files)} files, {exercises} "
                f"({', '.join(self.exercises)}), {self.public_checks} public checks "
                f"({self.hidden_checks} hidden ones held back), {self.reference_outcomes} reference outcomes")


def release(*, course: Course, out: Path, force: bool = False) -> Release:
    """Write the student release of ``course`` to the folder ``out``."""
    out = Path(out).resolve()
    check_destination(course, out, force)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        hidden, public = _write_package(staging, course)
        _write_course(course, staging)
        _refuse_leaks(staging, course)  # before the slow part
        outcomes = _record(course)
        reference_data.write(staging / course.reference_file.relative_to(course.root), outcomes)
        _refuse_leaks(staging, course)
        if out.is_dir():
            shutil.rmtree(out)
        elif out.exists():
            out.unlink()
        staging.chmod(0o755)  # mkdtemp made it private; a release is for sharing
        staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    files = tuple(sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()))
    return Release(out, files, tuple(e.id for e in course.exercises), public, hidden, len(outcomes))


def _refuse_leaks(folder: Path, course: Course) -> None:
    found = leaks(folder, course)
    if found:
        raise ReleaseError("the release would give students what they must not have:\n  " + "\n  ".join(found))


def check_destination(course: Course, out: Path, force: bool) -> None:
    """Refuse an OUT that holds the course or a private part of it, or that has files (unless ``force``)."""
    out = Path(out).resolve()
    root = course.root.resolve()
    if out == root or out in root.parents:
        raise ReleaseError(f"{out} holds the course itself: choose a new folder for the release")
    for private in ("exercises", "solutions", "grader", "tests"):
        if out == root / private or root / private in out.parents:
            raise ReleaseError(f"{out} is inside the course's {private}/ folder: choose a folder outside it")
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise ReleaseError(f"{out} exists and is not empty: choose a new folder, or pass --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)


# ---------------------------------------------------------------- the grader package

def package_files(course: Course) -> list[tuple[Path, Path]]:
    """(file, path inside the release) for each file of the engine's student side and of the
    course's content, in a fixed order; without reference data, made anew from the solutions."""
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in STUDENT_SIDE and _shipped(path):
            found.append((path, Path("grader") / relative))
    for path in sorted(course.content.rglob("*")):
        if _shipped(path) and path != course.reference_file:
            found.append((path, path.relative_to(course.root)))
    return found


def _shipped(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts and path.suffix in SHIPPED_SUFFIXES


def find_pyproject(course: Course) -> Path | None:
    """The pyproject.toml that installs ``grade``: the course's own, else the grader's."""
    return next((p for p in (course.root / "pyproject.toml", PACKAGE.parent / "pyproject.toml") if p.is_file()),
                None)


def _write_package(target: Path, course: Course) -> tuple[int, int]:
    """Copy the grader package with the course's checks, hidden ones cut out; (hidden, public) counts."""
    hidden = public = 0
    checks = {course.checks_file(e) for e in course.exercises}
    others = [p for p in course.content.iterdir() if p.is_dir() and p not in {course.content_dir(e) for e in course.exercises}]
    for path, relative in package_files(course):
        data = path.read_bytes()
        if any(path.is_relative_to(o) for o in others) and path.name == CHECKS_FILE:
            continue  # the checks of an exercise this course does not list
        if path in checks:
            text, removed = strip_hidden(data.decode("utf-8"), str(relative))
            hidden += len(removed)
            public += len(check_names(text))
            data = text.encode("utf-8")
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).write_bytes(data)
    return hidden, public


def strip_hidden(source: str, filename: str = "<checks>") -> tuple[str, tuple[str, ...]]:
    """``source`` without the checks marked ``@pytest.mark.hidden``; (new source, removed names).

    Each hidden function goes with its decorators, the comment lines right above
    it and the blank lines after it; every other byte stays as it was.
    """
    tree = ast.parse(source, filename)
    lines = source.splitlines(keepends=True)
    spans, names = [], []

    def visit(body):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and _is_hidden(node):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
                while start > 0 and lines[start - 1].lstrip().startswith("#"):
                    start -= 1
                end = node.end_lineno
                while end < len(lines) and not lines[end].strip():
                    end += 1
                spans.append((start, end))
                # The check's own name (and a hidden class's test methods): its helpers inside may
                # share names with public code, and go with it anyway.
                names.append(node.name)
                if isinstance(node, ast.ClassDef):
                    names.extend(n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                                 and n.name.startswith("test"))
            elif isinstance(node, ast.ClassDef):
                visit(node.body)

    visit(tree.body)
    # Module-level statements about a hidden check (``test_x.student_runs = 2``) go with it.
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)) and any(
                isinstance(n, ast.Name) and n.id in names for n in ast.walk(node)):
            end = node.end_lineno
            while end < len(lines) and not lines[end].strip():
                end += 1
            spans.append((node.lineno - 1, end))
    for start, end in sorted(spans, reverse=True):
        del lines[start:end]
    text = "".join(lines).rstrip("\n") + "\n"
    # Anything still marked hidden is written in a way this function does not understand: refuse.
    left = [n.name for n in ast.walk(ast.parse(text))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and _is_hidden(n)]
    mentioned = [n for n in names if re.search(rf"\b{re.escape(n)}\b", text)]
    if left or mentioned or re.search(r"\bmark\s*\.\s*hidden\b|\bpytestmark\b", text):
        raise ReleaseError(f"{filename}: a hidden check is marked in a way the release cannot cut out "
                           "(mark each hidden check with a @pytest.mark.hidden decorator)")
    return text, tuple(names)


def _is_hidden(node) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (isinstance(target, ast.Attribute) and target.attr == "hidden") or \
                (isinstance(target, ast.Name) and target.id == "hidden"):
            return True
    return False


def check_names(source: str) -> list[str]:
    """The checks (``test_*`` functions) a checks module defines."""
    return [n.name for n in ast.walk(ast.parse(source))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")]


def hidden_check_names(course: Course) -> list[str]:
    """Every hidden check of the course, by name."""
    names = []
    for path in sorted(course.content.rglob(CHECKS_FILE)):
        names += strip_hidden(path.read_text(encoding="utf-8"), str(path))[1]
    return names


# ---------------------------------------------------------------- the course files

def _write_course(course: Course, target: Path) -> None:
    (target / COURSE_FILE).write_text(student_course_toml(course), encoding="utf-8")
    exercises = target / "exercises"
    exercises.mkdir()
    for exercise in course.exercises:
        stub = course.exercises_dir / exercise.file
        if not stub.is_file():
            raise ReleaseError(f"{exercise.id}: the stub {stub} is missing")
        shutil.copyfile(stub, exercises / exercise.file)
        try:
            notebooks.write(stub, exercise, exercises / f"{exercise.stem}.ipynb")
        except notebooks.StubError as exc:
            raise ReleaseError(f"{exercise.id}: {exc}") from None
    pyproject = find_pyproject(course)
    if pyproject is None:
        raise ReleaseError(f"no pyproject.toml in {course.root}: the release needs one to install `grade`")
    shutil.copyfile(pyproject, target / "pyproject.toml")
    (target / "README.md").write_text(student_readme(course), encoding="utf-8")


def student_course_toml(course: Course) -> str:
    """course.toml without the ``mistakes`` key (the corpus stays with the instructors)."""
    text = (course.root / COURSE_FILE).read_text(encoding="utf-8")
    out = re.sub(r"(?m)^mistakes[ \t]*=.*\n", "", text)
    before, after = tomllib.loads(text), tomllib.loads(out)
    before.get("course", {}).pop("mistakes", None)
    if before != after:
        raise ReleaseError(f"{course.root / COURSE_FILE}: cannot drop the mistakes key cleanly; "
                           "write it on a line of its own, `mistakes = \"tests/mistakes\"`")
    return out


def student_readme(course: Course) -> str:
    rows = "\n".join(f"| `{e.id}` | {e.title} | `exercises/{e.file}`, `exercises/{e.stem}.ipynb` | {e.points:g} |"
                     for e in course.exercises)
    first = course.exercises[0]
    return f"""# {course.title}: exercises

Exercises for the lesson "{course.title}", with the grader that checks them.
Each exercise is a Python file of functions to fill in, also given as a Jupyter
notebook; `grade` runs your functions on inputs it builds itself and compares
what they do with what they should do, then tells you what to change.

| Exercise | Title | Files | Points |
|---|---|---|---|
{rows}

## Set up (once)

You need Python 3.11 or newer. From this folder:

    python -m venv .venv
    . .venv/bin/activate
    pip install -e .

That installs PyTorch and the `grade` command. Everything works offline
afterwards; no data is downloaded.

## Work in Python files

Open `exercises/{first.file}`, read the task in each function's docstring and
replace `raise NotImplementedError` with your code. Then, from anywhere in this
folder:

    grade {first.id}

Every check prints a mark and its points; a failed check says what went wrong,
shows the evidence and what to change. `grade list` lists the exercises;
`grade {first.id} --submission my_try.py` grades another file.

## Or work in notebooks

Open `exercises/{first.stem}.ipynb` in Jupyter. Write your code in the cells
whose first line is `# graded` and keep that line. Run the notebook's last
cell to grade it from inside the notebook, or in a terminal:

    grade {first.id} --submission exercises/{first.stem}.ipynb

## What you have, and what you don't

These are the public checks. Your instructor may grade with further hidden
checks on other inputs, so a solution that works in general, not one tuned to
the checks here, is what scores. The reference outcomes the checks compare with
are stored in `grader/data/reference.grdr`, recorded on the CPU: if you have a
GPU, grade with `--device cpu`.
"""


# ---------------------------------------------------------------- reference data

def _record(course: Course) -> dict:
    """Outcomes of every public check's scenarios, recorded by grading each solution (and each stub).

    A check that passes asks for every reference it ever needs, as long as it
    asks before it judges (``judge.both``); a scenario asked for only after a
    mismatch would be missing, and ``StoredReferences`` says so by name.
    """
    missing = [str(course.solutions_dir / e.file) for e in course.exercises
               if not (course.solutions_dir / e.file).is_file()]
    if missing:
        raise ReleaseError("the reference data needs every solution; missing: " + ", ".join(missing))

    def submissions(exercise):
        return [course.solutions_dir / exercise.file, course.exercises_dir / exercise.file]

    outcomes, results = reference_data.record(course=course, exercises=course.exercises,
                                              submissions=submissions)
    problems = []
    for exercise in course.exercises:
        solution, stub = results[exercise.id][:2]
        problems += [f"{exercise.id}: the solution fails {c.name}" for c in solution.checks if not c.passed]
        problems += [f"{exercise.id}: the stub passes {c.name}" for c in stub.checks if c.passed]
    if problems:
        raise ReleaseError("the course is not right, so no release was made (run `grade validate`):\n  "
                           + "\n  ".join(problems))
    return outcomes


# ---------------------------------------------------------------- the leak scan

def leaks(bundle: Path, course: Course) -> list[str]:
    """What in the folder ``bundle`` students must not have: solution lines, hidden checks, solutions/.

    A solution line counts when it is not in any stub, says something (more
    than keywords and brackets) and is not also a line of the grader's own
    public infrastructure (probes, inputs: code students have by design).
    """
    secret = secret_lines(course)
    hidden = hidden_check_names(course)
    found = []
    for path in sorted(p for p in Path(bundle).rglob("*") if p.is_file()):
        relative = path.relative_to(bundle)
        if "solutions" in relative.parts:
            found.append(f"{relative}: a solutions folder")
        data = path.read_bytes()
        for name in hidden:
            if re.search(rb"\b" + re.escape(name.encode()) + rb"\b", data):
                found.append(f"{relative}: names the hidden check {name}")
        for number, line in _lines(path, data):
            if line.strip() in secret:
                found.append(f"{relative}:{number}: solution code `{line.strip()}`")
    return found


def secret_lines(course: Course) -> set[str]:
    stub_lines, solution_lines = set(), set()
    for exercise in course.exercises:
        for folder, into in ((course.exercises_dir, stub_lines), (course.solutions_dir, solution_lines)):
            path = folder / exercise.file
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                # Students read the whole stub, docstrings included; of a solution, its code counts.
                into.update(_code_lines(text) if into is solution_lines else
                            {line.strip() for line in text.splitlines()})
    public = set()
    for path in sorted({*PACKAGE.rglob("*.py"), *course.content.rglob("*.py")}):
        if path.name != CHECKS_FILE:
            public.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {line for line in solution_lines - stub_lines - public if _says_something(line)}


def _code_lines(source: str) -> set[str]:
    """The stripped lines of code in ``source``: no comments, no docstrings."""
    docstring_lines = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            docstring_lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return {line.strip() for number, line in enumerate(source.splitlines(), start=1)
            if number not in docstring_lines and line.strip() and not line.strip().startswith("#")}


def _says_something(line: str) -> bool:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return True
    return any((t.type == tokenize.NAME and not keyword.iskeyword(t.string))
               or t.type in (tokenize.NUMBER, tokenize.STRING) for t in tokens)


def _lines(path: Path, data: bytes):
    """(line number, line) of a file as a reader sees it: notebook cells line by line, too."""
    text = data.decode("utf-8", "replace")
    yield from enumerate(text.splitlines(), start=1)
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
        except (ValueError, AttributeError):
            return
        for index, cell in enumerate(cells, start=1):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            for number, line in enumerate(source.splitlines(), start=1):
                yield f"cell {index} line {number}", line
