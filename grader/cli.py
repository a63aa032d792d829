"""The ``grade`` command: a thin click layer over ``grader.grading.runner`` and friends.

Exit codes: 0 every check passed, 1 some check failed, 2 usage error.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

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

        try:
            return super().invoke(ctx)
        except UsageProblem as exc:
            if exc.param_hint:
                raise click.BadParameter(exc.message, param_hint=exc.param_hint) from None
            raise click.UsageError(exc.message) from None
        except GraderProblem as exc:
            error = click.ClickException(exc.message)
            error.exit_code = exc.exit_code
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
      grade doctor                            how isolated student code is here
      grade validate                          prove the course right (course CI)
      grade release OUT                       write what students get
      grade gradescope OUT.zip                build a Gradescope autograder
      grade new exercise-7 --title T --functions f,g   start a new exercise
    """


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
def check_command(exercise, submission, public_only, device, as_json):
    """Grade one EXERCISE (an id such as exercise-3)."""
    from grader import course as courses

    course = courses.load()
    spec = course.exercise(exercise)
    from grader.grading import find
    from grader.grading import runner as grading
    from grader.grading import submission as submissions

    where = submission or course.exercises_dir
    if find.is_zip(submission):  # unpacked as `grade batch` unpacks zips, into a folder removed on exit
        try:
            where = click.get_current_context().with_resource(
                find.unpacked(submission, shown=submissions.display_path(submission)))
        except find.UnsafeZip as exc:
            raise click.BadParameter(f"{submission.name}: {exc}", param_hint="--submission") from None
    found = find.find(where, spec.stem)  # the rule `grade batch` and Gradescope use too
    path = found.path
    if path is None:
        shown = submissions.display_path(submission or course.exercises_dir)
        message = found.problem or f"no {spec.stem}.py or {spec.stem}.ipynb in {shown}"
        if submission is not None:
            raise click.BadParameter(message, param_hint="--submission")
        raise click.ClickException(message if found.problem else
                                   f"{message}: is this the course folder you were given?")
    _warm_start(course, (spec,))
    from grader.grading import report

    colour = _stdout_colour()
    shown, stdout = [], sys.stdout  # the checks run with stdout redirected: print to the real one

    def show(context, check):  # each check's line as soon as it is decided: no silent screen
        lines = [] if shown else report.head(spec.id, spec.title, context.submission.path and
                                             submissions.display_path(context.submission.path),
                                             context.submission.problem or context.submission.note, colour)
        shown.append(check)
        lines += report.check_lines(check, context.submission.problem, 1, colour)
        try:
            click.echo("\n".join(lines), stdout, color=colour)
        except OSError:  # the reader went away (`| head`): grading goes on, its exit status still counts
            pass

    result = grading.grade_exercise(course=course, exercise=spec, path=path,
                                    device=grading.resolve_device(device, course), public_only=public_only,
                                    on_check=None if as_json else show)
    if result.isolation.startswith("unjailed"):  # one line, on stderr: --json stays clean
        click.echo(f"warning: your code ran without the grader's jail ({result.isolation[len('unjailed: '):]}); "
                   "run `grade doctor` for details.", err=True)
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


@cli.command("batch", short_help="Grade a whole class into a crash-safe gradebook.")
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for gradebook.sqlite, grades.csv and one folder per student.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Grading processes (default: CPU count).")
@click.option("--regrade", is_flag=True, help="Grade again what the gradebook already holds.")
@click.option("--exercise", "exercises", multiple=True, help="Only this exercise (repeatable; default: all).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
              help="Seconds one check may run (default: course.toml).")
@click.option("--memory", type=click.IntRange(min=1), help="MB a worker may use (default: course.toml).")
@click.option("--device", type=DEVICES, default="cpu", show_default=True,
              help="Where student and reference code run.")
@click.option("--allow-unsandboxed", is_flag=True,
              help="Grade even where student code cannot be jailed (see `grade doctor`): students could then "
                   "read each other's files and the results. Every result records it.")
def batch_command(submissions, out, jobs, regrade, exercises, timeout, memory, device, allow_unsandboxed):
    """Grade a class: every student entry in SUBMISSIONS (a folder, .zip, .py or .ipynb each).

    A rerun grades only what changed; Ctrl-C keeps every student already
    graded. Exit status 0 when every student has a result (errors included,
    listed in the summary), 130 when interrupted.
    """
    batch = _instructor("grader.batch.run", "batch")

    report = batch.run(submissions=submissions, out=out, jobs=jobs, regrade=regrade, exercises=exercises,
                       timeout=timeout, memory=memory, device=device, fork_server=_PRISTINE,
                       progress=_progress_bar, allow_unsandboxed=allow_unsandboxed)
    click.echo(report.summary)


@contextlib.contextmanager
def _progress_bar(students: int):
    """click's progress bar on stderr (hidden when it is not a terminal); yields what to call as
    each student is graded."""
    with click.progressbar(length=students, label="grading", file=sys.stderr, show_eta=True,
                           show_pos=True, width=24, item_show_func=lambda sid: sid) as bar:
        yield lambda sid: bar.update(1, sid)


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
    sys.exit(0 if all(p.holds for p in found) else 1)


@cli.command("validate", short_help="Prove the course right (for course CI).")
@click.argument("exercises", nargs=-1)
@click.option("--junit-xml", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also write the findings as JUnit XML to this file, for CI systems.")
@click.option("--device", type=DEVICES, default="cpu", show_default=True,
              help="Where solutions, stubs and mistakes are graded.")
def validate_command(exercises, junit_xml, device):
    """Prove the course right: solutions full marks, stubs zero, mistakes caught (for course CI).

    Validates every exercise, or only the EXERCISES named. Exit status 0 when
    everything holds, 1 when something is off.
    """
    from grader import course as courses
    from grader.grading import runner as grading
    validate = _instructor("grader.authoring.validate", "validate")

    course = courses.load()
    for exercise in exercises:
        course.exercise(exercise)  # an unknown id is a usage error before any grading starts
    _warm_start(course)
    found = validate.validate(course=course, exercises=exercises, device=grading.resolve_device(device))
    if junit_xml:
        junit_xml.write_text(found.junit_xml(), encoding="utf-8")
    colour = _stdout_colour()
    click.echo(found.render(colour=colour), color=colour)
    sys.exit(0 if found.ok else 1)


@cli.command("release", short_help="Write the student release of the course.")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def release_command(out, force):
    """Write the student release to the folder OUT: stubs, notebooks, public checks, reference data."""
    from grader import course as courses
    release = _instructor("grader.authoring.release", "release")

    course = courses.load()
    release.check_destination(course, out, force)  # before paying for torch
    _warm_start(course)
    click.echo(release.release(course=course, out=out, force=force).summary())


@cli.command("gradescope", short_help="Build a Gradescope autograder zip.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--exercise", "exercises", multiple=True,
              help="Grade only this exercise (repeatable; default: all of them).")
@click.option("--allow-unsandboxed", is_flag=True,
              help="Let the autograder grade even where Gradescope's container allows no jail for student "
                   "code (it then could read the solutions); results record it.")
def gradescope_command(out, exercises, allow_unsandboxed):
    """Write a Gradescope autograder zip to OUT (grades with every check, hidden ones included)."""
    from grader import course as courses
    gradescope = _instructor("grader.authoring.gradescope", "gradescope")

    course = courses.load()
    for exercise in exercises:
        course.exercise(exercise)
    click.echo(gradescope.build(course=course, out=out, exercises=exercises, allow_unsandboxed=allow_unsandboxed))


@cli.command("new", short_help="Start a new exercise: stub, solution, a worked check, course.toml.")
@click.argument("exercise")
@click.option("--title", required=True, help="The exercise's title, as `grade list` shows it.")
@click.option("--functions", required=True, help="The functions students write, comma-separated: f,g.")
@click.option("--points", type=int, default=10, show_default=True, help="What the exercise is worth.")
def new_command(exercise, title, functions, points):
    """Start the new exercise EXERCISE (an id such as exercise-7) in this course.

    Writes its stub, a solution to fill in, its probes and one worked check, an
    example for the mistake corpus, and its entry at the end of course.toml;
    refuses (exit 2) when any of it exists. `grade validate EXERCISE` then says
    what is still missing.
    """
    from grader import course as courses
    scaffold = _instructor("grader.authoring.scaffold", "new")

    names = tuple(name.strip() for name in functions.split(",") if name.strip())
    made = scaffold.new_exercise(course=courses.load(), exercise_id=exercise, title=title,
                                 functions=names, points=points)
    click.echo(made.summary())

def _instructor(module: str, command: str):
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


def _stdout_colour() -> bool:
    from grader.grading import report

    return report.use_colour(sys.stdout.isatty())


_PRISTINE = False  # True only in the ``grade`` process itself, before any torch op has run


def _warm_start(course, exercises=None) -> None:
    """Import torch once, then fork the worker server from this still-pristine process.

    Anywhere else (click's CliRunner inside a test session that has computed
    with torch already), ``sandbox.current()`` spawns a fresh one instead.
    """
    global _PRISTINE
    from grader.isolation import client as sandbox

    if _PRISTINE and sandbox._current is None:
        import importlib

        from grader.grading import content

        content.importable(course)  # a course's content need not live inside the grader package
        loaded = []
        for name in content.probe_modules(course, exercises):
            try:
                importlib.import_module(name)  # imports only: no torch op runs
            except Exception:  # noqa: BLE001 - its checks report it, as a finding or a grader error
                continue
            loaded.append(name)
        sandbox.fork_zygote(tuple(loaded))
    _PRISTINE = False


def main() -> None:
    """The console script: run the command, then leave without tearing torch down.

    Interpreter shutdown with torch loaded costs ~0.5 s, a third of a whole
    run; everything worth keeping is flushed first.
    """
    global _PRISTINE
    _PRISTINE = True
    try:
        cli(prog_name="grade")
        code = 0
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):
        click.echo(code, err=True)
        code = 1
    from grader.isolation import client as sandbox

    sandbox._shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
