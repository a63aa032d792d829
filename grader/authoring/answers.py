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
    job = {
        "bundle": str(bundle),
        "out": str(scratch / "found.json"),
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
        done = subprocess.run([sys.executable, "-S", "-B", "-c", _SCAN, json.dumps(job), *map(str, paths)],
                              cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return [f"the answer scan did not finish in {TIMEOUT} s: cannot say that the release computes no answer"]
    found = Path(job["out"])
    if done.returncode != 0 or not found.is_file():
        return ["the answer scan failed, so the release cannot be vouched for:\n" + done.stderr[-3000:]]
    return json.loads(found.read_text(encoding="utf-8"))


_SCAN = r'''
import ast, copy, inspect, itertools, json, signal, sys, types
from pathlib import Path

job = json.loads(sys.argv[1])
sys.path[:0] = [sys.argv[2]]
sys.path.extend(sys.argv[3:])
bundle = Path(job["bundle"])

import importlib
import grader
assert Path(grader.__file__).resolve().is_relative_to(bundle), grader.__file__
from grader.grading import probes as probe_api
from grader.grading.references import decode, differ
from grader.isolation import wire


class TooLong(Exception):
    pass


def _alarm(*_):
    raise TooLong()


signal.signal(signal.SIGALRM, _alarm)


def run(probe, fn, params):
    """The probe's outcome with ``fn`` as the student's function, in the student's shape; None if it fails."""
    signal.alarm(job["seconds"])
    try:
        return wire.decode(wire.encode(probe(fn, device="cpu", **params)))
    except BaseException:
        return None
    finally:
        signal.alarm(0)


content = bundle.joinpath(*job["content"].split("."))
modules = []
for path in sorted(content.rglob("*.py")):
    parts = path.relative_to(bundle).with_suffix("").parts
    name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    try:
        modules.append((path, importlib.import_module(name)))
    except BaseException:
        continue

# The scenarios the release stores, by the function their probe calls.
scenarios = {}
for (key, params, device), outcome in sorted(decode((bundle / job["reference"]).read_bytes()).items()):
    try:
        probe = probe_api.resolve(key)
    except Exception:
        continue
    if device == "cpu" and probe.calls in job["functions"]:
        scenarios.setdefault(probe.calls, []).append((probe, json.loads(params), outcome))
nothing = lambda *args, **kwargs: None  # noqa: E731 - doing nothing: what no field may be credited for


def makes_functions(fn):
    """Whether ``fn`` defines a function (a def or a lambda; comprehensions do not count)."""
    return any(isinstance(c, types.CodeType) and not c.co_name.endswith(("comp>", "<genexpr>"))
               for c in fn.__code__.co_consts)


def literals(fn):
    found = {"", None, True, False, 0}
    todo = [fn.__code__]
    while todo:
        code = todo.pop()
        for c in code.co_consts:
            if isinstance(c, types.CodeType):
                todo.append(c)
            elif c is None or type(c) in (str, bool, int, float) and (type(c) is not str or len(c) < 40):
                found.add(c)
    return sorted(found, key=repr)


def accepts(fn, name):
    """Whether ``fn`` takes the arguments the stub of ``name`` does, positionally or by name."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    stub = stubs.get(name)
    if stub is None:
        return True
    try:
        signature.bind(*stub)
        return True
    except TypeError:
        pass
    try:
        signature.bind(**{p: None for p in stub})
        return True
    except TypeError:
        return False


stubs = {}
for path in sorted((bundle / "exercises").glob("*.py")):
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            stubs[node.name] = [a.arg for a in node.args.args]


def ways(fn, name):
    """(how, implementation) for each way ``fn`` could stand in for the function ``name``."""
    if accepts(fn, name):
        yield "", fn
    if makes_functions(fn):
        try:
            required = [p for p in inspect.signature(fn).parameters.values()
                        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            return
        if len(required) > 2:
            return
        for args in itertools.islice(itertools.product(literals(fn), repeat=len(required)), 200):
            signal.alarm(job["seconds"])
            try:
                made = fn(*args)
            except BaseException:
                continue
            finally:
                signal.alarm(0)
            if callable(made) and accepts(made, name):
                yield "(" + ", ".join(map(repr, args)) + ")", made


def parts(fn, probe, params):
    """Ways to take a part of what ``fn`` returns: its items' keys, from one call through the probe."""
    seen = []

    def keep(*args, **kwargs):
        value = fn(*args, **kwargs)
        seen.append(value)
        return value

    run(probe, keep, params)
    if not seen:
        return []
    value = seen[0]
    if isinstance(value, dict):
        keys = list(value)[:24]
    elif isinstance(value, (list, tuple)):
        keys = list(range(min(len(value), 24)))
    else:
        return []
    return [(f"[{k!r}]", (lambda k: lambda *a, **kw: fn(*a, **kw)[k])(k)) for k in keys]


baselines, first_calls = {}, {}


def once(fn):
    """``fn`` of no arguments, called once: a function that returns what it returned; None when it raised
    or returned None (doing nothing, with no inputs to change, is what no field is credited for)."""
    signal.alarm(job["seconds"])
    try:
        value = fn()
    except BaseException:
        return None
    finally:
        signal.alarm(0)
    return None if value is None else (lambda: value)


class Grabbed(Exception):
    pass


def runs_at_all(fn, name):
    """Whether ``fn`` returns, rather than raises, on a copy of the arguments the first scenario of
    ``name`` hands the student's function (True when they cannot be copied: the probes will tell)."""
    if name not in first_calls:
        grabbed = []

        def grab(*args, **kwargs):
            grabbed.append((args, kwargs))
            raise Grabbed()

        probe, params, _ = scenarios[name][0]
        run(probe, grab, params)
        first_calls[name] = grabbed[0] if grabbed else None
    if first_calls[name] is None:
        return True
    try:
        args, kwargs = copy.deepcopy(first_calls[name])
    except Exception:
        return True
    signal.alarm(job["seconds"])
    try:
        fn(*args, **kwargs)
        return True
    except BaseException:
        return False
    finally:
        signal.alarm(0)


def baseline(probe, params):
    key = (probe.key, json.dumps(params, sort_keys=True))
    if key not in baselines:
        found = run(probe, nothing, params)
        baselines[key] = found if isinstance(found, dict) else {}
    return baselines[key]


def reproduces(fn, name):
    """The first scenario of ``name`` whose stored outcome ``fn`` gives a field of, and those fields.
    A function that raises on the first scenario's inputs cannot stand in for ``name``: not tried further."""
    for index, (probe, params, want) in enumerate(scenarios.get(name, [])):
        raised = []

        def called(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except BaseException:
                raised.append(True)
                raise

        got = run(probe, called, params)
        if raised and index == 0:
            return None
        if not isinstance(got, dict) or not isinstance(want, dict):
            continue
        base = baseline(probe, params)
        fields = [k for k in want if k in got and differ(want[k], got[k]) is None
                  and (k not in base or differ(want[k], base[k]) is not None)]
        if fields:
            return probe, params, fields
    return None


found = []
for path, module in modules:
    shown = path.relative_to(bundle).as_posix()
    for attr, fn in sorted(vars(module).items()):
        if not isinstance(fn, types.FunctionType) or fn.__module__ != module.__name__:
            continue
        for name in sorted(scenarios):
            hit = None
            for how, made in ways(fn, name):
                if stubs.get(name) == []:  # no arguments: what it returns cannot depend on the inputs
                    made = once(made)
                    if made is None:
                        continue
                elif not runs_at_all(made, name):
                    continue
                hit = reproduces(made, name)
                if hit is None:
                    probe, params, _ = scenarios[name][0]
                    for picked, part in parts(made, probe, params):
                        hit = reproduces(part, name)
                        if hit:
                            how += picked
                            break
                if hit:
                    probe, params, fields = hit
                    found.append(f"{shown}: {attr}{how}, called as {name}, reproduces the stored outcome of "
                                 f"{probe.key} with {json.dumps(params, sort_keys=True)} "
                                 f"({', '.join(map(str, fields))})")
                    break
Path(job["out"]).write_text(json.dumps(found), encoding="utf-8")
'''
