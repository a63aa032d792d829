"""What a jailed worker costs to start, against a bare fork of the same warm process.

    python bench/jail_cost.py [--runs 30]

Imports torch (as a fork server has), becomes a jailed fork server
(``grader.isolation.jail.prepare_server``), then times, interleaved, a bare ``os.fork()`` +
exit and a jailed worker (``fork_worker`` + ``enter``: namespaces, the root's
binds, a copy of exercises/, /tmp, /proc, limits, the drop of identity) + exit;
prints the medians and their difference. Needs a machine that allows the jail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    import torch  # noqa: F401  (a fork server's size)

    from grader.isolation import jail

    jail.prepare_server()  # from here on this process is the fork server (PID 1 of its namespace)
    plan = jail.make_plan(hidden=(str(ROOT / "solutions"),))
    limits = jail.Limits(memory_mb=2048, cpu_seconds=600)
    own = (str(ROOT / "exercises"),)

    def once(jailed: bool) -> float:
        start = time.perf_counter()
        pid = jail.fork_worker() if jailed else os.fork()
        if pid == 0:
            try:
                if jailed:
                    jail.enter(plan, limits, own=own, hidden=(str(ROOT / "solutions"),))
            except BaseException as exc:  # noqa: BLE001
                print(exc, file=sys.stderr)
                os._exit(3)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            sys.exit("a jailed worker failed to start; run `grade doctor`")
        return time.perf_counter() - start

    bare, jailed = [], []
    for _ in range(args.runs):
        bare.append(once(False))
        jailed.append(once(True))
    b, j = statistics.median(bare) * 1000, statistics.median(jailed) * 1000
    print(f"# python bench/jail_cost.py --runs {args.runs}   ({os.cpu_count()} CPUs, interleaved, medians)")
    print(f"bare fork + exit:         {b:6.1f} ms")
    print(f"jailed worker + exit:     {j:6.1f} ms")
    print(f"the jail adds:            {j - b:6.1f} ms per worker ({j / b:.2f}×)")


if __name__ == "__main__":
    main()
