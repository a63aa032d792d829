"""The course's corpora: realistic wrong submissions, each saying what must happen to it, and other
correct ones, each to score full marks.

Every file in ``<mistakes>/exercise_N/`` (course.toml ``[course] mistakes``) has a header, its
lines anywhere in the file (a notebook's code cells), each ``# key: value`` at the start of a line,
that ``grade validate`` holds the checks to::

    # mistake: what the learner did wrong, in a line
    # id: sgd.ascent                              (the mistake's id in the exercise's mistakes.toml)
    # fails: test_a_check, test_another_check     (the checks it must lose, every one of them)
    # feedback: a phrase                          (repeatable: what each of those checks must say)

``judge_mistake`` holds a graded file to its header, and to one promise every mistake shares: a public
check catches it, so that a student who made it does not see "all checks passed" and lose points later.
Every file in ``<correct>/exercise_N/`` (``[course] correct``, default ``tests/correct``) is a right
answer written another way than the solution: ``judge_correct`` holds it to full marks on every check.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MistakeCase:
    """A file in the mistake corpus and what its header says must happen."""

    path: Path
    """The file."""
    exercise: str
    """The exercise it answers, from its folder name (``exercise_3`` → ``exercise-3``)."""
    mistake: str
    """What the learner did wrong."""
    fails: tuple[str, ...]
    """The checks it must fail."""
    feedback: tuple[str, ...]
    """Phrases that must appear in those checks' feedback (case-insensitive)."""
    mistake_id: str | None = None
    """The id a check must name for it (``grader.grading.mistakes``); None if the header gives none."""


class MistakeHeaderError(ValueError):
    """A mistake file lacks its header."""


def read_mistake(path: Path) -> MistakeCase:
    """Parse the header: ``# mistake: …``, ``# fails: check, check``, ``# feedback: phrase`` (repeatable)."""
    text = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix == ".ipynb":
        text = _notebook_code(text)
    fields: dict[str, list[str]] = {}
    for key, value in re.findall(r"^# (mistake|id|fails|feedback): (.+)$", text, re.M):
        fields.setdefault(key, []).append(value.strip())
    missing = [k for k in ("mistake", "fails", "feedback") if k not in fields]
    if missing:
        raise MistakeHeaderError(f"{path} lacks a header line '# {missing[0]}: …'")
    return MistakeCase(
        path=Path(path),
        exercise=Path(path).parent.name.replace("_", "-"),
        mistake=fields["mistake"][0],
        fails=tuple(c.strip() for c in fields["fails"][0].split(",")),
        feedback=tuple(fields["feedback"]),
        mistake_id=fields["id"][0] if "id" in fields else None,
    )


def judge_mistake(case: MistakeCase, exercise: str, grade, known_ids=None) -> list[str]:
    """What is off about how the checks treat ``case`` (graded by ``grade(path)``), in plain words;
    empty when it loses points where its header says, with the feedback it names and the mistake id it
    names (one of ``known_ids``, when given), on a public check too."""
    result = grade(case.path)
    by_name = {c.name: c for c in result.checks}
    problems = []
    if case.mistake_id is None:
        problems.append("its header names no mistake id (# id: …, from the exercise's mistakes.toml)")
    elif known_ids is not None and case.mistake_id not in known_ids:
        problems.append(f"its id {case.mistake_id!r} is not in the exercise's mistakes.toml")
    else:
        named = [by_name[n] for n in case.fails if n in by_name and not by_name[n].passed]
        if named and case.mistake_id not in {c.mistake for c in named}:
            problems.append(f"{', '.join(c.name for c in named)} name{'s' * (len(named) == 1)} the mistake "
                            f"{' / '.join(sorted({str(c.mistake) for c in named}))}, not {case.mistake_id!r}")
    for name in case.fails:
        check = by_name.get(name)
        if check is None:
            problems.append(f"its header names {name}, which is not a check of {exercise}")
        elif check.passed:
            problems.append(f"it passes {name}, the check it targets")
        else:
            missing = [p for p in case.feedback if p.lower() not in check.feedback.lower()]
            if missing:
                problems.append(f"{name} fails it, but its feedback does not say {missing[0]!r}:\n"
                                + check.feedback)
    if not problems and result.score >= result.max_score:
        problems.append("it scores full marks")
    failed = [c for c in result.checks if not c.passed]
    if failed and all(c.hidden for c in failed):
        problems.append(
            f"only hidden checks catch it ({', '.join(c.name for c in failed)}): it passes every public check, "
            "so a student who makes this mistake sees \"all checks passed\" and loses points later; make a "
            "public check catch it too")
    return [f"({case.mistake}) " + "; ".join(problems)] if problems else []


def judge_correct(path: Path, grade) -> list[str]:
    """What is off about how the checks treat the correct submission at ``path`` (graded by
    ``grade(path)``), in plain words; empty when it passes every check, hidden ones too."""
    failed = [c for c in grade(path).checks if not c.passed]
    if not failed:
        return []
    names = ", ".join(f"{c.name}{' (hidden)' * c.hidden}" for c in failed)
    return [f"it is in the correct corpus, but it fails {names}: make the check{'s' * (len(failed) > 1)} accept "
            "every right answer (a tolerance, an order, a way of writing it a check demands), or move the file to "
            "the mistake corpus with a header if it is wrong" + "".join(f"\n{c.name}: {c.feedback}" for c in failed)]


def mistake_files(folder: Path) -> list[Path]:
    """The submissions of one exercise's corpus folder (mistaken or correct): its .py files, then notebooks."""
    return sorted(folder.glob("*.py")) + sorted(folder.glob("*.ipynb"))


def _notebook_code(text: str) -> str:
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError):
        return ""
    sources = ["".join(c.get("source", "")) if isinstance(c.get("source"), list) else c.get("source", "")
               for c in cells if c.get("cell_type") == "code"]
    return "\n".join(sources)
