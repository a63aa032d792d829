"""The commands a student runs: ``grade exercise-N`` (``check``), ``list``, ``doctor``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

import grader.cli.group as group
from grader.cli.group import DEVICES, cli

SALT_ENV = "GRADER_SALT"  # what --salt is read from when not given


@cli.command("check", short_help="Grade one exercise (what `grade exercise-3` runs).")
@click.argument("exercise")
@click.option("--submission", type=click.Path(exists=True, path_type=Path),
              help="A .py or .ipynb file, or a folder or .zip holding exercise_N.py or .ipynb, found "
                   "at any depth (default: the course's exercises/ folder).")
@click.option("--public", "public_only", is_flag=True, help="Run only the public checks.")
@click.option("--device", type=DEVICES, default="auto", show_default=True,
              help="Where your code and the reference run.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object in Gradescope's results.json shape, nothing else.")
@click.option("--salt", envvar=SALT_ENV, show_envvar=True, default=None,
              help="Instructors: build every check's inputs from this salt, as `grade batch` (the gradebook's "
                   "batch.salt) or the Gradescope autograder (the zip's grading-salt) did, to reproduce one "
                   "student's grade. Needs the solutions.")
def check_command(exercise, submission, public_only, device, as_json, salt):
    """Grade one EXERCISE (an id such as exercise-3)."""
    import os

    from grader import course as courses

    os.environ.pop(SALT_ENV, None)  # read: nothing started from here (the fork server) inherits it

    course = courses.load()
    spec = course.exercise(exercise)
    from grader.grading import find
    from grader.grading import runner as grading
    from grader.grading import submission as submissions
    from grader.grading.untrusted import terminal

    where = submission or course.exercises_dir
    if find.is_zip(submission):  # unpacked as `grade batch` unpacks zips, into a folder removed on exit
        try:
            where = click.get_current_context().with_resource(
                find.unpacked(submission, shown=submissions.display_path(submission)))
        except find.UnsafeZip as exc:
            raise click.BadParameter(terminal(f"{submission.name}: {exc}"), param_hint="--submission") from None
    found = find.find(where, spec.stem)  # the rule `grade batch` and Gradescope use too
    path = found.path
    if path is None:
        where = submissions.display_path(submission or course.exercises_dir)
        message = terminal(found.problem or f"no {spec.stem}.py or {spec.stem}.ipynb in {where}")
        if submission is not None:
            raise click.BadParameter(message, param_hint="--submission")
        raise click.ClickException(message if found.problem else
                                   f"{message}: is this the course folder you were given?")
    if not salt:  # salted, the fork server is spawned afresh (a torch import): it never held the salt
        group.warm_start(course, (spec,))
    from grader.grading import report

    colour = group.stdout_colour()
    shown: list = []  # the checks decided so far
    stdout = sys.stdout  # the checks run with stdout redirected: print to the real one

    def show(context, check):  # each check's line as soon as it is decided: no silent screen
        lines = [] if shown else report.head(spec.id, spec.title, context.submission.path and
                                             submissions.display_path(context.submission.path),
                                             context.submission.problem or context.submission.note, colour)
        lines += report.check_lines(check, context.submission.problem, 1, colour, shown)
        shown.append(check)
        try:
            click.echo("\n".join(lines), stdout, color=colour)
        except OSError:  # the reader went away (`| head`): grading goes on, its exit status still counts
            pass

    result = grading.grade_exercise(course=course, exercise=spec, path=path,
                                    device=grading.resolve_device(device, course), public_only=public_only,
                                    on_check=None if as_json else show, salt=salt or None)
    if result.isolation.startswith("unjailed"):  # one line, on stderr: --json stays clean
        why = terminal(result.isolation[len("unjailed: "):])
        click.echo(f"warning: your code ran without the grader's jail ({why}); run `grade doctor` for details.",
                   err=True)
    if as_json:
        from grader.grading.results import dumps

        click.echo(dumps(result.gradescope(), ascii=True), nl=False)  # a terminal's encoding is unknown
    elif shown:
        click.echo("\n".join(report.foot(result, colour)), color=colour)
    else:
        click.echo(report.render(result, colour=colour), color=colour)
    sys.exit(0 if result.passed else 1)


@cli.command("list", short_help="List the exercises with their titles and points.")
def list_command():
    """List the exercises with their titles and points."""
    from grader import course as courses

    course = courses.load()
    width = max(len(e.id) for e in course.exercises)
    click.echo(course.title)
    for e in course.exercises:
        click.echo(f"  {e.id.ljust(width)}  {e.points:>3g} points  {e.title}  ({', '.join(e.functions)})")
    click.echo(f"  {'total'.ljust(width)}  {course.max_points:>3g} points")


@cli.command("doctor", short_help="Show how isolated student code is on this machine.")
def doctor_command():
    """Show what isolation this machine gives student code, property by property.

    A throwaway worker enters the jail and tries, from inside, what a student
    might: its identity and capabilities, the network, a hidden file, the
    processes it can see, its limits. Exit status 0 when every property holds,
    1 when some do not (`grade batch` then needs --allow-unsandboxed).
    Set GRADER_NO_NAMESPACES=1 to see what a machine without namespaces gives.
    """
    from grader.isolation import doctor

    found = doctor.report()
    click.echo(doctor.render(found))
    sys.exit(0 if all(p.holds for p in found if p.required) else 1)  # the seccomp filter is not required
