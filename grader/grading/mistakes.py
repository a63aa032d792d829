"""Known mistakes as data: a stable id for each mistake a check can name, with a title in the lesson's words.

A course's content folder holds the catalogue, one file per exercise and one for the ideas::

    <content>/exercise_N/mistakes.toml          <content>/ideas.toml
        [[mistake]]                                 [[idea]]
        id = "sgd.ascent"                           id = "descent"
        title = "gradient ascent: …"                title = "Gradient descent steps downhill"
        idea = "descent"                            text = "…"

A check names a mistake with ``Feedback(…, mistake="sgd.ascent")``. A failed check that names none
gets one of the grader's own ``GENERIC`` ids, from what it saw: values that differ, an exception, a
limit. The ids go into the gradebook, results.json and the class report; ``grade validate`` holds the
checks, the catalogue and the corpus to each other (``problems``).
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.course import MISTAKES_FILE, Course, Exercise

# The grader's own ids: what any failed check can be said to show when it names no known mistake.
GENERIC = {
    "values.wrong": "wrong results: they differ from the reference's in a way no known mistake explains",
    "code.unfinished": "not written yet: the function still raises NotImplementedError",
    "code.missing": "a function the exercise asks for is not defined",
    "code.unreadable": "the file is not valid Python",
    "code.raises": "the function raised an error",
    "code.exits": "the code ended its process instead of returning",
    "limit.time": "ran past the time limit (a loop that never ends?)",
    "limit.memory": "used more memory than a worker may",
    "limit.output": "printed more than a worker may",
    "process.crashed": "the process running the code crashed",
    "submission.missing": "not handed in",
    "submission.unusable": "the file handed in could not be used (not text, not a notebook, or two candidates)",
    "submission.too_large": "the file handed in is larger (or its code deeper) than the grader reads",
}
IDEAS_FILE = "ideas.toml"


@dataclass(frozen=True)
class Mistake:
    id: str
    title: str
    """One line, in the lesson's words: what the learner did."""
    idea: str | None = None
    """The id of the lesson idea the mistake shows a gap in (``ideas.toml``); None for generic ones."""


@dataclass(frozen=True)
class Idea:
    id: str
    title: str
    text: str


def catalogue(course: Course, exercise: Exercise) -> dict[str, Mistake]:
    """The ids a check of ``exercise`` may name: the generic ones and the exercise's own."""
    found = {mid: Mistake(mid, title) for mid, title in GENERIC.items()}
    for entry in _read(course.content_dir(exercise) / MISTAKES_FILE, "mistake"):
        found[entry["id"]] = Mistake(entry["id"], entry["title"], entry.get("idea"))
    return found


def course_catalogue(course: Course) -> dict[str, Mistake]:
    """Every id of the course (an id shared by exercises means the same mistake in each)."""
    found: dict[str, Mistake] = {}
    for exercise in course.exercises:
        found.update(catalogue(course, exercise))
    return found


def ideas(course: Course) -> dict[str, Idea]:
    return {e["id"]: Idea(e["id"], e["title"], e.get("text", "")) for e in _read(course.content / IDEAS_FILE, "idea")}


def named_in(path: Path) -> dict[str, int]:
    """The ids a module names as ``mistake="…"`` (in a call), each with its first line."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.keyword) and node.arg == "mistake" and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            found.setdefault(node.value.value, node.value.lineno)
    return found


def problems(course: Course) -> list[str]:
    """What is off between the checks, the catalogue and the ideas, in plain words; [] when nothing is."""
    found: list[str] = []
    known_ideas = set()
    try:
        known_ideas = set(ideas(course))
    except ValueError as exc:
        found.append(str(exc))
    titles: dict[str, tuple[str, str]] = {}
    for exercise in course.exercises:
        file = course.content_dir(exercise) / MISTAKES_FILE
        try:
            entries = _read(file, "mistake")
        except ValueError as exc:
            found.append(str(exc))
            continue
        own = set()
        for entry in entries:
            mid = entry["id"]
            if mid in GENERIC:
                found.append(f"{file}: {mid!r} is one of the grader's generic ids; name the mistake itself")
            if mid in own:
                found.append(f"{file}: {mid!r} is listed twice")
            own.add(mid)
            if entry.get("idea") and entry["idea"] not in known_ideas:
                found.append(f"{file}: {mid!r} names the idea {entry['idea']!r}, which {IDEAS_FILE} lacks")
            if mid in titles and titles[mid][0] != entry["title"]:
                found.append(f"{mid!r} has one title in {titles[mid][1]} and another in {exercise.id}: "
                             "one id, one mistake")
            titles.setdefault(mid, (entry["title"], exercise.id))
        checks = course.checks_file(exercise)
        if checks.is_file():
            for mid, line in sorted(named_in(checks).items()):
                if mid not in own and mid not in GENERIC:
                    found.append(f"{checks}:{line} names the mistake {mid!r}, which {file.name} of "
                                 f"{exercise.id} lacks")
    shared = [p for p in course.content.rglob("*.py") if p.parent == course.content]
    for path in shared:
        for mid, line in sorted(named_in(path).items()):
            if mid not in titles and mid not in GENERIC:
                found.append(f"{path}:{line} names the mistake {mid!r}, which no exercise's {MISTAKES_FILE} lists")
    return found


def _read(path: Path, table: str) -> list[dict]:
    """The ``[[table]]`` entries of ``path``, each with an id and a title; [] if there is no file."""
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from None
    entries = data.get(table, [])
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry.get("id"), str) or not isinstance(entry.get("title"), str) or not entry["title"]:
            raise ValueError(f"{path}: [[{table}]] number {n} needs an id and a title")
    return entries
