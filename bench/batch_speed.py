"""How long `grade batch` takes on a synthetic class, against the naive loop of single `grade` runs.

    python bench/batch_speed.py [--students 200] [--exercise exercise-3 ...] [-j N]
                                [--sample 24] [--timeout 5] [--keep DIR]
    python bench/batch_speed.py --jail-compare 3     # the jail's cost: on and off, interleaved

Builds a class of ``--students`` submissions from the course's own corpus:
correct ones (solutions/ and tests/correct/), mistaken ones (tests/mistakes/),
untouched stubs, missing files, and a few broken ones (syntax errors, an
infinite loop, ``os._exit``, a memory blow-up, an output flood, a segfault, an
import error), handed in as folders, nested folders, zips, single files and
notebooks. Every file carries its student's name, so no two are byte-equal.

Both runs use a copy of the course whose course.toml sets every check's time
limit to ``--timeout`` (a looping submission costs checks × limit, in both).
Prints the batch's wall time, the naive loop (``grade exercise-N --submission
…``, two at a time) timed on a random sample of (student, exercise) pairs and
extrapolated to the class, and their ratio. Targets on a 2-core machine:
200 students × 6 exercises in ≤ 120 s, and ≥ 10× faster than the naive loop.

``--jail-compare N`` instead grades the same class 2N times, alternating the
jail on and off (``GRADER_NO_NAMESPACES=1 … --allow-unsandboxed``), and prints
each run, the medians and their ratio (target: the jail costs at most 1.2×).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRADE = str(Path(sys.executable).with_name("grade"))

BROKEN = {  # what replaces an exercise's first function; one submission of each per class
    "hangs": "    while True:\n        pass\n",
    "exits": "    import os\n    os._exit(1)\n",
    "eats_memory": "    hog = []\n    while True:\n        hog.append(b'x' * (256 << 20))\n",
    "floods_output": "    while True:\n        print('loss', 0.25, 'still training...')\n",
    "segfaults": "    import ctypes\n    ctypes.string_at(0)\n",
}


def corpus(exercise: dict) -> dict[str, list[Path]]:
    stem = Path(exercise["file"]).stem
    return {
        "correct": [ROOT / "solutions" / exercise["file"], *sorted((ROOT / "tests" / "correct" / stem).glob("*.py"))],
        "mistaken": sorted((ROOT / "tests" / "mistakes" / stem).glob("*.py")),
        "stub": [ROOT / "exercises" / exercise["file"]],
    }


def code_for(kind: str, exercise: dict, rng: random.Random) -> str | None:
    """The source of one submission of ``kind`` for ``exercise``; None when it is not handed in."""
    files = corpus(exercise)
    if kind == "missing":
        return None
    if kind in files:
        return rng.choice(files[kind]).read_text()
    solution = files["correct"][0].read_text()
    if kind == "syntax":
        return solution.replace("):", ")", 1)
    if kind == "import_error":
        return "import torch_helpers_i_wrote_at_home\n" + solution
    first = exercise["functions"][0]
    return solution + f"\n\ndef {first}(*args, **kwargs):\n" + BROKEN[kind]


def plan(students: int, exercises: list[dict], rng: random.Random) -> dict[str, dict[str, str]]:
    """{student: {exercise id: kind}}: mostly correct and mistaken, a few of every broken kind."""
    names = [f"s{i:03d}" for i in range(students)]
    kinds = {}
    for name in names:
        kinds[name] = {e["id"]: rng.choices(["correct", "mistaken", "stub", "missing"], [50, 38, 6, 6])[0]
                       for e in exercises}
    specials = [*BROKEN, "syntax", "syntax", "import_error"]
    for kind, name in zip(specials, rng.sample(names, len(specials))):
        kinds[name][rng.choice(exercises)["id"]] = kind
    return kinds


def build(dest: Path, kinds: dict[str, dict[str, str]], exercises: list[dict], rng: random.Random) -> list[tuple]:
    """Write the class into ``dest``; returns (student, exercise id, path for the naive loop) per pair."""
    import nbformat

    dest.mkdir(parents=True)
    loose = dest.parent / "loose"  # the same files unpacked, for the naive loop
    pairs = []
    for name, chosen in kinds.items():
        form = rng.choices(["folder", "nested", "zip", "single", "notebook"], [78, 8, 8, 3, 3])[0]
        folder = loose / name
        folder.mkdir(parents=True)
        sources = {}
        for exercise in exercises:
            source = code_for(chosen[exercise["id"]], exercise, rng)
            if source is not None:
                sources[exercise["id"]] = f"# {name}, {exercise['id']}\n{source}"
        stem = {e["id"]: Path(e["file"]).stem for e in exercises}
        if form == "single":
            (folder / f"{name}.py").write_text("\n\n".join(sources.values()) or f"# {name}: nothing yet\n")
            shutil.copy(folder / f"{name}.py", dest / f"{name}.py")
            pairs += [(name, e["id"], folder / f"{name}.py") for e in exercises]
            continue
        for eid, source in sources.items():
            if form == "notebook":
                nb = nbformat.v4.new_notebook()
                nb.cells = [nbformat.v4.new_markdown_cell(f"{eid}, by {name}"),
                            nbformat.v4.new_code_cell("# graded\n" + source),
                            nbformat.v4.new_code_cell("print('trying it out')")]
                nbformat.write(nb, folder / f"{stem[eid]}.ipynb")
            else:
                (folder / f"{stem[eid]}.py").write_text(source)
        pairs += [(name, e["id"], (folder / f"{stem[e['id']]}.py") if form != "notebook" and e["id"] in sources
                   else (folder / f"{stem[e['id']]}.ipynb") if e["id"] in sources else folder) for e in exercises]
        if form == "zip":
            with zipfile.ZipFile(dest / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
                for path in sorted(folder.iterdir()):
                    zf.write(path, f"{name}/{path.name}")
        elif form == "nested":
            shutil.copytree(folder, dest / name / f"submission_{rng.randrange(10**6)}")
        else:
            shutil.copytree(folder, dest / name)
    return pairs


def course_copy(dest: Path, timeout: float) -> Path:
    """The course with every time limit set to ``timeout``; solutions and corpus linked, not copied,
    and its content folder (probes and checks, where course.toml says) copied."""
    dest.mkdir(parents=True)
    text = (ROOT / "course.toml").read_text()
    text = re.sub(r"(?m)^timeout\s*=\s*[0-9.]+", f"timeout = {timeout:g}", text)
    (dest / "course.toml").write_text(text)
    for name in ("solutions", "exercises", "tests"):
        (dest / name).symlink_to(ROOT / name)
    content = tomllib.loads(text)["course"]["content"]
    shutil.copytree(ROOT / content, dest / content, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def timed(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--exercise", action="append", help="exercise id (repeatable; default: every exercise "
                        "that has a solution)")
    parser.add_argument("-j", "--jobs", type=int, help="passed to grade batch (default: its own, the CPU count)")
    parser.add_argument("--sample", type=int, default=36, help="(student, exercise) pairs timed in the naive loop")
    parser.add_argument("--timeout", type=float, default=3.0,
                        help="seconds per check, in both runs (the slowest check needs ~0.3 s)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the class here and keep it (default: a temp folder)")
    parser.add_argument("--jail-compare", type=int, metavar="N",
                        help="time N batches with the jail and N without, interleaved; no naive loop")
    args = parser.parse_args()

    course = tomllib.loads((ROOT / "course.toml").read_text())
    exercises = [e for e in course["exercise"] if (ROOT / "solutions" / e["file"]).is_file()]
    if args.exercise:
        exercises = [e for e in exercises if e["id"] in args.exercise]
    if not exercises:
        sys.exit("no exercise with a solution to build a class from")
    rng = random.Random(args.seed)
    work = args.keep or Path(tempfile.mkdtemp(prefix="batch-bench-"))
    if args.keep and work.exists():
        shutil.rmtree(work)
    home = course_copy(work / "course", args.timeout)
    kinds = plan(args.students, exercises, rng)
    pairs = build(work / "class", kinds, exercises, rng)

    batch_cmd = [GRADE, "batch", str(work / "class"), "--out", str(work / "results")]
    batch_cmd += [a for e in exercises for a in ("--exercise", e["id"])] if args.exercise else []
    batch_cmd += ["-j", str(args.jobs)] if args.jobs else []
    shown = " ".join(["grade", *batch_cmd[1:]])
    print(f"# python bench/batch_speed.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"# class: {args.students} students × {len(exercises)} exercises ({', '.join(e['id'] for e in exercises)})"
          f", {os.cpu_count()} CPUs; every check limited to {args.timeout:g} s (course copy in {home})")
    print(f"# batch: cd {home} && {shown}")
    if args.jail_compare:
        compare_jail(batch_cmd, home, work, args.jail_compare)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return
    batch_s, done = timed(batch_cmd, home)
    if done.returncode != 0:
        sys.exit(f"grade batch exited {done.returncode}:\n{done.stderr[-3000:]}")
    print(done.stdout.rstrip())

    sample = random.Random(args.seed + 1).sample(pairs, min(args.sample, len(pairs)))
    naive_cmds = [[GRADE, eid, "--submission", str(path), "--device", "cpu"] for _, eid, path in sample]
    print(f"# naive: cd {home} && grade EXERCISE --submission PATH --device cpu, "
          f"{len(sample)} sampled pairs, two at a time")
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda cmd: timed(cmd, home), naive_cmds))
    naive_sample_s = time.perf_counter() - start
    naive_s = naive_sample_s * len(pairs) / len(sample)

    cpu = re.search(r"([0-9.]+) CPU-seconds", done.stdout)
    print()
    print(f"batch wall time:        {batch_s:8.1f} s   ({len(pairs)} exercise submissions)")
    if cpu:
        print(f"batch CPU time:         {float(cpu.group(1)):8.0f} s   (main, judges, fork servers and workers; "
              f"on {os.cpu_count()} otherwise idle CPUs at least {float(cpu.group(1)) / os.cpu_count():.0f} s)")
    print(f"naive loop (estimated): {naive_s:8.1f} s   ({naive_sample_s:.1f} s for {len(sample)} pairs, "
          f"× {len(pairs) / len(sample):.1f})")
    print(f"speed-up:               {naive_s / batch_s:8.1f}×")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def compare_jail(batch_cmd: list[str], home: Path, work: Path, runs: int) -> None:
    import statistics

    times: dict[str, list[float]] = {"jail": [], "no jail": []}
    for i in range(runs):
        for mode in ("jail", "no jail"):
            out = work / f"results-{mode.replace(' ', '-')}-{i}"
            cmd = [*batch_cmd[:batch_cmd.index("--out") + 1], str(out), *batch_cmd[batch_cmd.index("--out") + 2:]]
            env = dict(os.environ)
            if mode == "no jail":
                env["GRADER_NO_NAMESPACES"] = "1"
                cmd.append("--allow-unsandboxed")
            start = time.perf_counter()
            done = subprocess.run(cmd, cwd=home, capture_output=True, text=True, env=env)
            seconds = time.perf_counter() - start
            if done.returncode != 0:
                sys.exit(f"grade batch ({mode}) exited {done.returncode}:\n{done.stderr[-3000:]}")
            times[mode].append(seconds)
            grades = (out / "grades.csv").read_bytes()
            if mode == "no jail" and grades != (work / f"results-jail-{i}" / "grades.csv").read_bytes():
                print("# NOTE: grades.csv differs between the jail and no jail")
            print(f"run {i + 1} {mode:8}: {seconds:7.1f} s")
    on, off = statistics.median(times["jail"]), statistics.median(times["no jail"])
    print(f"median with the jail:    {on:7.1f} s")
    print(f"median without the jail: {off:7.1f} s")
    print(f"jail / no jail:          {on / off:7.2f}×")


if __name__ == "__main__":
    main()
