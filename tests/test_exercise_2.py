"""Exercise 2 without workers: the corpus aims at every check, and the probe's models are as the checks assume."""

from __future__ import annotations

import ast

from conftest import MISTAKES, ROOT, read_mistake

CHECKS = ROOT / "grader" / "lesson" / "exercise_2" / "checks.py"


def _checks() -> dict[str, int]:
    """{check name: points} read from the checks module's decorators."""
    points = {}
    for node in ast.parse(CHECKS.read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "points":
                    points[node.name] = deco.args[0].value
    return points


def test_checks_sum_to_ten_points():
    assert sum(_checks().values()) == 10


def test_every_check_is_failed_by_some_mistake():
    targeted = {name for path in (MISTAKES / "exercise_2").glob("*.py") for name in read_mistake(path).fails}
    assert set(_checks()) <= targeted, set(_checks()) - targeted


def test_named_model_has_nested_names_and_frozen_flags_apply():
    from grader.lesson.exercise_2 import probes

    seen = {}

    def record(model, loss_fn, inputs, targets):
        seen["names"] = [n for n, _ in model.named_parameters()]
        seen["shapes"] = (tuple(inputs.shape), tuple(targets.shape), type(loss_fn).__name__)
        return {}

    out = probes.gradients(record, device="cpu", seed=1, sizes=(10, 8, 4), batch_size=12, loss="mse",
                           shape="named", frozen=["classifier.bias"])
    assert seen["names"] == ["features.0.weight", "features.0.bias", "classifier.weight", "classifier.bias"]
    assert seen["shapes"] == ((12, 10), (12, 4), "MSELoss")
    assert out["trainable"] == seen["names"][:3]


def _checks_module(request):
    import importlib

    for line in ("points(n): the points a check is worth", "hidden: a check students do not get"):
        request.config.addinivalue_line("markers", line)
    return importlib.import_module("grader.lesson.exercise_2.checks")


def test_aliasing_is_told_apart_from_copies_by_the_record(request):
    """The evidence the zero-gradient feedback rests on: what backward filled, and which results are live."""
    from conftest import load_solution
    from grader.lesson.exercise_2 import probes

    checks = _checks_module(request)
    params = dict(device="cpu", seed=3, sizes=(6, 5, 3), batch_size=4)
    names = ["0.weight", "0.bias", "2.weight", "2.bias"]
    tidied = probes.gradients(checks._read_too_late, **params)["calls"][0]
    assert set(tidied["filled"]) == set(tidied["live"]) == set(names)
    right = probes.gradients(load_solution("exercise_2").compute_gradients, **params)["calls"][0]
    assert set(right["filled"]) == set(names) and right["live"] == []
    untouched = probes.gradients(checks._ignores_loss_fn, **params)["calls"][0]  # torch.autograd.grad
    assert untouched["filled"] == [] and untouched["live"] == []


def test_later_calls_get_their_own_models_and_earlier_results_are_described_again():
    from grader.lesson.exercise_2 import probes

    def live_after_clearing_in_place(model, loss_fn, inputs, targets):
        model.zero_grad(set_to_none=False)
        loss_fn(model(inputs), targets).backward()
        return {n: p.grad for n, p in model.named_parameters() if p.requires_grad}

    out = probes.gradients(live_after_clearing_in_place, device="cpu", seed=4, sizes=(6, 5, 3), batch_size=4,
                           stale=True, then=[{}, {"model": "new", "shape": "named", "frozen": [3]}])
    calls = out["calls"]
    assert [c["new_model"] for c in calls] == [True, False, True]
    assert calls[2]["trainable"] == ["features.0.weight", "features.0.bias", "classifier.weight"]
    assert len(out["kept"]) == 2
    first_then = {i["key"]: i["value"]["tensor"] for i in calls[0]["returned"]["items"]}
    first_now = {i["key"]: i["value"]["tensor"] for i in out["kept"][0]["items"]}
    assert any(not first_then[n].equal(first_now[n]) for n in first_then)  # the second call rewrote it
    assert calls[0]["batch_changed"] == [] and calls[0]["same_object_as"] is None
