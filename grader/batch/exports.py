"""The files a batch writes from its store, and the summary it prints.

``grades.csv`` (one row per student), each student's ``results.json`` (Gradescope's
shape, by the one writer ``grader.grading.results``) and ``feedback.md``
(``grader.grading.markdown``), all through ``write_atomic``: the same store gives
the same bytes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.batch.gradebook import ERROR, MISSING, Gradebook, Graded, write_atomic
from grader.grading import markdown, results
from grader.grading.untrusted import csv_cell, terminal_line


STUDENTS_NAME = "students"  # RESULTS/students/<student>/: each student's results.json and feedback.md


def student_folder(out: Path, student: str) -> Path:
    """Where ``student``'s results.json and feedback.md are: ``RESULTS/students/<student>``.

    A student id is a folder's name, and a folder may be named anything the batch writes itself
    (``gradebook.sqlite-wal``, ``report.html``, ``export-canvas.csv``, …, in any case): in a folder
    of their own, no student's name can collide with one of the batch's files, today's or a later
    version's, and no name needs refusing."""
    return out / STUDENTS_NAME / student


def student_files(store: Gradebook, out: Path, sid: str, chosen) -> None:
    """Write ``sid``'s results.json and feedback.md (in ``student_folder``) from what the store
    holds for the ``chosen`` exercises."""
    rows = store.student(sid, [e.id for e in chosen])
    if not rows:
        return
    worth = {e.id: float(e.points) for e in chosen}
    folder = student_folder(out, sid)
    write_atomic(folder / "results.json", results_json(rows, worth))
    write_atomic(folder / "feedback.md", feedback_md(sid, rows, worth))


def results_json(graded: list[Graded], worth: dict[str, float]) -> str:
    """A student's results in Gradescope's results.json shape, over the exercises graded (in ``worth``'s
    order); an exercise that could not be graded is one failed test carrying the reason."""
    rows = _in_order(graded, worth)
    errors = [f"{g.exercise}: {g.reason}" for g in rows if g.status == ERROR]
    isolation = {g.exercise: g.result.isolation for g in rows if g.result.isolation}
    return results.dumps(results.gradescope(
        [g.result for g in rows], worth=worth, reasons={g.exercise: g.reason for g in rows},
        output="\n".join(errors) if errors else None,
        # an extra field the results.json schema allows: what the code ran under, per exercise
        extra_data={"isolation": isolation} if isolation else None))


def feedback_md(student: str, graded: list[Graded], worth: dict[str, float]) -> str:
    """Readable feedback for one student, to hand back."""
    rows = _in_order(graded, worth)
    return markdown.feedback_md(student, [g.result for g in rows], worth,
                                errors={g.exercise: g.reason for g in rows if g.status == ERROR},
                                notes={g.exercise: g.reason for g in rows if g.status != ERROR},
                                unsubmitted=frozenset(g.exercise for g in rows if g.status == MISSING))


def _in_order(graded: list[Graded], worth: dict[str, float]) -> list[Graded]:
    by_id = {g.exercise: g for g in graded}
    return [by_id[eid] for eid in worth if eid in by_id]


def grades_csv(rows: dict[str, list[Graded]], exercises: list[tuple[str, float]]) -> str:
    """One row per student (sorted by id): id, points per exercise, total, maximum. The id is a folder's
    name, which a spreadsheet must not take for a formula: one that starts like one is quoted
    (``untrusted.csv_cell``); the points are numbers, written as they are."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", *[eid for eid, _ in exercises], "total", "maximum"])
    maximum = sum(points for _, points in exercises)
    for student in sorted(rows):
        scores = {g.exercise: g.score for g in rows[student]}
        cells = [scores.get(eid, 0.0) for eid, _ in exercises]
        writer.writerow([csv_cell(student), *map(_number, cells), _number(sum(cells)), _number(maximum)])
    return out.getvalue()


def _number(value: float) -> str:
    return f"{value:g}"


# ---------------------------------------------------------------- the terminal summary

def summary(rows: dict[str, list[Graded]], exercises: list[tuple[str, float]], *, graded: int, skipped: int,
            errors, seconds: float, cpu: float, out: Path) -> str:
    """Students graded, mean and distribution per exercise, the checks failed most, the errors and why.
    Names and reasons are shown on one line each, their control characters escaped (a terminal shows it)."""
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
                for c in g.result.checks:
                    if not c.passed:
                        failed[(g.exercise, c.title)] = failed.get((g.exercise, c.title), 0) + 1
    if failed:
        lines += ["", "Checks failed most often (students):"]
        for (eid, title), count in sorted(failed.items(), key=lambda kv: (-kv[1], kv[0]))[:8]:
            lines.append(f"  {count:4d}  {eid}: {terminal_line(title)}")
    lines += _who(rows, [eid for eid, _ in exercises])
    ran = [g.result.isolation for sid in rows for g in rows[sid] if g.result.isolation]
    unjailed = sorted({isolation for isolation in ran if isolation != "jail"})
    if unjailed:
        lines += ["", f"WARNING: {sum(i != 'jail' for i in ran)} of {len(ran)} exercise submissions "
                  f"ran outside the jail ({'; '.join(unjailed)}): they could read other students' files "
                  "and the results. See `grade doctor`."]
    elif ran:
        lines += ["", f"Isolation: all {len(ran)} exercise submissions that ran code ran in the jail."]
    if errors:
        lines += ["", f"Errors ({len(errors)}): scored what their checks gave; each student's feedback.md says more"]
        for student, eid, reason in errors[:20]:
            lines.append(f"  {terminal_line(student)} {eid}: {terminal_line(_clip(reason, 150))}")
        if len(errors) > 20:
            lines.append(f"  … and {len(errors) - 20} more (all in the gradebook's submissions table)")
    return "\n".join(lines)


def _who(rows: dict[str, list[Graded]], exercises: list[str]) -> list[str]:
    """Who handed in nothing, who missed which exercise, and whose file could not be read: named."""
    lines = []
    nothing = sorted(sid for sid, gs in rows.items() if gs and all(g.status == MISSING for g in gs))
    if nothing:
        lines += ["", f"Handed in nothing ({len(nothing)}): {_names(nothing)}"]
    missed = {eid: sorted(sid for sid, gs in rows.items() if sid not in nothing
                          for g in gs if g.exercise == eid and g.status == MISSING) for eid in exercises}
    if any(missed.values()):
        lines += ["", "Not submitted (0 points each):"]
        lines += [f"  {eid} ({len(sids)}): {_names(sids)}" for eid, sids in missed.items() if sids]
    unreadable = {eid: sorted(sid for sid, gs in rows.items() for g in gs if g.exercise == eid and g.status != MISSING
                              and any(c.mistake in UNREADABLE for c in g.result.checks)) for eid in exercises}
    if any(unreadable.values()):
        lines += ["", "Could not be read (0 points; their feedback.md says why):"]
        lines += [f"  {eid} ({len(sids)}): {_names(sids)}" for eid, sids in unreadable.items() if sids]
    return lines


# the file, not the code in it, is the problem
UNREADABLE = {"code.unreadable", "submission.unusable", "submission.too_large"}


def _names(sids: list[str], most: int = 30) -> str:
    return ", ".join(map(terminal_line, sids[:most])) + (f" … and {len(sids) - most} more" if len(sids) > most else "")


def _histogram(scores: list[float], points: float) -> str:
    """How many students scored in each band of about a fifth of the points: ``0–1: 3 · 2–3: 0 · … · 10: 41``."""
    step = max(1, round(points / 5))
    bands: list[str] = []
    low: float = 0
    while low <= points:
        high = low + step - 1 if low + step <= points else points
        count = sum(1 for s in scores if low <= s < high + 1 or (high == points and s >= low))
        bands.append(f"{low:g}{'' if high == low else f'–{high:g}'}: {count}")
        low = high + 1
    return " · ".join(bands)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
