"""How long `grade exercise-N` takes on a correct submission, against `python -c "import torch"`.

    python bench/grade_speed.py [--exercise exercise-3 ...] [--runs 7]

Runs the two commands interleaved on the same machine (so load affects both
alike) and prints each one's median wall time and their ratio. Target: ≤ 1.5×.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = 'python -c "import torch"'


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - start
    if done.returncode not in (0,):
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", action="append", help="exercise id (repeatable; default exercise-3)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    exercises = args.exercise or ["exercise-3"]
    grade = str(Path(sys.executable).with_name("grade"))
    baseline_cmd = [sys.executable, "-c", "import torch"]
    print(f"# {' '.join(['python', *sys.argv])}   ({args.runs} interleaved runs, medians)")
    print(f"{'command':58} {'median s':>9} {'ratio':>6}")
    for exercise in exercises:
        solution = f"solutions/{exercise.replace('-', '_')}.py"
        grade_cmd = [grade, exercise, "--submission", solution, "--device", "cpu"]
        wall(grade_cmd)  # warm the page cache for both
        wall(baseline_cmd)
        base, ours = [], []
        for _ in range(args.runs):
            base.append(wall(baseline_cmd))
            ours.append(wall(grade_cmd))
        b, o = statistics.median(base), statistics.median(ours)
        print(f"{BASELINE:58} {b:9.3f}")
        print(f"{' '.join(['grade', *grade_cmd[1:]]):58} {o:9.3f} {o / b:6.2f}x")


if __name__ == "__main__":
    main()
