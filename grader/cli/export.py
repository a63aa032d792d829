"""The instructor's ``grade export``: a batch's gradebook as a file an LMS imports (``grader.batch.lms``)."""

from __future__ import annotations

from pathlib import Path

import click

import grader.cli.group as group
from grader.cli.group import cli

FORMATS = ("canvas", "moodle", "csv")  # grader.batch.lms.FORMATS: not imported, a student release lacks it


@cli.command("export", short_help="Write a batch's grades for Canvas, Moodle or as grades.csv.")
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "format_", required=True, type=click.Choice(FORMATS),
              help="canvas: Canvas's Gradebook import CSV; moodle: for Moodle's grade import from CSV; "
                   "csv: the bytes of grades.csv.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV mapping submission folder names to LMS identities (its columns are above).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write (default: RESULTS/export-FORMAT.csv).")
def export_command(results, format_, roster, output):
    """Write the grades in RESULTS (what `grade batch --out RESULTS` left) as a file to import.

    One row per student in the gradebook, sorted; a column per exercise
    (`Exercise 3: A manual SGD step`, which the LMS matches by name or
    creates) and the total. Canvas's file has the header Student, ID, SIS
    User ID, SIS Login ID, Section and a Points Possible row; Canvas skips
    the total ("Exercises Final Points") on import. Moodle's has one user
    column (map it as "Map from" on Moodle's preview page), the exercises,
    and a total to leave unmapped; Moodle stops an import at a user it does
    not know. UTF-8, CRLF line ends; the same gradebook gives the same bytes.

    \b
    The roster (--roster roster.csv): a header row, then a row per student.
      student                  the submission folder name (required)
      name, id, sis_user_id,   Canvas: Student, ID, SIS User ID,
      sis_login_id, section      SIS Login ID, Section (one of the
                                 first four is needed)
      email, username,         Moodle: the first of these the roster
      idnumber, userid           has identifies the user
    Other columns are ignored. Without a roster, the folder name is the
    identity (Canvas: Student and SIS Login ID; Moodle: Username).

    Students who cannot be imported are left out of the file and named on
    stderr: those the roster lacks or gives no identity, and roster
    students with no submission (left out so that the LMS keeps their
    grade: an empty cell would clear it). Exit status 0 once the file is
    written, 1 while a batch is still writing to RESULTS, 2 on a usage
    error (no gradebook in RESULTS, a roster without a student column…).
    """
    lms = group.instructor("grader.batch.lms", "export")

    from grader.grading.untrusted import terminal

    done = lms.export(results=results, format=format_, roster=roster, output=output)
    for line in done.warnings():  # they name students by folder: control characters shown, never sent
        click.echo(terminal(line), err=True)
    click.echo(terminal(done.summary()))
