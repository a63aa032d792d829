"""The ``grade`` group, its error handling, and what the commands share."""

from __future__ import annotations

import os
import sys

import click

DEVICES = click.Choice(["auto", "cpu", "cuda"])


class ExerciseGroup(click.Group):
    """``grade exercise-3`` is short for ``grade check exercise-3``."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["check", *args]
        return super().resolve_command(ctx, args)

    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, "EXERCISE [OPTIONS] | COMMAND [ARGS]...")

    def invoke(self, ctx):
        """The grader's own exceptions (``grader.errors``) become click's, with their exit codes."""
        from grader.errors import GraderProblem, UsageProblem
        from grader.grading.untrusted import terminal

        # A message may name a student's folder or quote their code: its control characters are shown.
        try:
            return super().invoke(ctx)
        except UsageProblem as exc:
            if exc.param_hint:
                raise click.BadParameter(terminal(exc.message), param_hint=exc.param_hint) from None
            raise click.UsageError(terminal(exc.message)) from None
        except GraderProblem as exc:
            error = click.ClickException(terminal(exc.message))
            error.exit_code = exc.exit_code  # type: ignore[misc]  # click types it a ClassVar; click reads the instance's
            raise error from None


@click.group(cls=ExerciseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="optim-grader", prog_name="grade")
def cli():
    """Grade your work on the exercises of a course (its course.toml says which).

    \b
      grade exercise-3                 grade exercises/exercise_3.py
      grade exercise-3 --public        only the checks you have in your release
      grade exercise-3 --submission my_try.py
      grade list                       the exercises and their points

    Run it from anywhere inside the course folder. Exit status: 0 when every
    check passed, 1 when some failed, 2 on a usage error.

    \b
    For instructors:
      grade batch SUBMISSIONS --out RESULTS   grade a whole class
      grade report RESULTS                    what the class got wrong (one HTML page)
      grade export RESULTS --format canvas    grades for Canvas, Moodle or as CSV
      grade doctor                            how isolated student code is here
      grade validate                          prove the course right (course CI)
      grade release OUT                       write what students get
      grade gradescope OUT.zip                build a Gradescope autograder
      grade new exercise-7 --title T --functions f,g   start a new exercise
    """


def instructor(module: str, command: str):
    """The instructor-side module behind ``grade COMMAND``; a usage error in a student release,
    which leaves the instructor's side of the grader out."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            from grader.errors import UsageProblem

            raise UsageProblem(f"`grade {command}` is an instructor's command, and this copy of the course "
                               "(a student release) does not include it") from None
        raise


def stdout_colour() -> bool:
    from grader.grading import report

    return report.use_colour(sys.stdout.isatty())


PRISTINE = False  # True only in the ``grade`` process itself, before any torch op has run


def warm_start(course, exercises=None) -> None:
    """Import torch once, then fork the worker server from this still-pristine process.

    Anywhere else (click's CliRunner inside a test session that has computed
    with torch already), ``client.current()`` spawns a fresh one instead.
    """
    global PRISTINE
    from grader.isolation import client

    if PRISTINE and client._current is None:
        from grader.grading import content

        client.start_forked(content.load_probes(course, exercises))
    PRISTINE = False


def main() -> None:
    """The console script: run the command, then leave without tearing torch down.

    Interpreter shutdown with torch loaded costs ~0.5 s, a third of a whole
    run; everything worth keeping is flushed first.
    """
    global PRISTINE
    PRISTINE = True
    try:
        cli(prog_name="grade")
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):
        click.echo(code, err=True)
        code = 1
    from grader.isolation import client

    client._shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
