"""Grade every solution, correct variant and mistake on two devices and compare the verdicts.

    python bench/gpu_verdicts.py [--device cuda] [--against cpu]

Each file of the course (solutions/, tests/correct/, tests/mistakes/) is graded
with every check on ``--device`` and on ``--against``; the verdicts (which
checks pass) must be identical. Prints one line per difference and a last
summary line; exits 1 on any difference. ``bench/gpu_check.sh`` runs it on a
machine with a GPU; ``--device cpu`` checks the harness itself anywhere.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def submissions(course) -> list[tuple[str, Path]]:
    found = []
    for exercise in course.exercises:
        stem = exercise.file.rsplit(".", 1)[0]
        found.append((exercise.id, course.solutions_dir / exercise.file))
        for folder in (ROOT / "tests" / "correct" / stem, ROOT / "tests" / "mistakes" / stem):
            found += [(exercise.id, p) for p in sorted(folder.glob("*.py"))]
    return [(e, p) for e, p in found if p.is_file()]


def verdicts(course, items, device: str) -> dict[tuple[str, str], tuple[tuple[str, bool], ...]]:
    from grader.grading import runner as grading

    return {(eid, str(path)): tuple((c.name, c.passed) for c in grading.grade_exercise(
        course=course, exercise=course.exercise(eid), path=path, device=device).checks)
        for eid, path in items}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--against", default="cpu")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from grader import course as courses

    course = courses.load(ROOT)
    items = submissions(course)
    started = time.monotonic()
    one = verdicts(course, items, args.device)
    other = verdicts(course, items, args.against)
    differ = [key for key in one if one[key] != other[key]]
    for eid, path in differ:
        changed = [f"{n}: {p} on {args.device}" for (n, p), (_, q) in zip(one[(eid, path)], other[(eid, path)])
                   if p != q]
        print(f"DIFFERS {eid} {Path(path).relative_to(ROOT)}: {'; '.join(changed) or 'other checks ran'}")
    print(f"{len(items)} submissions × 2 devices in {time.monotonic() - started:.0f} s: "
          f"{len(items) - len(differ)} same verdicts on {args.device} and {args.against}, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
