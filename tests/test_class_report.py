"""The class report (`grade report`, and the end of `grade batch`): its numbers against the gradebook's
own SQL, its escaping of what students named, and the page in a real browser (Debian's chromium).

One small class is graded once by the real `grade batch` (module fixture): solutions, a known
mistake from the corpus, a stub, an empty folder, a zip that is not one, and a student whose folder
name is an HTML attack. Every figure is checked against a query of gradebook.sqlite written here,
not against the report's own code.
"""

from __future__ import annotations

import html
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import MISTAKES, ROOT
from grader import course as courses
from grader.batch import classreport, gradebook, report_html, run
from grader.batch.gradebook import Gradebook
from grader.cli import cli

GRADE = str(Path(sys.executable).with_name("grade"))
EXERCISES = ["exercise-1", "exercise-3"]
ATTACK = "<img src=x onerror=alert(1)><script>alert(2)"  # a folder name cannot hold "/", so no </script>
CHROMIUM = Path("/usr/bin/chromium")


def build_class(root: Path) -> Path:
    """Six students: every kind of outcome the report counts, at the least grading cost."""
    root.mkdir()
    solution = {n: (ROOT / "solutions" / f"exercise_{n}.py").read_text() for n in (1, 3)}
    entries = {
        "amy": {"exercise_1.py": solution[1], "exercise_3.py": solution[3]},
        "ben": {"exercise_3.py": (MISTAKES / "exercise_3" / "gradient_ascent.py").read_text()},
        "cat": {"exercise_1.py": (ROOT / "exercises" / "exercise_1.py").read_text()},  # the stub
        "fay": {},  # handed in nothing
        ATTACK: {"exercise_1.py": solution[1]},
    }
    for sid, files in entries.items():
        (root / sid).mkdir()
        for name, text in files.items():
            (root / sid / name).write_text(text)
    (root / "eve.zip").write_bytes(b"not a zip at all")  # cannot be opened: an error for each exercise
    return root


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    class_ = build_class(tmp_path_factory.mktemp("report") / "class")
    out = class_.parent / "results"
    done = subprocess.run([GRADE, "batch", str(class_), "--out", str(out), *[a for e in EXERCISES
                           for a in ("--exercise", e)], "-j", "2", "--timeout", "20", "--memory", "600"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out, done.stdout


@pytest.fixture(scope="module")
def report(graded):
    store = Gradebook(graded[0] / gradebook.STORE_NAME)
    try:
        return classreport.build(store, courses.load(ROOT))
    finally:
        store.close()


def sql(out: Path, query: str, *args) -> list[tuple]:
    conn = sqlite3.connect(out / gradebook.STORE_NAME)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


HANDED_IN = "FROM checks c JOIN submissions s USING (student, exercise) WHERE s.status != 'missing'"


# ---------------------------------------------------------------- the numbers

def test_exercise_figures_are_the_gradebooks(graded, report):
    out, _ = graded
    assert report.students == 6 == sql(out, "SELECT COUNT(DISTINCT student) FROM submissions")[0][0]
    assert [e.id for e in report.exercises] == EXERCISES
    for e in report.exercises:
        scores = [s for s, in sql(out, "SELECT score FROM submissions WHERE exercise = ? AND status != 'missing'",
                                  e.id)]
        (mean,), = sql(out, "SELECT AVG(score) FROM submissions WHERE exercise = ? AND status != 'missing'", e.id)
        assert e.handed_in == len(scores) and e.mean == pytest.approx(mean)
        assert e.median == statistics.median(scores)
        for status, count in (("missing", e.not_submitted), ("error", e.errored)):
            assert count == sql(out, "SELECT COUNT(*) FROM submissions WHERE exercise = ? AND status = ?",
                                e.id, status)[0][0]
        assert e.errored == 1  # eve's zip, in each exercise
    one, three = report.exercises
    assert (one.handed_in, one.not_submitted) == (4, 2)  # amy, cat, the attacker, eve (errored) / ben, fay
    assert (three.handed_in, three.not_submitted) == (3, 3)  # amy, ben, eve / cat, fay, the attacker


def test_histogram_counts_each_score_once_and_full_marks_alone(graded, report):
    out, _ = graded
    for e in report.exercises:
        assert e.points == 10 and [b.low for b in e.histogram] == list(range(11))  # 0 … 9, then 10 alone
        assert e.histogram[-1].low == e.histogram[-1].high == 10
        by_sql = dict(sql(out, "SELECT CAST(score AS INTEGER), COUNT(*) FROM submissions "
                               "WHERE exercise = ? AND status != 'missing' GROUP BY 1", e.id))
        assert {int(b.low): b.count for b in e.histogram if b.count} == by_sql
        assert sum(b.count for b in e.histogram) == e.handed_in


def test_pass_rates_are_over_who_handed_in_hardest_first(graded, report):
    out, _ = graded
    for e in report.exercises:
        passed = dict(sql(out, f"SELECT c.name, SUM(c.status = 'passed') {HANDED_IN} AND c.exercise = ? "
                               "GROUP BY c.name", e.id))
        assert {c.name: c.passed for c in e.checks} == passed
        seen = dict(sql(out, f"SELECT c.name, COUNT(*) {HANDED_IN} AND c.exercise = ? GROUP BY c.name", e.id))
        assert {c.name: c.handed_in - c.no_verdict for c in e.checks} == seen
        assert all(c.no_verdict == 1 for c in e.checks)  # eve's zip: handed in, never graded
        assert all(c.handed_in == e.handed_in for c in e.checks)
        rates = [c.pass_rate for c in e.checks]
        assert rates == sorted(rates)
    amy_only = next(e for e in report.exercises if e.id == "exercise-3")
    assert max(c.passed for c in amy_only.checks) <= 2  # amy; ben's ascent passes a few at most


def test_mistakes_count_each_student_once_with_shares_of_the_class(graded, report):
    out, _ = graded
    for e in report.exercises:
        per_check = {(name, mid): n for name, mid, n in sql(
            out, f"SELECT c.name, c.mistake, COUNT(DISTINCT c.student) {HANDED_IN} AND c.exercise = ? "
                 "AND c.status != 'passed' GROUP BY c.name, c.mistake", e.id)}
        ours = {(c.name, m.id): m for c in e.checks for m in c.mistakes}
        assert {k: m.students for k, m in ours.items()} == per_check
        assert all(m.share == pytest.approx(m.students / 6) for m in ours.values())
    across = dict(sql(out, f"SELECT c.mistake, COUNT(DISTINCT c.student) {HANDED_IN} AND c.status != 'passed' "
                           "AND c.mistake != '' GROUP BY c.mistake"))
    ranked = [*report.misconceptions, *report.generic]
    assert {m.id: m.students for m in ranked} == across
    for group in (report.misconceptions, report.generic):
        assert [m.students for m in group] == sorted((m.students for m in group), reverse=True)
    assert {m.id for m in report.generic} <= set(classreport.catalogues.GENERIC)
    ben = {mid for mid, in sql(out, f"SELECT c.mistake {HANDED_IN} AND c.student = 'ben' AND c.status != 'passed'")}
    assert ben and ben <= {m.id for m in ranked}  # the corpus's ascent shows, whatever id the checks name today
    missed = {mid for mid, in sql(out, "SELECT DISTINCT c.mistake FROM checks c JOIN submissions s "
                                       "USING (student, exercise) WHERE s.status = 'missing'")}
    assert not missed & {m.id for m in ranked} - ben  # not handing in is counted apart, not as a mistake


def test_student_rows_and_errors(graded, report):
    out, _ = graded
    rows = {r.id: r for r in report.rows}
    assert sorted(rows) == sorted(s for s, in sql(out, "SELECT DISTINCT student FROM submissions"))
    assert rows["amy"].scores == (10, 10) and rows["amy"].total == 20
    assert rows["fay"].scores == (None, None) and rows["fay"].total == 0
    assert rows["ben"].scores[0] is None and rows["eve"].errored == (True, True)
    assert report.errors == tuple(sql(out, "SELECT student, exercise, reason FROM submissions "
                                           "WHERE status = 'error' ORDER BY student, exercise"))
    assert report.provenance.newest == sql(out, "SELECT MAX(graded_at) FROM submissions")[0][0]
    assert report.provenance.isolation == (("jail", sql(out, "SELECT COUNT(*) FROM submissions "
                                                             "WHERE isolation = 'jail'")[0][0]),)


# ---------------------------------------------------------------- the page

def test_the_batch_writes_the_report_that_grade_report_writes(graded, monkeypatch):
    """One writer: `grade report RESULTS` rewrites the batch's page byte for byte."""
    out, summary = graded
    assert f"Class report (6 students): {out / gradebook.REPORT_NAME}" in summary
    batch_page = (out / gradebook.REPORT_NAME).read_bytes()
    monkeypatch.chdir(ROOT)
    done = CliRunner().invoke(cli, ["report", str(out)])
    assert done.exit_code == 0, done.output
    assert (out / gradebook.REPORT_NAME).read_bytes() == batch_page and batch_page.count(b"<svg") == 2


def test_untrusted_names_and_reasons_are_escaped(graded):
    page = (graded[0] / "report.html").read_text()
    assert ATTACK not in page and "<img" not in page and page.count("<script>") == 1  # ours, at the end
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)" in page
    assert 'href="students/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%3Cscript%3Ealert%282%29/feedback.md"' in page


def test_without_matplotlib_the_report_has_its_numbers_and_a_note(graded, report, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    written = report_html.write(results=graded[0], course=courses.load(ROOT), output=tmp_path / "r.html")
    page = written.path.read_text()
    assert not written.plotted and report_html.NO_PLOTS in written.summary()
    assert "<svg" not in page and html.escape(report_html.NO_PLOTS) in page
    assert " · ".join(f"{b.label}: {b.count}" for b in report.exercises[0].histogram) in page


def test_a_report_that_cannot_be_written_leaves_a_line_not_a_failure(graded, tmp_path):
    (tmp_path / gradebook.REPORT_NAME).mkdir()  # where the page must go, a folder: no file can replace it
    course = courses.load(ROOT)
    plan = types.SimpleNamespace(out=tmp_path, course=course, chosen=course.select(EXERCISES))
    store = Gradebook(graded[0] / gradebook.STORE_NAME)
    try:
        line = run._class_report(plan, store, ["amy"])
    finally:
        store.close()
    assert line.startswith("The class report could not be written (IsADirectoryError") \
        and f"grade report {tmp_path}" in line


def test_grade_starts_without_matplotlib():
    """The plots' import (~0.5 s) is paid when a report is drawn, not by every `grade` command."""
    done = subprocess.run([sys.executable, "-c", "import sys, grader.cli, grader.batch.run, grader.batch.report_html; "
                           "print('matplotlib' in sys.modules)"], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "False", done.stderr


def test_grade_report_without_a_gradebook_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    done = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert done.exit_code == 2 and "holds no gradebook.sqlite" in done.output and "grade batch" in done.output


# ---------------------------------------------------------------- in a real browser

@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, driven by playwright. Skipped only where it is missing and CI
    has not asked for it (.ci/run installs it and sets GRADER_REQUIRE_BROWSER=1)."""
    if not CHROMIUM.is_file() and not os.environ.get("GRADER_REQUIRE_BROWSER"):
        pytest.skip(f"no {CHROMIUM} (apt-get install chromium); set GRADER_REQUIRE_BROWSER=1 to fail instead")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


class Visit:
    """The report opened in a fresh page, with everything the page said, threw or asked for."""

    def __init__(self, browser, out: Path, viewport: dict):
        self.url = (out / gradebook.REPORT_NAME).as_uri()
        self.complaints, self.requests, self.blocked = [], [], []
        self.page = browser.new_page(viewport=viewport)
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.complaints.append(m.text))
        self.page.on("pageerror", lambda exc: self.complaints.append(f"uncaught: {exc}"))
        self.page.on("dialog", lambda d: (self.complaints.append(f"dialog: {d.message}"), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        # Nothing may leave the machine: any network request is refused here, and recorded.
        self.page.route(re.compile(r"^(https?|wss?|ftp)://"),
                        lambda route: (self.blocked.append(route.request.url), route.abort()))
        self.page.goto(self.url, wait_until="load")

    def column(self, section: str, n: int) -> list[str]:
        """The sort keys (else the text) of column ``n`` of the table in ``section``, top to bottom."""
        return self.page.eval_on_selector_all(
            f"#{section} tbody tr", f"rows => rows.map(r => r.cells[{n}].getAttribute('data-sort') "
                                    f"?? r.cells[{n}].textContent.trim())")


def test_in_a_browser_it_renders_offline_and_sorts(graded, browser, tmp_path):
    out, _ = graded
    visit = Visit(browser, out, {"width": 1200, "height": 900})
    page = visit.page
    assert visit.complaints == [] and visit.blocked == []
    assert visit.requests == [visit.url]  # the page itself, and nothing else
    boxes = [svg.bounding_box() for svg in page.locator("svg").all()]
    assert len(boxes) == 2 and all(b and b["width"] > 100 and b["height"] > 50 for b in boxes)
    assert page.locator("#idea-descent").count() == 1

    assert visit.column("students", 0) == sorted(visit.column("students", 0))  # by name before any script
    total = page.locator("#students th", has_text="Total")
    total.click()
    ascending = [float(x) for x in visit.column("students", 3)]
    assert ascending == sorted(ascending) and ascending[0] < ascending[-1]
    assert total.get_attribute("aria-sort") == "ascending"
    total.click()
    assert [float(x) for x in visit.column("students", 3)] == sorted(ascending, reverse=True)
    assert visit.complaints == []

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    if os.environ.get("REPORT_SCREENSHOT"):  # REPORT_SCREENSHOT=docs/report.png: the README's picture
        page.screenshot(path=str(ROOT / os.environ["REPORT_SCREENSHOT"]), full_page=True)
    page.close()


def test_on_a_phone_nothing_overflows_the_page(graded, browser):
    visit = Visit(browser, graded[0], {"width": 390, "height": 844})
    widths = visit.page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]")
    assert widths[0] <= widths[2] and widths[1] <= widths[2], widths  # wide tables scroll inside their box
    assert visit.complaints == [] and visit.blocked == []
    visit.page.close()
