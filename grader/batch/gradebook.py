"""The batch's store (``gradebook.sqlite``), and how a file is written whole or not at all.

The store is the only truth: the batch writes one transaction per graded
student, so an interrupt at any moment (Ctrl-C, ``kill -9``) leaves it as it
was after the last whole student. The files written from it
(``grader.batch.exports``) go through ``write_atomic``: they are complete or
absent, never half written.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.grading.results import CheckResult, ExerciseResult

SCHEMA_VERSION = "5"  # 3: checks.cause and checks.evidence; 4: checks.mistake (older stores gain them when opened);
# 5: batch.salt, the batch's secret that every check's seeds are mixed with (rows graded before it were
# graded unsalted: an older store's are marked so, and graded again on its next run)
STORE_NAME = "gradebook.sqlite"
GRADES_NAME = "grades.csv"
REPORT_NAME = "report.html"  # the class report (grader.batch.report_html)

# What became of one exercise of one student.
GRADED, MISSING, ERROR = "graded", "missing", "error"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batch (salt TEXT NOT NULL);  -- one row (``salt()``), apart: opening never reads it
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
    cause      TEXT NOT NULL DEFAULT '',  -- the explanation's key: a report gives each one once; '' if none
    evidence   TEXT NOT NULL DEFAULT '',  -- what the check saw, alone: shown under a mistake explained above
    mistake    TEXT NOT NULL DEFAULT '',  -- the id of the mistake it shows (grader.grading.mistakes); '' if passed
    PRIMARY KEY (student, exercise, name)
);
"""
CHECK_COLUMNS = ("name", "title", "points", "max_points", "status", "incident", "hidden", "feedback", "seconds",
                 "cause", "evidence", "mistake")


@dataclass(frozen=True)
class Graded:
    """One exercise of one student, as the store keeps it: the result, what became of the exercise,
    and what graded it."""

    student: str
    """The student id."""
    result: ExerciseResult
    """The result, as single grading gives it (no checks for an entry that could not be opened, or an
    exercise the grader failed on)."""
    status: str
    """``graded``, ``missing`` or ``error``."""
    reason: str
    """Why an error (or missing); '' when graded."""
    retry: bool
    """The grader failed (not the code): a rerun grades it again."""
    max_score: float
    """Points possible (a result without checks: the exercise's points)."""
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

    @property
    def exercise(self) -> str:
        return self.result.exercise

    @property
    def score(self) -> float:
        return self.result.score


class Gradebook:
    """The sqlite store; the batch's main process is its only writer."""

    def __init__(self, path: Path, salt: str | None = None):
        """Open (or make) the store at ``path``; a new one keeps ``salt`` (default: ``salt()`` makes one)."""
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path, isolation_level=None)  # transactions are explicit
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash of the process loses nothing committed
        self.conn.executescript(SCHEMA)  # CREATE … IF NOT EXISTS: safe to run on every open
        with self.transaction():
            self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        (version,) = self.conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        added = {"2": ("cause", "evidence", "mistake"), "3": ("mistake",), "4": ()}.get(version)
        if added is not None:  # what it stored stays as it was; only what a report can show of it gains
            with self.transaction():
                for column in added:
                    self.conn.execute(f"ALTER TABLE checks ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
                # Graded on the checks' own seeds, which a release's stored outcomes answer: never current.
                self.conn.execute("UPDATE submissions SET fingerprint = 'unsalted:' || fingerprint")
                self.conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))
            version = SCHEMA_VERSION
        if version != SCHEMA_VERSION:
            raise RuntimeError(f"{self.path} has gradebook schema {version}; this grader writes {SCHEMA_VERSION}")
        if salt:  # a new store's (an old one keeps its own)
            self.conn.execute("INSERT INTO batch SELECT ? WHERE NOT EXISTS (SELECT 1 FROM batch)", (salt,))

    def salt(self) -> str:
        """The batch's secret (``grader.grading.lab.salted``), made by sqlite when first asked for, then
        kept (`grade exercise-N --salt` with it rebuilds its inputs); never read on opening the store."""
        with self.transaction():
            self.conn.execute("INSERT INTO batch SELECT lower(hex(randomblob(16))) "
                              "WHERE NOT EXISTS (SELECT 1 FROM batch)")
        return self.conn.execute("SELECT salt FROM batch").fetchone()[0]

    def close(self) -> None:
        self.conn.close()

    def transaction(self):
        return _Transaction(self.conn)

    # ------------------------------------------------------------ writing

    def record(self, rows: list[Graded]) -> None:
        """Store ``rows`` (one student's exercises) in one transaction: all of them or none."""
        with self.transaction():
            for g in rows:
                r = g.result
                self.conn.execute("DELETE FROM checks WHERE student = ? AND exercise = ?", (g.student, g.exercise))
                self.conn.execute(
                    "INSERT OR REPLACE INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (g.student, g.exercise, g.status, g.reason, int(g.retry), g.score, g.max_score, r.title,
                     r.submission, r.problem, g.content_hash, g.grader_version, g.fingerprint, g.torch_version,
                     g.device, g.graded_at, g.seconds, r.isolation))
                self.conn.executemany(
                    "INSERT INTO checks (student, exercise, position, " + ", ".join(CHECK_COLUMNS) + ") "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(g.student, g.exercise, i, c.name, c.title, c.points, c.max_points, c.status,
                      c.incident or "", int(c.hidden), c.feedback, c.seconds, c.cause or "", c.evidence or "",
                      c.mistake or "")
                     for i, c in enumerate(r.checks)])

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
            "SELECT title, status, reason, retry, max_score, file, problem, content_hash, grader_version, "
            "fingerprint, torch_version, device, graded_at, seconds, isolation "
            "FROM submissions WHERE student = ? AND exercise = ?", (student, exercise)).fetchone()
        if row is None:
            return None
        checks = tuple(CheckResult.from_json(dict(zip(CHECK_COLUMNS, values))) for values in self.conn.execute(
            f"SELECT {', '.join(CHECK_COLUMNS)} FROM checks WHERE student = ? AND exercise = ? ORDER BY position",
            (student, exercise)))
        (title, status, reason, retry, max_score, file, problem, content_hash, grader_version, fingerprint,
         torch_version, device, graded_at, seconds, isolation) = row
        result = ExerciseResult(exercise=exercise, title=title, submission=file, checks=checks, problem=problem,
                                isolation=isolation)
        return Graded(student, result, status, reason, bool(retry), max_score, content_hash, grader_version,
                      fingerprint, torch_version, device, graded_at, seconds)

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


# ---------------------------------------------------------------- files written whole

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
