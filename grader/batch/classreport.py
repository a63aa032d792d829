"""The figures of the class report (``grade report``), read from the gradebook: plain numbers, no HTML.

Who counts where, so that every figure says the same thing:

- the *class* is every student the gradebook holds (a student who handed in nothing included); a
  mistake's share is of the class;
- an exercise's mean, median and histogram are over the students who handed it in (status graded
  or error); the ones who did not are counted apart, as are the ones whose grading errored;
- a check's pass rate is over the same students: a submission that errored before the check ran
  did not pass it;
- a mistake is counted once per student: a student whose code fails four checks with one mistake
  made it once.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from math import ceil

from grader.batch.gradebook import ERROR, MISSING, Gradebook
from grader.course import Course
from grader.grading import mistakes as catalogues
from grader.grading.mistakes import Idea

MAX_BINS = 21  # a histogram wider than this on a phone is a smear


@dataclass(frozen=True)
class Bin:
    low: float
    """Scores from here (included)…"""
    high: float
    """…to below here; the last bin is full marks alone (``low == high``)."""
    count: int
    """Students whose score falls in the bin."""

    @property
    def label(self) -> str:
        """``7``, ``4–5`` (a band of whole points), or the full marks: ``10``."""
        return f"{self.low:g}" if self.high - self.low <= 1 else f"{self.low:g}–{self.high - 1:g}"


@dataclass(frozen=True)
class MistakeCount:
    id: str
    """The mistake's id as the gradebook holds it."""
    title: str
    """Its title from the course's catalogue, or the id itself when the catalogue lacks it."""
    idea: str | None
    """The lesson idea it shows a gap in (an id of ``ideas``), or None."""
    students: int
    """Students who made it (each once)."""
    share: float
    """``students`` over the class's size."""
    exercises: tuple[str, ...] = ()
    """The exercises it was seen in."""


@dataclass(frozen=True)
class CheckStats:
    name: str
    """The check's function name."""
    title: str
    """What it verifies, in one line."""
    hidden: bool
    """Not in the students' release."""
    handed_in: int
    """Students who handed the exercise in."""
    passed: int
    """Of those, the ones who passed this check."""
    mistakes: tuple[MistakeCount, ...]
    """What its failures showed, most students first ('' as the id: a failure that named none)."""
    no_verdict: int = 0
    """Students who handed in but whose grading ended before this check gave a verdict (an error)."""

    @property
    def pass_rate(self) -> float:
        return self.passed / self.handed_in if self.handed_in else 0.0


@dataclass(frozen=True)
class ExerciseStats:
    id: str
    title: str
    points: float
    """What the exercise is worth."""
    handed_in: int
    """Students who handed it in (graded or errored)."""
    not_submitted: int
    """Students who did not."""
    errored: int
    """Students whose grading of it ended in an error (counted in ``handed_in`` too)."""
    mean: float | None
    """Mean score of those who handed it in; None when nobody did."""
    median: float | None
    histogram: tuple[Bin, ...]
    checks: tuple[CheckStats, ...]
    """Hardest first."""


@dataclass(frozen=True)
class StudentRow:
    id: str
    scores: tuple[float | None, ...]
    """Per exercise of the report, in its order; None: not submitted."""
    errored: tuple[bool, ...]
    """Per exercise: its grading ended in an error."""
    total: float


@dataclass(frozen=True)
class Provenance:
    """What graded the gradebook: each value with how many exercise submissions it graded."""

    grader_versions: tuple[tuple[str, int], ...]
    torch_versions: tuple[tuple[str, int], ...]
    devices: tuple[tuple[str, int], ...]
    isolation: tuple[tuple[str, int], ...]
    """Only submissions whose code ran."""
    newest: str
    """``graded_at`` of the newest grade (UTC, ISO 8601); '' for an empty gradebook."""


@dataclass(frozen=True)
class ClassReport:
    course: str
    """The course's title."""
    students: int
    """The class's size."""
    maximum: float
    """The most a student can score over the report's exercises."""
    exercises: tuple[ExerciseStats, ...]
    misconceptions: tuple[MistakeCount, ...]
    """Known mistakes (not the grader's generic ids), most students first."""
    generic: tuple[MistakeCount, ...]
    """The grader's generic ids (wrong values, an exception, a limit…), most students first."""
    ideas: tuple[Idea, ...]
    """The lesson's ideas, in ideas.toml's order."""
    rows: tuple[StudentRow, ...]
    """One per student, sorted by id."""
    errors: tuple[tuple[str, str, str], ...]
    """(student, exercise, reason) of every submission whose grading errored."""
    provenance: Provenance


def build(store: Gradebook, course: Course, *, exercises: list[str] | None = None,
          students: list[str] | None = None) -> ClassReport:
    """The report's figures for ``exercises`` (default: every one the gradebook holds, in course
    order) and ``students`` (default: every one it holds)."""
    subs = store.conn.execute(
        "SELECT student, exercise, status, reason, score, max_score, title, grader_version, torch_version, "
        "device, isolation, graded_at FROM submissions").fetchall()
    known = {e.id: e for e in course.exercises}
    order = {eid: n for n, eid in enumerate(known)}
    held = sorted({s[1] for s in subs}, key=lambda eid: (order.get(eid, len(order)), eid))
    chosen = list(held if exercises is None else exercises)
    wanted = set(chosen)
    people = sorted({s[0] for s in subs} if students is None else set(students))
    present = set(people)
    subs = [s for s in subs if s[0] in present and s[1] in wanted]
    by_key = {(s[0], s[1]): s for s in subs}
    catalogue = catalogues.course_catalogue(course)
    ideas = catalogues.ideas(course)

    checks = defaultdict(list)  # exercise -> [(student, name, title, position, status, hidden, mistake)]
    for row in store.conn.execute("SELECT student, exercise, name, title, position, status, hidden, mistake "
                                  "FROM checks ORDER BY exercise, position, student"):
        sub = by_key.get((row[0], row[1]))
        if sub is not None and sub[2] != MISSING:  # a file never handed in shows no mistake
            checks[row[1]].append(row)

    def points(eid: str) -> float:
        if eid in known:
            return float(known[eid].points)
        return max((s[5] for s in subs if s[1] == eid), default=0.0)

    def mistake(mid: str, count: int, where=()) -> MistakeCount:
        entry = catalogue.get(mid)
        return MistakeCount(mid, entry.title if entry else mid or "no mistake named",
                            entry.idea if entry and entry.idea in ideas else None, count,
                            count / len(people) if people else 0.0, tuple(where))

    stats = []
    for eid in chosen:
        mine = [s for s in subs if s[1] == eid]
        handed = [s for s in mine if s[2] != MISSING]
        scores = [s[4] for s in handed]
        title = known[eid].title if eid in known else next((s[6] for s in mine), eid)
        stats.append(ExerciseStats(
            eid, title, points(eid), len(handed), len(people) - len(handed), sum(s[2] == ERROR for s in handed),
            statistics.fmean(scores) if scores else None, statistics.median(scores) if scores else None,
            histogram(scores, points(eid)), _checks(checks[eid], len(handed), mistake)))

    seen = defaultdict(set)  # mistake id -> students; exercise sets below
    where = defaultdict(set)
    for eid in chosen:
        for student, _, _, _, _, status, _, mid in checks[eid]:
            if status != "passed" and mid:
                seen[mid].add(student)
                where[mid].add(eid)
    ranked = sorted(seen, key=lambda mid: (-len(seen[mid]), mid))
    ex_order = {eid: n for n, eid in enumerate(chosen)}
    counts = [mistake(mid, len(seen[mid]), sorted(where[mid], key=ex_order.__getitem__)) for mid in ranked]

    rows = []
    for sid in people:
        cells = [by_key.get((sid, eid)) for eid in chosen]
        marks = tuple(None if c is None or c[2] == MISSING else c[4] for c in cells)
        rows.append(StudentRow(sid, marks, tuple(c is not None and c[2] == ERROR for c in cells),
                               sum(s or 0.0 for s in marks)))
    errors = tuple((s[0], s[1], s[3]) for s in sorted(subs, key=lambda s: (s[0], ex_order[s[1]]))
                   if s[2] == ERROR)
    return ClassReport(
        course=course.title, students=len(people), maximum=sum(points(eid) for eid in chosen),
        exercises=tuple(stats), misconceptions=tuple(c for c in counts if c.id not in catalogues.GENERIC),
        generic=tuple(c for c in counts if c.id in catalogues.GENERIC), ideas=tuple(ideas.values()),
        rows=tuple(rows), errors=errors, provenance=_provenance(subs))


def histogram(scores: list[float], points: float) -> tuple[Bin, ...]:
    """Bands one point wide (wider when the points would make more than ``MAX_BINS``), then one
    for full marks alone, so that "all right" stands apart from "nearly"."""
    width = max(1, ceil(points / (MAX_BINS - 1)))
    lows = range(0, ceil(points), width)
    counts = [0] * (len(lows) + 1)
    for score in scores:
        counts[len(lows) if score >= points else min(len(lows) - 1, max(0, int(score // width)))] += 1
    return (*(Bin(low, min(low + width, points), n) for low, n in zip(lows, counts)), Bin(points, points, counts[-1]))


def _checks(rows, handed_in: int, mistake) -> tuple[CheckStats, ...]:
    """Each check's pass rate among the ``handed_in`` students and what its failures showed; hardest first."""
    found: dict[str, dict] = {}
    for _student, _, name, title, position, status, hidden, mid in rows:
        entry = found.setdefault(name, {"title": title, "position": position, "hidden": bool(hidden),
                                        "passed": 0, "seen": 0, "mistakes": Counter()})
        entry["seen"] += 1
        if status == "passed":
            entry["passed"] += 1
        else:
            entry["mistakes"][mid] += 1
    made = [(e["position"], CheckStats(
        name, e["title"], e["hidden"], handed_in, e["passed"],
        tuple(mistake(mid, n) for mid, n in sorted(e["mistakes"].items(), key=lambda kv: (-kv[1], kv[0]))),
        handed_in - e["seen"])) for name, e in found.items()]
    return tuple(c for _, c in sorted(made, key=lambda pc: (pc[1].pass_rate, pc[0])))


def _provenance(subs) -> Provenance:
    def tally(values) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])))

    return Provenance(tally(s[7] for s in subs), tally(s[8] for s in subs), tally(s[9] for s in subs),
                      tally(s[10] for s in subs if s[10]), max((s[11] for s in subs), default=""))
