"""What one check costs in a worker: a fresh fork per check, against one worker per submission.

    python bench/check_cost.py [--jobs 40] [--rounds 5] [--probe exercise_3:momentum_steps|sgd_steps]

Starts a fork server as ``grade`` does, runs the reference solution's probe
``--jobs`` times both ways, interleaved in rounds (ending the worker after every
job, or keeping it), and prints for each the median wall time per job and the
CPU time the fork server and its workers used per job, and their ratios.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--probe", default="exercise_3:momentum_steps",
                        choices=["exercise_3:momentum_steps", "exercise_3:sgd_steps"])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from grader.grading import probes
    from grader.isolation import client
    from grader.isolation.protocol import Chunk, Job

    stem, _, name = args.probe.partition(":")
    module = f"grader.lesson.{stem}.probes"  # this course's content folder (course.toml)
    box = client.start_forked((module,))  # before any torch op here, as `grade` does
    source = (ROOT / "solutions" / f"{stem}.py").read_text()
    request = Job(probe=f"{module}:{name}", params=_params(probes.resolve(f"{module}:{name}")), module=stem,
                  chunks=(Chunk(f"{stem}.py", source),))
    walls = {"fresh worker per check": [], "one worker per submission": []}
    for _ in range(args.rounds):
        for way, fresh in (("fresh worker per check", True), ("one worker per submission", False)):
            start = time.perf_counter()
            for _ in range(args.jobs):
                reply = box.run(request)
                if reply.status != "ok":
                    sys.exit(f"{args.probe}: {reply.status} {reply.output[-500:]}")
                if fresh:
                    box.end_session()
            box.end_session()
            walls[way].append((time.perf_counter() - start) / args.jobs)
    box.close()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"# python bench/check_cost.py --jobs {args.jobs} --probe {args.probe} --rounds {args.rounds}")
    for way, times in walls.items():
        print(f"{way:28s} {statistics.median(times) * 1e3:7.2f} ms per check (median of {args.rounds} rounds)")
    fresh, shared = (statistics.median(t) for t in walls.values())
    print(f"ratio: {fresh / shared:.1f}x   (fork server and workers, both ways: "
          f"{(cpu.ru_utime + cpu.ru_stime) * 1e3 / (2 * args.jobs * args.rounds):.1f} ms CPU per check on average)")


def _params(probe) -> dict:
    """Inputs like those exercise 3's checks use."""
    return {"seed": 1, "lr": 0.1, "momentum": 0.9} if "momentum" in probe.key else {"seed": 1, "lr": 0.1}


if __name__ == "__main__":
    main()
