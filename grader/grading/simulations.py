"""Known-wrong implementations: naming a mistake by its effect without shipping an answer.

A check that sees a wrong outcome asks what a known-wrong version of the student's function
would have given on the same inputs (``lab.simulate(probe, mistaken("name", *args), **params)``)
and names the mistake whose outcome the student's matches. Such a version is one argument away
from the answer (a momentum step "with no mistake" is the momentum step), so it never ships:

- in a checks module, each is marked ``@simulator(calls="sgd_momentum_update")`` (a function with
  the student function's signature), or ``@simulator(calls=…, variants=[(…), …])`` (a factory
  that each tuple of arguments turns into one); a check names it by a ``Mistaken``;
- in the course, the instructor's grader runs it here, through the probe, like the reference;
- ``grade release`` cuts every simulator out of the checks it ships (``grader.authoring.hidden``)
  and stores what each one gives on every public scenario beside the reference outcomes
  (``outcomes_on``); the release's checks read them from there (``grader.grading.references``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.grading.probes import Probe
from grader.isolation import wire


class SimulatorError(LookupError):
    """A check asked for a known-wrong implementation that its checks module does not declare."""


@dataclass(frozen=True)
class Mistaken:
    """A known-wrong implementation a check asks about: a simulator and the arguments of its variant."""

    name: str
    """The simulator's function name in the checks module."""
    args: tuple = ()
    """The arguments that make the variant (a factory's); none for a plain simulator."""

    @property
    def key(self) -> str:
        """How stored data names it: ``_epoch_with["once", true]``."""
        return self.name + json.dumps(list(self.args))


def mistaken(name: str, *args) -> Mistaken:
    """The known-wrong implementation ``name`` (with a factory's ``args``), as a check names it."""
    return Mistaken(name, tuple(args))


@dataclass(frozen=True)
class Simulator:
    """A known-wrong implementation as a checks module declares it."""

    name: str
    """Its function name."""
    calls: str
    """The student function it stands in for (a probe's ``calls``)."""
    variants: tuple[tuple, ...] | None
    """A factory's argument tuples, one per variant; None for a plain simulator."""
    function: Callable
    """The function (or factory) itself."""

    def mistakes(self) -> tuple[Mistaken, ...]:
        """Every variant it declares, as checks name them."""
        if self.variants is None:
            return (Mistaken(self.name),)
        return tuple(Mistaken(self.name, args) for args in self.variants)

    def implementation(self, mistake: Mistaken) -> Callable:
        if self.variants is None and not mistake.args:
            return self.function
        if self.variants is not None and mistake.args in self.variants:
            return self.function(*mistake.args)
        raise SimulatorError(f"{self.name} declares no variant {list(mistake.args)}: list it in its "
                             "@simulator(variants=…), so that a release can store what it gives")


_DECLARED: dict[tuple[str, str], Simulator] = {}  # (exercise folder, name) → simulator


def simulator(calls: str, variants: Iterable[Iterable] | None = None) -> Callable[[Callable], Callable]:
    """Mark a known-wrong implementation of the student function ``calls`` (instructor-only: cut out
    of a release); ``variants``: for a factory, the argument tuples that make each version."""
    def mark(function: Callable) -> Callable:
        folder = Path(function.__code__.co_filename).parent.name  # the exercise's, named like its probes'
        kinds = None if variants is None else tuple(tuple(v) for v in variants)
        _DECLARED[(folder, function.__name__)] = Simulator(function.__name__, calls, kinds, function)
        return function
    return mark


def declared(probe: Probe) -> list[Simulator]:
    """The simulators of ``probe``'s exercise that stand in for the function it calls."""
    return [s for (folder, _), s in sorted(_DECLARED.items(), key=lambda item: item[0])
            if folder == probe.exercise and s.calls == probe.calls]


def find(probe: Probe, mistake: Mistaken) -> Simulator:
    found = _DECLARED.get((probe.exercise, mistake.name))
    if found is None or found.calls != probe.calls:
        raise SimulatorError(f"{probe.exercise} declares no @simulator {mistake.name!r} of {probe.calls}")
    return found


# Outcomes of known-wrong implementations, kept across checks and submissions: a batch judge meets
# the same mistakes again and again. They depend only on grader code and seeded inputs.
SIMULATED_KEPT = 4096
_RAN: dict[tuple, dict] = {}


def run(probe: Probe, mistake: Mistaken, params: dict, device: str) -> dict:
    """What the known-wrong implementation ``mistake`` gives through ``probe`` on ``params``' inputs,
    run here (grader code, trusted), in the student's shape of data."""
    found = find(probe, mistake)
    code = found.function.__code__
    key = (code.co_filename, probe.key, mistake.key, json.dumps(params, sort_keys=True), device)
    if key not in _RAN:
        raw = probe(found.implementation(mistake), device=device, **params)
        if len(_RAN) >= SIMULATED_KEPT:
            _RAN.clear()
        _RAN[key] = wire.decode(wire.encode(raw))
    return _RAN[key]


def load_checks(course) -> None:
    """Import every checks module of ``course`` afresh, so that its simulators are declared here."""
    import importlib.util

    from grader.grading import content

    content.importable(course)
    for exercise in course.exercises:
        path = course.checks_file(exercise)
        if not path.is_file():
            continue
        spec = importlib.util.spec_from_file_location(f"grader_checks_{exercise.stem}", path)
        assert spec is not None and spec.loader is not None  # a .py file has both
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


def outcomes_on(scenarios: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str, str], dict]:
    """What every declared simulator gives on each scenario (probe key, params as JSON, device) of
    a function it stands in for: {(probe key, params, device, mistake key): outcome}."""
    from grader.grading import probes

    found = {}
    for probe_key, params, device in sorted(scenarios):
        probe = probes.resolve(probe_key)
        for each in declared(probe):
            for mistake in each.mistakes():
                found[(probe_key, params, device, mistake.key)] = run(probe, mistake, json.loads(params), device)
    return found
