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
