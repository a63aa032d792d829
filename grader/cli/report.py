"""``grade report RESULTS``: the class report of a graded class, as one HTML page."""

from __future__ import annotations

from pathlib import Path

import click

import grader.cli.group as group
from grader.cli.group import cli


@cli.command("report", short_help="Write the class report (one HTML page) of a graded class.")
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the page here (default: RESULTS/report.html).")
def report_command(results, output):
    """Write what the class got wrong, at a glance: the page RESULTS/report.html (or --output).

    RESULTS is a folder `grade batch` graded into (it writes this report at the end of every run
    too). The page shows each exercise's scores, each check's pass rate and the mistakes behind
    its failures, the class's top misconceptions with the lesson ideas they come from, every
    student's scores with a link to their feedback, the errors and what graded the class. It is
    one file that needs no network: open it in any browser, or send it on.
    """
    from grader import course as courses
    report_html = group.instructor("grader.batch.report_html", "report")

    from grader.grading.untrusted import terminal

    click.echo(terminal(report_html.write(results=results, course=courses.load(), output=output).summary()))
