"""``grade validate``: proof that a course is right, for its CI.

For each exercise: nothing is left unfinished (a ``TODO`` of ``grade new``, a
solution that still raises NotImplementedError, a function no probe calls); the
stub and the solution agree on functions, signatures and docstrings (read with
``ast``, nothing imported); the checks add up to the exercise's points; the
solution scores full marks on every check, public and hidden; the stub scores
0 and fails every single check (a check a stub passes measures nothing); every
file of the mistake corpus loses points on the checks its header names, with
the feedback it names, and a public check catches it, and every file of the correct
corpus scores full marks (``corpus``); what ``grade release`` would ship holds nothing
students must not have, by release's own rule and in its words (``leaks``); and
reference data, where the course has some, is what the solutions give today. All
graded through the same workers as ``grade``.
"""

from __future__ import annotations

import ast
import tempfile
from collections.abc import Callable
from pathlib import Path

from grader.authoring import leaks, unfinished
from grader.authoring.corpus import MistakeHeaderError, judge_correct, judge_mistake, mistake_files, read_mistake
from grader.authoring.findings import Finding, Validation
from grader.course import Course, Exercise
from grader.errors import GraderProblem
from grader.grading.mistakes import catalogue
from grader.grading.mistakes import problems as mistake_problems


def validate(*, course: Course, exercises: tuple[str, ...] = (), device: str = "cpu",
             progress: Callable[[str], None] | None = None, salt: str | None = None) -> Validation:
    """Verify every promise of ``course`` (or of the ``exercises`` named) and say what holds;
    ``progress(line)`` hears which exercise is being graded, as it starts (it takes seconds each).
    Mistakes and correct files are graded on the checks' own seeds, then salted with ``salt`` (default: a
    new one)."""
    from grader.grading.lab import SolutionReferences, new_salt

    salt, chosen = salt or new_salt(), course.select(exercises)
    references = SolutionReferences(course.solutions_dir)  # computed once for every file graded
    findings: list[Finding] = []
    leaked, scanned = shipped_leaks(course)
    for n, exercise in enumerate(chosen, 1):
        if progress:
            wrong, right = (len(mistake_files(folder / exercise.stem)) if folder else 0
                            for folder in (course.mistakes, course.correct))
            progress(f"[{n}/{len(chosen)}] {exercise.id}: the solution, the stub, {wrong} mistake"
                     f"{'s' * (wrong != 1)} and {right} other correct file{'s' * (right != 1)}")
        findings += [Finding(exercise.id, "to do", subject, False, message)
                     for subject, message in unfinished.todos(course, exercise)]
        findings += contract(course, exercise)
        findings += [Finding(exercise.id, "checks", subject, not message, message)
                     for subject, message in unfinished.unprobed(course, exercise)]
        findings += leaked.get(exercise.id) or [Finding(exercise.id, "leaks", "release", True)] * scanned
        findings += _graded(course, exercise, device, references, salt)
    findings += leaked.get("course", [])
    findings += _reference_data(course, chosen)
    findings += [Finding("course", "mistake ids", "", False, message) for message in mistake_problems(course)] \
        or [Finding("course", "mistake ids", "catalogue", True, "")]
    return Validation(course.title, tuple(findings))


def contract(course: Course, exercise: Exercise) -> list[Finding]:
    """exercises/ and solutions/ define the same functions, signatures and docstrings."""
    def finding(subject, message=""):
        return Finding(exercise.id, "contract", subject, not message, message)

    trees = {}
    for kind, folder in (("stub", course.exercises_dir), ("solution", course.solutions_dir)):
        path = folder / exercise.file
        try:
            trees[kind] = ast.parse(path.read_text(encoding="utf-8"), str(path))
        except FileNotFoundError:
            return [finding(exercise.file, f"{path} does not exist")]
        except SyntaxError as exc:
            return [finding(exercise.file, f"{path} does not parse: {exc.msg} (line {exc.lineno})")]
    stub, solution = (_functions(trees[k]) for k in ("stub", "solution"))
    out = []
    for name in sorted(set(exercise.functions) | _public(stub) | _public(solution)):
        if name not in stub or name not in solution:
            where = "exercises/" if name not in stub else "solutions/"
            listed = "course.toml lists it, but " if name in exercise.functions else ""
            out.append(finding(name, f"{listed}{where}{exercise.file} does not define {name}"))
            continue
        a, b = stub[name], solution[name]
        if _signature(a) != _signature(b):
            out.append(finding(name, f"the signatures differ: exercises/ has {name}{_signature(a)}, "
                                     f"solutions/ has {name}{_signature(b)}"))
            continue
        doc_a, doc_b = _first_line(ast.get_docstring(a)), _first_line(ast.get_docstring(b))
        if not doc_a or not doc_b:
            out.append(finding(name, f"{'exercises/' if not doc_a else 'solutions/'}{exercise.file}: "
                                     f"{name} has no docstring"))
        elif doc_a != doc_b:
            out.append(finding(name, f"the docstrings start differently: exercises/ says {doc_a!r}, "
                                     f"solutions/ says {doc_b!r}"))
        else:
            out.append(finding(name))
    return out


def _functions(tree) -> dict:
    return {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _public(functions: dict) -> set[str]:
    return {name for name in functions if not name.startswith("_")}


def _signature(node) -> str:
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    prefix = "async " if isinstance(node, ast.AsyncFunctionDef) else ""
    return f"{prefix}({ast.unparse(node.args)}){returns}"


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0].strip() if (doc or "").strip() else ""


def _graded(course: Course, exercise: Exercise, device: str, references, salt: str) -> list[Finding]:
    from grader.grading.runner import GraderError, grade_exercise

    def grade(path, salt=None):
        return grade_exercise(course=course, exercise=exercise, path=path, device=device, references=references,
                              salt=salt)

    solution_path = course.solution_file(exercise)
    if not solution_path.is_file():
        return [Finding(exercise.id, "solution", exercise.file, False, f"{solution_path} does not exist")]
    checks = course.checks_file(exercise).relative_to(course.root).as_posix()
    try:
        solution = grade(solution_path)
    except GraderError as exc:
        return [Finding(exercise.id, "checks", checks, False, exc.message)]
    out = [Finding(exercise.id, "checks", checks, solution.max_score == exercise.points,
                   "" if solution.max_score == exercise.points else
                   unfinished.points_differ(exercise, solution.max_score))]
    stubbed = unfinished.stubbed(solution_path)
    if stubbed:
        # No reference to compare with: every check of such a function fails on the solution itself.
        out += [Finding(exercise.id, "solution", name, False,
                        f"solutions/{exercise.file} still raises NotImplementedError in `{name}`: write the "
                        "reference answer (the checks compare every submission with it)") for name in stubbed]
        out += [Finding(exercise.id, "solution", c.name, False,
                        f"the solution fails it{' (hidden)' * c.hidden}:\n{c.feedback}")
                for c in solution.checks if not c.passed and "NotImplementedError" not in c.feedback]
        if course.mistakes is not None and (course.mistakes / exercise.stem).is_dir():
            out.append(Finding(exercise.id, "mistakes", "", False,
                               "no mistake caught yet: the stub and the mistakes are graded once the solution "
                               "is written"))
        return out
    out += [Finding(exercise.id, "solution", c.name, c.passed,
                    "" if c.passed else f"the solution fails it{' (hidden)' * c.hidden}:\n{c.feedback}")
            for c in solution.checks]
    stub_path = course.exercises_dir / exercise.file
    if stub_path.is_file():
        stub = grade(stub_path)
        out += [Finding(exercise.id, "stub", c.name, not c.passed,
                        "" if not c.passed else "the stub passes it, so it measures nothing")
                for c in stub.checks]
    if course.mistakes is not None:
        folder = course.mistakes / exercise.stem
        known = set(catalogue(course, exercise))
        mistakes = [_mistake(exercise, path, grade, known, salt) for path in mistake_files(folder)]
        out += mistakes
        if folder.is_dir() and not any(f.ok for f in mistakes):
            out.append(Finding(exercise.id, "mistakes", "", False,
                               f"no mistake caught yet: add to {unfinished.shown(course, folder)} a wrong "
                               "submission for each mistake learners make, headed by what it must fail (see "
                               "the other files)"))
    if course.correct is not None:
        out += [_correct(exercise, path, grade, salt) for path in mistake_files(course.correct / exercise.stem)]
    return out


def _correct(exercise: Exercise, path: Path, grade, salt: str) -> Finding:
    """A file of the correct corpus: full marks on the checks' own seeds, and on salted inputs too."""
    problems = judge_correct(path, grade) or [
        f"on inputs salted with {salt} (`grade validate --salt {salt}` again): {problem}"
        for problem in judge_correct(path, lambda p: grade(p, salt))]
    return Finding(exercise.id, "correct", path.name, not problems, "\n".join(problems))


def shipped_leaks(course: Course) -> tuple[dict[str, list[Finding]], bool]:
    """What ``grade release`` would refuse to ship, by the exercise it is in (``course``: the rest), and
    whether it could be scanned: the release staged in a scratch folder and scanned by release's own rule
    (``leaks.in_release``), so that an author hears of a leak while writing the exercise, in the words the
    release would refuse it with."""
    from grader.authoring import release

    with tempfile.TemporaryDirectory(prefix="grade-validate-") as folder:
        try:
            release.stage(course, Path(folder))
            found = leaks.in_release(Path(folder), course)
        except GraderProblem as exc:
            return {"course": [Finding("course", "leaks", "", False, "the release cannot be staged to scan it "
                                       f"(`grade release` would fail too): {exc.message}")]}, False
        except SyntaxError as exc:
            said = f"not scanned for leaks: it does not parse ({exc.msg}, line {exc.lineno})"
            return {"course": [Finding("course", "leaks", str(exc.filename or ""), False, said)]}, False
    by_owner: dict[str, list[Finding]] = {}
    for leak in found:
        owner = _owner(course, course.root / leak.path)
        by_owner.setdefault(owner, []).append(Finding(owner, "leaks", leak.where, False, leak.what))
    return by_owner, True


def _owner(course: Course, path: Path) -> str:
    """The exercise whose content, stub or notebook ``path`` is; ``course`` for any other file."""
    for exercise in course.exercises:
        if path.is_relative_to(course.content_dir(exercise)) or \
                (path.parent == course.exercises_dir and path.stem == exercise.stem):
            return exercise.id
    return "course"


def _mistake(exercise: Exercise, path: Path, grade, known: set[str], salt: str) -> Finding:
    try:
        problems = judge_mistake(case := read_mistake(path), exercise.id, grade, known)
        if not problems:
            problems = [f"on inputs salted with {salt} (`grade validate --salt {salt}` again): {problem}"
                        for problem in judge_mistake(case, exercise.id, lambda p: grade(p, salt), known)]
    except MistakeHeaderError as exc:
        problems = [str(exc)]
    return Finding(exercise.id, "mistakes", path.name, not problems, "; ".join(problems))


def _reference_data(course: Course, chosen: tuple[Exercise, ...]) -> list[Finding]:
    """Stored reference outcomes, if the course has them, must be what the solutions give now."""
    from grader.grading import references as reference_data
    from grader.grading.runner import grade_exercise

    path = course.reference_file
    if not path.is_file():
        return []
    shown = str(course.reference_file.relative_to(course.root))
    try:
        stored = reference_data.decode(path.read_bytes())
    except (ValueError, KeyError, TypeError) as exc:
        return [Finding("course", "reference data", shown, False, f"cannot be read: {exc}")]
    modules = {course.probes_module(e) for e in chosen}
    mine = {k: v for k, v in stored.items() if k[0].partition(":")[0] in modules}
    out = []
    for problem in reference_data.stale(mine, course.solutions_dir):
        out.append(Finding("course", "reference data", shown, False,
                           f"out of step with the solutions: {problem}; make a new release"))
    # And the public checks must find every outcome they ask for.
    references = reference_data.StoredReferences(path)
    for exercise in chosen:
        result = grade_exercise(course=course, exercise=exercise, path=course.solution_file(exercise),
                                device=reference_data.RECORDED_DEVICE, public_only=True, references=references)
        for check in result.checks:
            if not check.passed:
                out.append(Finding(exercise.id, "reference data", check.name, False,
                                   "the solution fails this public check against the stored data:\n"
                                   + check.feedback))
    if not out:
        out.append(Finding("course", "reference data", shown, True))
    return out
