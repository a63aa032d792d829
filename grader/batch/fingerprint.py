"""What a stored verdict depends on besides the student's code, so that a resumed batch regrades
only what changed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import grader
from grader.course import Course, Exercise

# Grader modules whose code does not change verdicts: the instructor's side of a batch (reading
# submissions, handing students to judges, storing and writing results) and the terminal.
NOT_IN_FINGERPRINT = {"batch/run.py", "batch/pool.py", "batch/fingerprint.py", "batch/gradebook.py",
                      "batch/exports.py", "batch/intake.py", "cli/__init__.py", "cli/group.py", "cli/student.py",
                      "cli/instructor.py", "grading/report.py", "grading/markdown.py"}


def fingerprint(course: Course, exercise: Exercise, device: str) -> str:
    """What this exercise's verdicts depend on besides the student's code.

    The grader's own code (checks, probes, comparisons, sandbox), the reference
    solution or release data, and the limits and device: change any, and the
    stored results no longer count as current.
    """
    package = Path(grader.__file__).parent
    digest = hashlib.sha256()
    # The engine, less the instructor's side of a batch; the course's shared content and this
    # exercise's folder, not the other exercises'.
    others = [course.content_dir(e) for e in course.exercises if e != exercise]
    files = [p for p in sorted({*package.rglob("*"), *course.content.rglob("*")})
             if p.is_file() and p.suffix in (".py", ".grdr") and "__pycache__" not in p.parts
             and p.relative_to(package if p.is_relative_to(package) else course.content).as_posix()
             not in NOT_IN_FINGERPRINT and not any(p.is_relative_to(o) for o in others)]
    solution = course.solution_file(exercise)
    for path in [*files, *([solution] if solution.is_file() else [])]:
        name = str(path.relative_to(course.root) if path.is_relative_to(course.root) else path.name).encode()
        data = path.read_bytes()
        digest.update(len(name).to_bytes(8, "little") + name + len(data).to_bytes(8, "little") + data)
    limits = {"timeout": exercise.timeout, "memory": course.memory_mb, "output": course.output_limit,
              "device": device}
    digest.update(json.dumps(limits, sort_keys=True).encode())
    return digest.hexdigest()
