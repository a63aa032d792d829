"""`grade batch --cluster` on a local two-worker Dask cluster against the local `-j 2` pool, in one run.

    python bench/cluster_speed.py [--students 200] [--exercise exercise-3 ...] [--rounds 2] [--timeout 3]

Builds the class of ``bench/batch_speed.py`` (same seed, same corpus), starts a
``dask scheduler`` and two ``dask worker --nthreads 1`` on 127.0.0.1, and then,
round after round, grades the class with the local pool (``-j 2``) and on the
cluster, each into a fresh RESULTS folder, checking that both write the same
grades.csv. Prints each run, the medians, their ratio (target: the cluster within
1.3× of the local pool on the same two cores, so N machines give close to N×),
and what Dask adds per student:

- the wall-time difference per student;
- a Dask round trip carrying one student's files (a task that does nothing else),
  median of 100, one at a time;
- the instructor's own CPU per student in the cluster run (reading submissions,
  sqlite, writing files): the ceiling of one instructor's machine is 1 / that.

A round's cluster run includes starting each worker's judge (the plugin is
registered per batch), as a real batch would.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import batch_speed  # (the class and the course copy of the batch bench)

ROOT = batch_speed.ROOT
BIN = Path(sys.executable).parent


def start(argv: list, log: Path, ready: str, cwd: Path) -> subprocess.Popen:
    with open(log, "w") as stderr:
        proc = subprocess.Popen([str(a) for a in argv], stdout=subprocess.DEVNULL, stderr=stderr, cwd=cwd)
    deadline = time.monotonic() + 120
    while ready not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"{argv[1]} did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.1)
    return proc


def round_trip(address: str, payload: dict, times: int = 100) -> float:
    """Median seconds of a Dask task that only carries ``payload`` there and a short text back."""
    from distributed import Client

    with Client(address) as client:
        seconds = []
        for i in range(times):
            begun = time.perf_counter()
            client.submit(lambda p: "{}", payload, key=f"noop-{i}", pure=False).result()
            seconds.append(time.perf_counter() - begun)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--exercise", action="append", help="exercise id (repeatable; default: all with a solution)")
    parser.add_argument("--rounds", type=int, default=2, help="local and cluster runs each, interleaved")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds per check, in every run")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    course = tomllib.loads((ROOT / "course.toml").read_text())
    exercises = [e for e in course["exercise"] if (ROOT / "solutions" / e["file"]).is_file()
                 and (not args.exercise or e["id"] in args.exercise)]
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    home = batch_speed.course_copy(work / "course", args.timeout)
    batch_speed.build(work / "class", batch_speed.plan(args.students, exercises, rng), exercises, rng)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    procs = [start([BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                    "--no-dashboard"], work / "scheduler.log", "Scheduler at:", home)]
    try:
        for n in (1, 2):
            procs.append(start([BIN / "dask", "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                "--local-directory", work / f"worker-{n}"], work / f"worker-{n}.log",
                               "Registered to:", home))
        chosen = [a for e in exercises for a in ("--exercise", e["id"])]
        modes = {"local -j 2": ["-j", "2"], "cluster": ["--cluster", address]}
        print(f"# python bench/cluster_speed.py {' '.join(sys.argv[1:])}".rstrip())
        print(f"# class: {args.students} students × {len(exercises)} exercises, {os.cpu_count()} CPUs, every check "
              f"limited to {args.timeout:g} s; cluster: 1 scheduler + 2 workers (--nthreads 1) on this machine")
        times: dict[str, list[float]] = {m: [] for m in modes}
        cpu: dict[str, list[float]] = {m: [] for m in modes}
        grades = set()
        for i in range(args.rounds):
            for mode, extra in modes.items():
                out = work / f"results-{i}-{mode.split()[0]}"
                cmd = [BIN / "grade", "batch", work / "class", "--out", out, *chosen, *extra]
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                begun = time.perf_counter()
                done = subprocess.run([str(c) for c in cmd], cwd=home, capture_output=True, text=True)
                seconds = time.perf_counter() - begun
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if done.returncode != 0:
                    sys.exit(f"grade batch ({mode}) exited {done.returncode}:\n{done.stderr[-3000:]}")
                times[mode].append(seconds)
                # `grade batch` and all it reaped: with the local pool its judges and workers too;
                # with the cluster only the instructor's side (the workers are not its children).
                cpu[mode].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
                grades.add((out / "grades.csv").read_bytes())
                print(f"round {i + 1} {mode:11}: {seconds:7.1f} s   ({cpu[mode][-1]:.1f} CPU-seconds of `grade` "
                      f"{'and its judges' if mode != 'cluster' else 'alone: the instructor side'})")
        local, remote = statistics.median(times["local -j 2"]), statistics.median(times["cluster"])
        print(f"grades.csv identical in every run: {'yes' if len(grades) == 1 else 'NO'}")
        print(f"median local -j 2:   {local:7.1f} s")
        print(f"median cluster:      {remote:7.1f} s")
        print(f"cluster / local:     {remote / local:7.2f}×   (target ≤ 1.3×)")
        print(f"wall added per student:          {(remote - local) / args.students * 1000:7.1f} ms")
        sample = next(p for p in sorted((work / "class").iterdir()) if p.is_dir())
        payload = {"files": {f.name: f.read_bytes() for f in sample.rglob("*") if f.is_file()}}
        print(f"Dask round trip of one student:  {round_trip(address, payload) * 1000:7.1f} ms (median of 100)")
        per_student = statistics.median(cpu["cluster"]) / args.students
        print(f"instructor CPU per student:      {per_student * 1000:7.1f} ms  → one instructor machine keeps up "
              f"with ~{1 / per_student:.0f} students/s")
        per_core = statistics.median(cpu["local -j 2"]) / args.students
        print(f"grading CPU per student (local): {per_core:7.2f} s   ({len(exercises)} exercises, one core)")
    finally:
        for proc in reversed(procs):
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
