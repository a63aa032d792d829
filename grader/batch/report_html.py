"""The class report as one static HTML page (``grade report RESULTS``, and the end of ``grade batch``).

The page is whole in one file: inline CSS, inline SVG plots (``grader.batch.plots``), a few lines
of inline script (``grader.batch.report_assets``); it fetches nothing, so it opens offline, from
a USB stick or an e-mail. Everything that came from the gradebook (student ids are folder names,
reasons and titles are text) is escaped here, on the way out, and nowhere else.
"""

from __future__ import annotations

import html
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from grader.batch import classreport, plots
from grader.batch.classreport import ClassReport, MistakeCount
from grader.batch.exports import student_folder
from grader.batch.gradebook import REPORT_NAME, STORE_NAME, Gradebook, write_atomic
from grader.batch.report_assets import CSS, SCRIPT
from grader.course import Course
from grader.errors import UsageProblem

NO_PLOTS = ("No plots: matplotlib is not installed here (pip install 'optim-grader[report]'); "
            "every number is still below.")


@dataclass(frozen=True)
class Written:
    """A report written to disk."""

    path: Path
    """The HTML file."""
    students: int
    """Students in it."""
    plotted: bool
    """Whether it has its plots (False: matplotlib is missing)."""

    def summary(self) -> str:
        return f"Class report ({self.students} students): {self.path}" + ("" if self.plotted else f"\n{NO_PLOTS}")


def write(*, results: Path, course: Course, output: Path | None = None, store: Gradebook | None = None,
          exercises: list[str] | None = None, students: list[str] | None = None) -> Written:
    """Build the report of the gradebook in ``results`` and write it, whole or not at all, to ``output``
    (default ``results/report.html``). ``store``: the gradebook, already open (the batch's)."""
    results = Path(results).resolve()
    output = Path(output).resolve() if output else results / REPORT_NAME
    if store is None:
        if not (results / STORE_NAME).is_file():
            raise UsageProblem(f"{results} holds no {STORE_NAME}: grade the class into it first "
                               f"(grade batch SUBMISSIONS --out {results})", "RESULTS")
        opened = Gradebook(results / STORE_NAME)
        try:
            report = classreport.build(opened, course, exercises=exercises, students=students)
        finally:
            opened.close()
    else:
        report = classreport.build(store, course, exercises=exercises, students=students)
    try:
        charts = {e.id: plots.histogram(e.histogram, e.points, label=f"{e.id}: {_bands(e.histogram)}",
                                        prefix=f"plot{n}") for n, e in enumerate(report.exercises)}
    except ImportError:  # matplotlib is an optional extra: the numbers carry the report alone
        charts = None
    write_atomic(output, render(report, results=results, base=output.parent, charts=charts))
    return Written(output, report.students, charts is not None)


def render(report: ClassReport, *, results: Path, base: Path, charts: dict[str, str] | None) -> str:
    """The page. ``base``: the folder it will be in (feedback links are relative to it); ``charts``:
    each exercise's ``<svg>``, or None to say plots are missing."""
    sections = [_exercises(report, charts), _misconceptions(report), _checks(report),
                _students(report, results, base), _errors(report), _ideas(report), _provenance(report, results)]
    nav = [("exercises", "Exercises"), ("misconceptions", "Misconceptions"), ("checks", "Checks"),
           ("students", "Students"), ("errors", "Errors"), ("ideas", "Ideas"), ("provenance", "Provenance")]
    return "\n".join([
        "<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',  # or the browser asks the server (or disk) for /favicon.ico
        f"<title>Class report · {_e(report.course)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<header><h1>Class report<small>{_e(report.course)}</small></h1>",
        f'<p class="lead">{report.students} students · {len(report.exercises)} exercises · '
        f"{_points(report.maximum)} points in all · newest grade {_e(report.provenance.newest) or '—'}</p>",
        "<nav>" + "".join(f'<a href="#{a}">{t}</a>' for a, t in nav) + "</nav></header>",
        "<main>", *sections, "</main>", f"<script>{SCRIPT}</script>", "</body>", "</html>", ""])


# ---------------------------------------------------------------- sections

def _exercises(report: ClassReport, charts) -> str:
    cards = []
    for e in report.exercises:
        chart = (f"<figure>{charts[e.id]}</figure>" if charts else f'<p class="bands">{_e(_bands(e.histogram))}</p>')
        figures = [("mean", _of(e.mean, e.points)), ("median", _of(e.median, e.points)),
                   ("handed in", str(e.handed_in)), ("not submitted", str(e.not_submitted)),
                   ("errored", str(e.errored))]
        cards.append(f'<article class="card" id="exercise-{_e(e.id)}"><h3>{_e(e.id)}: {_e(e.title)}</h3>{chart}'
                     '<dl class="figures">' + "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in figures)
                     + "</dl></article>")
    note = "" if charts is not None else f'<p class="note">{_e(NO_PLOTS)}</p>'
    return (f'<section id="exercises"><h2>Exercises</h2><p class="lead">Scores of the students who handed each '
            f'exercise in; full marks in green.</p>{note}<div class="cards">{"".join(cards)}</div></section>')


def _misconceptions(report: ClassReport) -> str:
    head = ["#", "Mistake", "Students", "Share of class", "Exercises"]
    known = _table([*head, "Lesson idea"], [
        [(str(n), n), _mistake(m), (str(m.students), m.students), _share(m), _e(", ".join(m.exercises)),
         _idea_link(report, m.idea)] for n, m in enumerate(report.misconceptions, 1)], numeric={0, 2, 3})
    generic = _table(head, [
        [(str(n), n), _mistake(m), (str(m.students), m.students), _share(m), _e(", ".join(m.exercises))]
        for n, m in enumerate(report.generic, 1)], numeric={0, 2, 3})
    return ('<section id="misconceptions"><h2>Top misconceptions</h2><p class="lead">Known mistakes, by how many '
            "students made them (a student counts once per mistake, however many checks it failed).</p>"
            + (known if report.misconceptions else "<p>No failed check named a known mistake.</p>")
            + "<h3>Failures no known mistake explains</h3><p class=\"lead\">What the grader could only describe "
            "from what it saw: wrong values, an exception, a limit.</p>"
            + (generic if report.generic else "<p>None.</p>") + "</section>")


def _checks(report: ClassReport) -> str:
    parts = ['<section id="checks"><h2>Checks</h2><p class="lead">Hardest first: the pass rate among the students '
             "who handed the exercise in, and the mistakes behind the failures (share of the whole class).</p>"]
    for e in report.exercises:
        parts.append(f"<h3>{_e(e.id)}: {_e(e.title)}</h3>" + (
            _table(["Check", "Pass rate", "Passed", "Mistakes behind the failures"],
                   [_check_row(c, report) for c in e.checks], numeric={1, 2})
            if e.checks else "<p>No check ran: nobody handed it in.</p>"))
    return "".join(parts) + "</section>"


def _check_row(c, report: ClassReport) -> list:
    hidden = ' <span class="muted">(hidden)</span>' if c.hidden else ""
    causes = [f"<li><b>{_students_of(m.students, report)}</b>: {_mistake(m)}</li>" for m in c.mistakes]
    if c.no_verdict:
        causes.append(f"<li><b>{_students_of(c.no_verdict, report)}</b>: no verdict, their grading ended in an "
                      '<a href="#errors">error</a></li>')
    return [f"{_e(c.title)}{hidden}<br><code>{_e(c.name)}</code>", (f"{c.pass_rate:.0%}", c.pass_rate),
            (f"{c.passed}/{c.handed_in}", c.passed), f'<ul class="mistakes">{"".join(causes)}</ul>']


def _students(report: ClassReport, results: Path, base: Path) -> str:
    rows = []
    for r in report.rows:
        feedback = student_folder(results, r.id) / "feedback.md"  # as grade batch writes it (grader.batch.exports)
        name = (f'<a href="{_e(quote(os.path.relpath(feedback, base)))}">{_e(r.id)}</a>' if feedback.is_file()
                else _e(r.id))
        cells: list[tuple[str, str | float]] = [(name, r.id.lower())]
        for score, errored in zip(r.scores, r.errored):
            cells.append(("—", -1) if score is None else
                         (_points(score) + (' <span class="err" title="its grading ended in an error">error</span>'
                                            if errored else ""), score))
        rows.append([*cells, (_points(r.total), r.total)])
    return ('<section id="students"><h2>Students</h2><p class="lead">Each name links to the feedback the student '
            f"gets; — is an exercise not handed in. Out of {_points(report.maximum)}.</p>"
            + _table(["Student", *(e.id for e in report.exercises), "Total"], rows,
                     numeric=set(range(1, len(report.exercises) + 2))) + "</section>")


def _errors(report: ClassReport) -> str:
    if not report.errors:
        return '<section id="errors"><h2>Errors</h2><p>No submission\'s grading ended in an error.</p></section>'
    return ('<section id="errors"><h2>Errors</h2><p class="lead">Submissions whose grading ended in an error, and '
            "why (they scored what their checks gave).</p>"
            + _table(["Student", "Exercise", "Why"], [[_e(s), _e(x), _e(why)] for s, x, why in report.errors])
            + "</section>")


def _ideas(report: ClassReport) -> str:
    items = "".join(f'<dt id="idea-{_e(i.id)}">{_e(i.title)}</dt><dd>{_e(i.text)}</dd>' for i in report.ideas)
    return ('<section id="ideas"><h2>Ideas</h2><p class="lead">The lesson\'s ideas, which each known mistake shows '
            f'a gap in.</p>{"<dl class=ideas>" + items + "</dl>" if items else "<p>The course lists none.</p>"}'
            "</section>")


def _provenance(report: ClassReport, results: Path) -> str:
    p = report.provenance
    facts = [("results", _e(str(results))), ("grader", _tally(p.grader_versions)), ("torch", _tally(p.torch_versions)),
             ("device", _tally(p.devices)), ("isolation", _tally(p.isolation)), ("newest grade", _e(p.newest) or "—")]
    return ('<section id="provenance"><h2>Provenance</h2><p class="lead">What graded this class (with how many '
            'exercise submissions each).</p><dl class="provenance">'
            + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl></section>")


# ---------------------------------------------------------------- pieces

def _table(head: list[str], rows: list[list], numeric: Collection[int] = frozenset()) -> str:
    """A sortable table; a cell is HTML, or (HTML, sort key) when its text does not sort right."""
    ths = "".join(f'<th scope="col"{" class=n" if n in numeric else ""}>{_e(h)}</th>' for n, h in enumerate(head))
    trs = []
    for row in rows:
        tds = []
        for n, cell in enumerate(row):
            text, key = cell if isinstance(cell, tuple) else (cell, None)
            tds.append(f'<td{" class=n" if n in numeric else ""}'
                       + ("" if key is None else f' data-sort="{_e(str(key))}"') + f">{text}</td>")
        trs.append("<tr>" + "".join(tds) + "</tr>")
    return (f'<div class="scroll"><table class="sortable"><thead><tr>{ths}</tr></thead>'
            f'<tbody>{"".join(trs)}</tbody></table></div>')


def _mistake(m: MistakeCount) -> str:
    return f"{_e(m.title)} <code>{_e(m.id)}</code>" if m.id and m.title != m.id else f"<code>{_e(m.id or '—')}</code>"


def _idea_link(report: ClassReport, idea: str | None) -> str:
    titles = {i.id: i.title for i in report.ideas}
    return f'<a href="#idea-{_e(idea)}">{_e(titles[idea])}</a>' if idea in titles else '<span class="muted">—</span>'


def _students_of(n: int, report: ClassReport) -> str:
    """``38 students (19%)``: how many, and their share of the class."""
    return f"{n} student{'s' if n != 1 else ''} ({n / max(report.students, 1):.0%})"


def _share(m: MistakeCount) -> tuple[str, float]:
    return f'{m.share:.0%}<span class="bar" style="width:{m.share * 6:.2f}rem"></span>', m.share


def _tally(values) -> str:
    return _e(", ".join(f"{v} ({n})" for v, n in values)) or "—"


def _bands(bins) -> str:
    return " · ".join(f"{b.label}: {b.count}" for b in bins)


def _of(value: float | None, points: float) -> str:
    return "—" if value is None else f"{value:.2f}".rstrip("0").rstrip(".") + f" / {points:g}"


def _points(value: float) -> str:
    return f"{value:g}"


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
