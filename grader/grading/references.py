"""Reference outcomes stored as data: what a student release grades against instead of solutions/.

At release time (``grader.authoring.release.record``) every public check runs against the
reference solution with a ``Recorder`` around the solution's references; each outcome the checks asked for
is kept under its key (probe, params, device) and written with ``grader.isolation.wire``
(JSON and raw tensor bytes, no pickle) to ``grader/data/reference.grdr``.
``StoredReferences`` answers the checks from that file. Hidden checks never run
while recording, so none of their scenarios can end up in the file.

Beside them the file holds what each known-wrong implementation the checks declare gives on
each of those scenarios (``simulated``, keyed by the mistake too: ``grader.grading.simulations``),
since a release ships no simulator: only its outcomes on the public scenarios.
"""

from __future__ import annotations

import json
from pathlib import Path

from grader.isolation import wire

FORMAT = "grader-reference/1"
"""Where a course keeps its reference data, relative to the course root (and inside the package)."""
RECORDED_DEVICE = "cpu"


class MissingReference(RuntimeError):
    """The stored data has no outcome for what a check asked."""


def key_of(probe_key: str, params: dict, device: str) -> tuple[str, str, str]:
    """The key an outcome is stored under: params as canonical JSON, so that dict order never matters."""
    return probe_key, json.dumps(params, sort_keys=True), device


class Recorder:
    """References that pass every question on to ``inner`` and remember the answers."""

    def __init__(self, inner):
        self.inner = inner
        self.outcomes: dict[tuple[str, str, str], dict] = {}

    def outcome(self, probe, params: dict, device: str) -> dict:
        result = self.inner.outcome(probe, params, device)
        self.outcomes[key_of(probe.key, params, device)] = result
        return result

    def simulated(self, probe, mistake, params: dict, device: str) -> dict:
        return self.inner.simulated(probe, mistake, params, device)


def encode(outcomes: dict[tuple[str, str, str], dict],
           simulated: dict[tuple[str, str, str, str], dict] | None = None) -> bytes:
    """The bytes of a reference file: entries sorted by key, so the same outcomes give the same bytes;
    ``simulated``: known-wrong implementations' outcomes, by (probe, params, device, mistake key)."""
    entries = [{"probe": p, "params": params, "device": d, "outcome": outcomes[(p, params, d)]}
               for p, params, d in sorted(outcomes)]
    tree = {"format": FORMAT, "entries": entries}
    if simulated:
        # Each as it differs from the reference outcome of its scenario: what a mistake leaves as the
        # reference does (the inputs, most of the record) is stored once.
        tree["simulated"] = [{"probe": p, "params": params, "device": d, "mistake": m,
                              "outcome": _unlike(simulated[(p, params, d, m)], outcomes.get((p, params, d)))}
                             for p, params, d, m in sorted(simulated)]
    return wire.encode(tree)


SAME = "(as the reference)"  # a key no probe writes: the part is the reference outcome's, at the same place


def _unlike(value, reference):
    """``value`` with each part that equals ``reference``'s at the same place replaced by ``{SAME: 0}``."""
    import torch

    if isinstance(value, torch.Tensor) or isinstance(reference, torch.Tensor):
        same = (isinstance(value, torch.Tensor) and isinstance(reference, torch.Tensor)
                and value.dtype == reference.dtype and value.shape == reference.shape
                and torch.equal(value, reference))
    elif isinstance(value, dict) and isinstance(reference, dict):
        parts = {k: _unlike(v, reference[k]) if k in reference else v for k, v in value.items()}
        same = set(value) == set(reference) and all(_marked(parts[k]) for k in value)
        value = value if same else parts
    elif isinstance(value, list) and isinstance(reference, list) and len(value) == len(reference):
        items = [_unlike(v, r) for v, r in zip(value, reference)]
        same = all(_marked(item) for item in items)
        value = value if same else items
    else:
        same = type(value) is type(reference) and value == reference
    return {SAME: 0} if same else value


def _marked(part) -> bool:
    return isinstance(part, dict) and set(part) == {SAME}


def _like(value, reference):
    """The inverse of ``_unlike``."""
    if _marked(value):
        return reference
    if isinstance(value, dict):
        return {k: _like(v, reference.get(k) if isinstance(reference, dict) else None) for k, v in value.items()}
    if isinstance(value, list) and isinstance(reference, list) and len(value) == len(reference):
        return [_like(v, r) for v, r in zip(value, reference)]
    return value


def _tree(data: bytes) -> dict:
    tree = wire.decode(data)
    if not isinstance(tree, dict) or tree.get("format") != FORMAT or not isinstance(tree.get("entries"), list):
        raise wire.WireError(f"not reference data in the {FORMAT} format")
    return tree


def decode(data: bytes) -> dict[tuple[str, str, str], dict]:
    return {(e["probe"], e["params"], e["device"]): e["outcome"] for e in _tree(data)["entries"]}


def decode_simulated(data: bytes) -> dict[tuple[str, str, str, str], dict]:
    """The known-wrong implementations' outcomes a reference file holds (none in an older one)."""
    tree = _tree(data)
    references = {(e["probe"], e["params"], e["device"]): e["outcome"] for e in tree["entries"]}
    return {(e["probe"], e["params"], e["device"], e["mistake"]):
            _like(e["outcome"], references.get((e["probe"], e["params"], e["device"])))
            for e in tree.get("simulated", [])}


class StoredReferences:
    """Reference outcomes read from a reference file (a student release has no solutions/)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            data = self.path.read_bytes()
            self.outcomes = decode(data)
            self.simulations = decode_simulated(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MissingReference(f"cannot read the reference data {self.path}: {exc}") from None
        self.devices = sorted({device for _, _, device in self.outcomes})

    @classmethod
    def for_course(cls, course) -> StoredReferences:
        """The course's reference data, in its content folder."""
        path = find(course)
        if path is None:
            raise MissingReference(
                f"{course.root} has no solutions/ folder and no reference data ({course.reference_file}): "
                "this grader cannot tell right from wrong. Reinstall the course release you were given.")
        return cls(path)

    def outcome(self, probe, params: dict, device: str) -> dict:
        key = key_of(probe.key, params, device)
        if key in self.outcomes:
            return self.outcomes[key]
        if device not in self.devices:
            raise MissingReference(
                f"this release's reference data was recorded on {', '.join(self.devices) or 'no device'}, "
                f"not on {device}: grade with --device {RECORDED_DEVICE}")
        raise MissingReference(f"the reference data has no outcome of {probe.key} with {key[1]} on {device}: "
                               "the release is out of step with its checks")

    def simulated(self, probe, mistake, params: dict, device: str) -> dict:
        """What the known-wrong implementation ``mistake`` gave on this scenario, as recorded."""
        key = (*key_of(probe.key, params, device), mistake.key)
        if key in self.simulations:
            return self.simulations[key]
        self.outcome(probe, params, device)  # no such scenario, or another device: said as for the reference
        raise MissingReference(f"the reference data has no outcome of the known mistake {mistake.key} with "
                               f"{probe.key} and {key[1]} on {device}: the release is out of step with its checks")


def find(course) -> Path | None:
    """The reference file a course has, if any."""
    return course.reference_file if course.reference_file.is_file() else None


def write(path: Path, outcomes: dict, simulated: dict | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode(outcomes, simulated))


def stale(stored: dict, solutions_dir: Path) -> list[str]:
    """What in ``stored`` the solutions no longer give: one line per outcome that differs or cannot be made."""
    from grader.grading import probes
    from grader.grading.lab import SolutionReferences

    fresh = SolutionReferences(solutions_dir)
    problems = []
    for (probe_key, params, device), want in sorted(stored.items()):
        where = f"{probe_key} with {params} on {device}"
        try:
            got = fresh.outcome(probes.resolve(probe_key), json.loads(params), device)
        except Exception as exc:  # noqa: BLE001 - a probe or solution that no longer runs is stale data too
            problems.append(f"{where}: the solution no longer gives an outcome ({type(exc).__name__}: {exc})")
            continue
        difference = differ(want, got, device)
        if difference:
            problems.append(f"{where}: {difference}")
    return problems


def differ(stored, fresh, device: str = "cpu", path: str = "outcome") -> str | None:
    """Where two outcome trees differ beyond the tolerance for their dtype, or None."""
    import torch

    from grader.grading.numerics import tolerance

    if isinstance(stored, torch.Tensor) or isinstance(fresh, torch.Tensor):
        if not (isinstance(stored, torch.Tensor) and isinstance(fresh, torch.Tensor)):
            return f"{path} is a {type(stored).__name__} in the data but a {type(fresh).__name__} now"
        if stored.shape != fresh.shape or stored.dtype != fresh.dtype:
            return (f"{path} was a {stored.dtype} tensor of shape {tuple(stored.shape)}, "
                    f"now {fresh.dtype} of shape {tuple(fresh.shape)}")
        tol = tolerance(stored.dtype, device)
        if not torch.allclose(stored, fresh, rtol=tol.rtol, atol=tol.atol, equal_nan=True):
            return f"{path} holds different values"
        return None
    if type(stored) is not type(fresh):
        return f"{path} was {stored!r}, now {fresh!r}"
    if isinstance(stored, dict):
        if set(stored) != set(fresh):
            return f"{path} had keys {sorted(stored)}, now {sorted(fresh)}"
        for name in stored:
            found = differ(stored[name], fresh[name], device, f"{path}[{name!r}]")
            if found:
                return found
        return None
    if isinstance(stored, (list, tuple)):
        if len(stored) != len(fresh):
            return f"{path} had {len(stored)} items, now {len(fresh)}"
        for index, (a, b) in enumerate(zip(stored, fresh)):
            found = differ(a, b, device, f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(stored, float):
        if stored == fresh or (stored != stored and fresh != fresh):
            return None
        tol = tolerance("float32", device)
        if abs(stored - fresh) <= tol.atol + tol.rtol * abs(fresh):
            return None
    elif stored == fresh:
        return None
    return f"{path} was {stored!r}, now {fresh!r}"
