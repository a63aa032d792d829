"""The answer scan: does the code a release ships do an exercise?

Students get the release's lesson code (probes, public checks, the lesson's helpers) and can
import it, or paste it into their files. ``reproduced`` looks for a function in it that computes
an answer. In a fresh Python that imports the grader from the release folder (never the course's
own), it imports every module of the release's lesson content and takes every function one
defines, each in every way it could stand in for an exercise's function:

- itself, when it accepts that function's arguments;
- what it returns when it makes functions (a factory: it defines one inside), called with no
  arguments or with its own literals (and "", None, True, False, 0) as its arguments;
- each item of what it returns (a dict's values, a tuple's or list's items), called as itself.

Each is run through the exercise's probes on every scenario whose reference outcome the release
stores, on the CPU. One that gives a part of the stored outcome (a top-level field) that doing
nothing does not give reproduces a reference outcome: a student calling it would score there,
so the release is refused with the file, the function and the scenario. To stay quick (a few
seconds for this course), a candidate that raises on a copy of the first scenario's arguments is
no answer and goes no further, and one for a function of no arguments is called once. The scan
runs on a throwaway copy of the bundle (a candidate may write files). The checks' known-wrong
implementations never reach it: a release cuts them out (``grader.authoring.hidden``). What it
cannot see: code that needs more than calling (a loop pasted out of a probe and edited).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.course import Course

SCAN = Path(__file__).with_name("answer_scan.py")  # what the fresh Python runs (as -c: nothing beside it on its path)
TIMEOUT = 900  # seconds for the whole scan; a candidate gets RUN_SECONDS per scenario
RUN_SECONDS = 10


def reproduced(bundle: Path, course: Course) -> list[str]:
    """One line per function the release folder ``bundle`` ships that reproduces a reference outcome
    the release stores, in the way it does; empty when none does."""
    bundle = Path(bundle).resolve()
    scratch = Path(tempfile.mkdtemp(prefix="answer-scan-"))
    try:
        # A copy: the functions tried may write files (a data generator), and the bundle must stay as written.
        copy = scratch / "bundle"
        shutil.copytree(bundle, copy)
        return _scan(copy, course, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _scan(bundle: Path, course: Course, scratch: Path) -> list[str]:
    found = scratch / "found.json"
    job = {
        "bundle": str(bundle),
        "out": str(found),
        "content": course.content_package,
        "reference": str(course.reference_file.relative_to(course.root)),
        "functions": sorted({f for e in course.exercises for f in e.functions}),
        "seconds": RUN_SECONDS,
    }
    # This process's import path for torch and the rest, without any folder that holds a grader or the
    # course's content package: the bundle's are the only ones the scan can import. -S: no site
    # processing either, so no .pth of the instructor's install (an editable grader) runs there; -B: the
    # bundle gets no compiled files.
    ours = {"grader", course.content_package.split(".")[0]}
    paths = [bundle, *(p for p in dict.fromkeys(sys.path)
                       if p and Path(p).is_dir() and not any((Path(p) / name).exists() for name in ours))]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    work = scratch / "cwd"
    work.mkdir()
    try:
        done = subprocess.run([sys.executable, "-S", "-B", "-c", SCAN.read_text(encoding="utf-8"), json.dumps(job),
                               *map(str, paths)],
                              cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return [f"the answer scan did not finish in {TIMEOUT} s: cannot say that the release computes no answer"]
    if done.returncode != 0 or not found.is_file():
        return ["the answer scan failed, so the release cannot be vouched for:\n" + done.stderr[-3000:]]
    return json.loads(found.read_text(encoding="utf-8"))
