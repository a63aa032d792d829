"""The batch's store (``gradebook.sqlite``) and the files written from it.

The store is the only truth: the batch writes one transaction per graded
student, so an interrupt at any moment (Ctrl-C, ``kill -9``) leaves it as it
was after the last whole student. ``grades.csv``, ``<student>/results.json``
and ``<student>/feedback.md`` are written from the store, each through a
temporary file and ``os.replace``: they are complete or absent, never half
written, and the same store gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.grading.results import CheckResult, ExerciseResult, gradescope_test

SCHEMA_VERSION = "2"
STORE_NAME = "gradebook.sqlite"
GRADES_NAME = "grades.csv"
RESERVED_NAMES = (STORE_NAME, GRADES_NAME, ".scratch", ".lock")

# What became of one exercise of one student.
GRADED, MISSING, ERROR = "graded", "missing", "error"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    student        TEXT NOT NULL,
    exercise       TEXT NOT NULL,
    status         TEXT NOT NULL,      -- graded | missing | error
    reason         TEXT NOT NULL,      -- why an error or missing; '' when graded
    retry          INTEGER NOT NULL,   -- 1: the grader failed, not the code: graded again next run
    score          REAL NOT NULL,
    max_score      REAL NOT NULL,
    title          TEXT NOT NULL,
    file           TEXT,               -- the file graded, relative to the student's folder
    problem        TEXT,               -- why the code could not run at all (syntax error…)
    content_hash   TEXT NOT NULL,      -- sha256 of the student's code files
    grader_version TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,      -- checks, probes, reference and limits this was graded with
    torch_version  TEXT NOT NULL,
    device         TEXT NOT NULL,
    graded_at      TEXT NOT NULL,      -- UTC, ISO 8601
    seconds        REAL NOT NULL,
    isolation      TEXT NOT NULL,      -- jail, or unjailed: why (grader.isolation.jail); '' when no code ran
    PRIMARY KEY (student, exercise)
);
CREATE TABLE IF NOT EXISTS checks (
    student    TEXT NOT NULL,
    exercise   TEXT NOT NULL,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    points     REAL NOT NULL,
    max_points REAL NOT NULL,
    status     TEXT NOT NULL,          -- passed | failed | error (no verdict: the code hung, crashed…)
    incident   TEXT NOT NULL,          -- timeout, memory, output, exited, crashed, lost, grader; or ''
    hidden     INTEGER NOT NULL,
    feedback   TEXT NOT NULL,
    seconds    REAL NOT NULL,
    PRIMARY KEY (student, exercise, name)
);
"""


@dataclass(frozen=True)
class Check:
    """One check's row."""

    name: str
    """The check's function name."""
    title: str
    """Its one-line title."""
    points: float
    """Points scored."""
    max_points: float
    """Points it is worth."""
    status: str
    """``passed``, ``failed`` or ``error``."""
    incident: str
    """Why there is no verdict on the code (``timeout``…), or ''."""
    hidden: bool
    """Not in the students' release."""
    feedback: str
    """Why it failed."""
    seconds: float
    """How long it took."""


@dataclass(frozen=True)
class Graded:
    """One exercise of one student, as the store keeps it."""

    student: str
    """The student id."""
    exercise: str
    """The exercise id."""
    title: str
    """The exercise title."""
    status: str
    """``graded``, ``missing`` or ``error``."""
    reason: str
    """Why an error (or missing); '' when graded."""
    retry: bool
    """The grader failed (not the code): a rerun grades it again."""
    score: float
    """Points scored."""
    max_score: float
    """Points possible."""
    file: str | None
    """The file graded, relative to the student's folder."""
    problem: str | None
    """Why the code could not run at all."""
    content_hash: str
    """sha256 of the student's code files when graded."""
    grader_version: str
    """``grader.__version__``."""
    fingerprint: str
    """What the verdicts depend on besides the code (checks, reference, limits)."""
    torch_version: str
    """``torch.__version__`` of the judge."""
    device: str
    """``cpu`` or ``cuda``."""
    graded_at: str
    """When, in UTC."""
    seconds: float
    """Grading time."""
    isolation: str = ""
    """What the student's code ran under: ``jail``, or ``unjailed: <why>``; '' when none ran."""
    checks: tuple[Check, ...] = ()
    """The checks, in the order they ran (none for an entry that could not be opened)."""

    def exercise_result(self) -> ExerciseResult:
        """As the ``ExerciseResult`` single grading gives."""
        return ExerciseResult(
            exercise=self.exercise, title=self.title, submission=self.file,
            checks=tuple(CheckResult(name=c.name, title=c.title, points=c.points, max_points=c.max_points,
                                     passed=c.status == "passed", hidden=c.hidden, feedback=c.feedback,
                                     seconds=c.seconds) for c in self.checks),
            problem=self.problem)


class Gradebook:
    """The sqlite store; the batch's main process is its only writer."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path, isolation_level=None)  # transactions are explicit
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash of the process loses nothing committed
        self.conn.executescript(SCHEMA)  # CREATE … IF NOT EXISTS: safe to run on every open
        with self.transaction():
            self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        (version,) = self.conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if version != SCHEMA_VERSION:
            raise RuntimeError(f"{self.path} has gradebook schema {version}; this grader writes {SCHEMA_VERSION}")

    def close(self) -> None:
        self.conn.close()

    def transaction(self):
        return _Transaction(self.conn)

    # ------------------------------------------------------------ writing

    def record(self, rows: list[Graded]) -> None:
        """Store ``rows`` (one student's exercises) in one transaction: all of them or none."""
        with self.transaction():
            for g in rows:
                self.conn.execute("DELETE FROM checks WHERE student = ? AND exercise = ?", (g.student, g.exercise))
                self.conn.execute(
                    "INSERT OR REPLACE INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (g.student, g.exercise, g.status, g.reason, int(g.retry), g.score, g.max_score, g.title,
                     g.file, g.problem, g.content_hash, g.grader_version, g.fingerprint, g.torch_version,
                     g.device, g.graded_at, g.seconds, g.isolation))
                self.conn.executemany(
                    "INSERT INTO checks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(g.student, g.exercise, c.name, i, c.title, c.points, c.max_points, c.status, c.incident,
                      int(c.hidden), c.feedback, c.seconds) for i, c in enumerate(g.checks)])

    # ------------------------------------------------------------ reading

    def current(self, student: str, exercise: str, content_hash: str, grader_version: str,
                fingerprint: str) -> bool:
        """Whether this exercise is stored as graded from this very code, by this very grader."""
        row = self.conn.execute(
            "SELECT retry, content_hash, grader_version, fingerprint FROM submissions "
            "WHERE student = ? AND exercise = ?", (student, exercise)).fetchone()
        return row is not None and row == (0, content_hash, grader_version, fingerprint)

    def get(self, student: str, exercise: str) -> Graded | None:
        row = self.conn.execute(
            "SELECT student, exercise, title, status, reason, retry, score, max_score, file, problem, "
            "content_hash, grader_version, fingerprint, torch_version, device, graded_at, seconds, isolation "
            "FROM submissions WHERE student = ? AND exercise = ?", (student, exercise)).fetchone()
        if row is None:
            return None
        checks = tuple(Check(name, title, points, max_points, status, incident, bool(hidden), feedback, seconds)
                       for name, title, points, max_points, status, incident, hidden, feedback, seconds
                       in self.conn.execute(
                           "SELECT name, title, points, max_points, status, incident, hidden, feedback, seconds "
                           "FROM checks WHERE student = ? AND exercise = ? ORDER BY position", (student, exercise)))
        (student, exercise, title, status, reason, retry, score, max_score, file, problem, content_hash,
         grader_version, fingerprint, torch_version, device, graded_at, seconds, isolation) = row
        return Graded(student, exercise, title, status, reason, bool(retry), score, max_score, file, problem,
                      content_hash, grader_version, fingerprint, torch_version, device, graded_at, seconds,
                      isolation, checks)

    def student(self, student: str, exercises: list[str]) -> list[Graded]:
        """The stored rows of ``student`` for ``exercises``, in that order (absent ones left out)."""
        return [g for g in (self.get(student, e) for e in exercises) if g is not None]


class _Transaction:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind, value, tb):
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")
        return False


# ---------------------------------------------------------------- files written from the store

def write_atomic(path: Path, text: str, durable: bool = False) -> None:
    """Write ``path`` whole or not at all.

    The bytes go to a file with no name (``O_TMPFILE``), which is linked in under a temporary
    name and renamed over ``path`` only once complete: a ``kill -9`` while writing leaves
    nothing behind. Where ``O_TMPFILE`` is missing, a named temporary file beside it instead.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    try:
        fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o600)
    except (AttributeError, OSError):
        fd = None  # not Linux, or a filesystem without it
    if fd is not None:
        tmp = str(path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            _write_all(fd, data, durable)
            _link_open_file(fd, tmp)
        except OSError:
            pass  # no /proc to link through: the named way below
        else:
            try:
                os.replace(tmp, path)
            except BaseException:
                _unlink(tmp)
                raise
            return
        finally:
            os.close(fd)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            _write_all(fd, data, durable)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def _write_all(fd: int, data: bytes, durable: bool) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    if durable:
        os.fsync(fd)


def _unlink(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


def _link_open_file(fd: int, name: str) -> None:
    """Give the nameless file ``fd`` a name (``linkat`` through ``/proc``, following the link:
    Python's ``os.link`` calls ``link``, which would not)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd, at_symlink_follow = -100, 0x400
    if libc.linkat(at_fdcwd, f"/proc/self/fd/{fd}".encode(), at_fdcwd, name.encode(), at_symlink_follow) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), name)


def sweep_temporaries(out: Path) -> None:
    """Remove what an interrupted ``write_atomic`` of an older grader left (never a result)."""
    for leftover in out.glob("**/.*.tmp"):
        leftover.unlink(missing_ok=True)


def grades_csv(rows: dict[str, list[Graded]], exercises: list[tuple[str, float]]) -> str:
    """One row per student (sorted by id): id, points per exercise, total, maximum."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", *[eid for eid, _ in exercises], "total", "maximum"])
    maximum = sum(points for _, points in exercises)
    for student in sorted(rows):
        scores = {g.exercise: g.score for g in rows[student]}
        cells = [scores.get(eid, 0.0) for eid, _ in exercises]
        writer.writerow([student, *map(_number, cells), _number(sum(cells)), _number(maximum)])
    return out.getvalue()


def results_json(graded: list[Graded], exercises: list[tuple[str, str, float]]) -> str:
    """A student's results in Gradescope's results.json shape, over the exercises graded."""
    by_id = {g.exercise: g for g in graded}
    tests, notes = [], []
    for eid, title, points in exercises:
        g = by_id.get(eid)
        if g is None:
            continue
        if g.checks:
            tests += [gradescope_test(eid, c) for c in g.exercise_result().checks]
        else:  # nothing could run: one failed line carrying the reason, worth the exercise
            tests.append({"name": f"{eid}: {title}", "score": 0.0, "max_score": float(points),
                          "status": "failed", "output": g.reason, "visibility": "visible"})
        if g.status == ERROR:
            notes.append(f"{eid}: {g.reason}")
    result = {
        "score": sum(t["score"] for t in tests),
        "max_score": sum(t["max_score"] for t in tests),
        "tests": tests,
    }
    if notes:
        result["output"] = "\n".join(notes)
    isolation = {g.exercise: g.isolation for g in graded if g.isolation}
    if isolation:  # an extra field the results.json schema allows: what the code ran under
        result["extra_data"] = {"isolation": isolation}
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"


def feedback_md(student: str, graded: list[Graded], exercises: list[tuple[str, str, float]]) -> str:
    """Readable feedback for one student, to hand back."""
    by_id = {g.exercise: g for g in graded}
    total = sum(g.score for g in graded)
    maximum = sum(points for eid, _, points in exercises if eid in by_id)
    lines = [f"# Feedback for {student}", "", f"**Total: {_number(total)} / {_number(maximum)}**", ""]
    for eid, title, points in exercises:
        g = by_id.get(eid)
        if g is None:
            continue
        lines += [f"## {eid}: {title} — {_number(g.score)} / {_number(g.max_score or points)}", ""]
        if g.file:
            lines += [f"File: `{g.file}`", ""]
        if g.status == ERROR:
            lines += [f"> **Could not be graded normally:** {_one_line(g.reason)}", ""]
        if g.problem:
            lines += [_fenced(g.problem), ""]
        if not g.checks and g.status != ERROR and g.reason:
            lines += [g.reason, ""]
        for c in g.checks:
            mark = "✅" if c.status == "passed" else "❌"
            hidden = " *(hidden)*" if c.hidden else ""
            lines.append(f"- {mark} {_number(c.points)}/{_number(c.max_points)} — {c.title}{hidden}")
            if c.status != "passed" and c.feedback and not (g.problem and c.feedback.strip() == g.problem.strip()):
                lines += ["", _indent(_fenced(c.feedback)), ""]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _number(value: float) -> str:
    return f"{value:g}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fenced(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines())


# ---------------------------------------------------------------- the terminal summary

def summary(rows: dict[str, list[Graded]], exercises: list[tuple[str, float]], *, graded: int, skipped: int,
            errors, seconds: float, cpu: float, out: Path) -> str:
    """Students graded, mean and distribution per exercise, the checks failed most, the errors and why."""
    lines = [f"{len(rows)} students: {graded} graded in this run, {skipped} unchanged since the last one "
             f"({seconds:.1f} s, {cpu:.0f} CPU-seconds). Results in {out}", ""]
    width = max(len(eid) for eid, _ in exercises)
    for eid, points in exercises:
        scores = [g.score for sid in rows for g in rows[sid] if g.exercise == eid]
        if scores:
            lines.append(f"  {eid.ljust(width)}  mean {sum(scores) / len(scores):5.2f}/{points:g}  "
                         f"{_histogram(scores, points)}")
    failed: dict[tuple[str, str], int] = {}
    for sid in rows:
        for g in rows[sid]:
            if g.status != MISSING:
                for c in g.checks:
                    if c.status != "passed":
                        failed[(g.exercise, c.title)] = failed.get((g.exercise, c.title), 0) + 1
    if failed:
        lines += ["", "Checks failed most often (students):"]
        for (eid, title), count in sorted(failed.items(), key=lambda kv: (-kv[1], kv[0]))[:8]:
            lines.append(f"  {count:4d}  {eid}: {title}")
    missing = sum(1 for sid in rows for g in rows[sid] if g.status == MISSING)
    if missing:
        lines += ["", f"Not submitted: {missing} exercise file{'s' if missing != 1 else ''} (0 points each)."]
    unjailed = sorted({g.isolation for sid in rows for g in rows[sid] if g.isolation and g.isolation != "jail"})
    ran = [g for sid in rows for g in rows[sid] if g.isolation]
    if unjailed:
        lines += ["", f"WARNING: {sum(g.isolation != 'jail' for g in ran)} of {len(ran)} exercise submissions "
                  f"ran outside the jail ({'; '.join(unjailed)}): they could read other students' files "
                  "and the results. See `grade doctor`."]
    elif ran:
        lines += ["", f"Isolation: all {len(ran)} exercise submissions that ran code ran in the jail."]
    if errors:
        lines += ["", f"Errors ({len(errors)}): scored what their checks gave; each student's feedback.md says more"]
        for student, eid, reason in errors[:20]:
            lines.append(f"  {student} {eid}: {_clip(reason, 150)}")
        if len(errors) > 20:
            lines.append(f"  … and {len(errors) - 20} more (all in the gradebook's submissions table)")
    return "\n".join(lines)


def _histogram(scores: list[float], points: float) -> str:
    """How many students scored in each band of about a fifth of the points: ``0–1: 3 · 2–3: 0 · … · 10: 41``."""
    step = max(1, round(points / 5))
    bands, low = [], 0
    while low <= points:
        high = low + step - 1 if low + step <= points else points
        count = sum(1 for s in scores if low <= s < high + 1 or (high == points and s >= low))
        bands.append(f"{low:g}{'' if high == low else f'–{high:g}'}: {count}")
        low = high + 1
    return " · ".join(bands)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
