"""The answer scan's own process (``grader.authoring.answers`` runs this file's text with ``python -S -B -c``).

It imports the grader and the lesson content from the bundle alone (``argv[2]``, first on the path;
``argv[3:]``: where torch and the rest are), tries every function the lesson's modules define as
each exercise function that the stored data has scenarios for, and writes what reproduces a stored
outcome (one line each) to the job's ``out`` file. Imported as a module it does nothing.
"""


def main() -> None:
    import ast
    import copy
    import importlib
    import inspect
    import itertools
    import json
    import signal
    import sys
    import types
    from pathlib import Path

    job = json.loads(sys.argv[1])
    sys.path[:0] = [sys.argv[2]]
    sys.path.extend(sys.argv[3:])
    bundle = Path(job["bundle"])

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
        pieces = path.relative_to(bundle).with_suffix("").parts
        name = ".".join(pieces[:-1] if pieces[-1] == "__init__" else pieces)
        try:
            modules.append((path, importlib.import_module(name)))
        except BaseException:
            continue

    # The scenarios the release stores, by the function their probe calls.
    scenarios: dict[str, list] = {}
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
        found = {"", None, True, False}  # a set keeps one of equal values: 0 and 1 are False and True here
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

        def field(k):
            return lambda *a, **kw: fn(*a, **kw)[k]

        return [(f"[{k!r}]", field(k)) for k in keys]

    baselines: dict = {}
    first_calls: dict[str, tuple | None] = {}

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
        call = first_calls[name]
        if call is None:
            return True
        try:
            args, kwargs = copy.deepcopy(call)
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
                    raised.append(True)  # noqa: B023 - called within this iteration only
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



if __name__ == "__main__":
    main()
