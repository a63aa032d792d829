"""What a stored verdict depends on besides the student's code, so that a resumed batch regrades
only what changed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import grader
from grader.course import CHECKS_FILE, Course, Exercise

# Grader modules whose code does not change verdicts: the instructor's side of a batch (reading
# submissions, handing students to judges, storing and writing results) and the terminal.
NOT_IN_FINGERPRINT = {"batch/run.py", "batch/pool.py", "batch/fingerprint.py", "batch/gradebook.py",
                      "batch/guards.py", "batch/cluster.py", "batch/on_worker.py", "batch/warm_judges.py",
                      "batch/exports.py", "batch/intake.py", "batch/lms.py", "batch/roster.py",
                      "batch/meter.py", "batch/classreport.py", "batch/plots.py", "batch/report_html.py",
                      "batch/report_assets.py",
                      "cli/__init__.py", "cli/group.py", "cli/student.py", "cli/instructor.py", "cli/export.py",
                      "cli/report.py", "grading/report.py", "grading/markdown.py"}

# The engine's layers (tests/test_structure.py holds them apart); anything else in the package is content.
ENGINE = ("cli", "isolation", "grading", "batch", "authoring")


def fingerprint(course: Course, exercise: Exercise, device: str) -> str:
    """What this exercise's verdicts depend on besides the student's code.

    The grader's own code (checks, probes, comparisons, fork server), the reference
    solution or release data, and the limits and device: change any, and the
    stored results no longer count as current.
    """
    package = Path(grader.__file__).parent
    digest = hashlib.sha256()
    # The engine, less the instructor's side of a batch; the course's shared content and this
    # exercise's folder, not the other exercises' (an exercise's folder is one with a checks file).
    others = [p.parent for p in course.content.rglob(CHECKS_FILE) if p.parent != course.content_dir(exercise)]
    # The engine is the package less any course content inside it (this repository's own lesson):
    # a course whose content lies elsewhere does not depend on that.
    engine = [p for p in package.rglob("*") if p.parent == package or p.relative_to(package).parts[0] in ENGINE]
    files = [p for p in {*engine, *course.content.rglob("*")}
             if p.is_file() and p.suffix in (".py", ".grdr") and "__pycache__" not in p.parts
             and p.relative_to(package if p.is_relative_to(package) else course.content).as_posix()
             not in NOT_IN_FINGERPRINT and not any(p.is_relative_to(o) for o in others)]
    solution = course.solution_file(exercise)

    def name(path: Path) -> str:  # the same wherever the grader is installed and the course lies: a
        # cluster's workers compare their fingerprints with the instructor's
        return (f"grader/{path.relative_to(package).as_posix()}" if path.is_relative_to(package)
                else path.relative_to(course.root).as_posix() if path.is_relative_to(course.root) else path.name)

    named = sorted((name(p), p) for p in files) + ([(name(solution), solution)] if solution.is_file() else [])
    for label, path in named:
        key, data = label.encode(), path.read_bytes()
        digest.update(len(key).to_bytes(8, "little") + key + len(data).to_bytes(8, "little") + data)
    limits = {"timeout": exercise.timeout, "memory": course.memory_mb, "output": course.output_limit,
              "device": device}
    digest.update(json.dumps(limits, sort_keys=True).encode())
    return digest.hexdigest()
