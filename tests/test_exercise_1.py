"""Exercise 1's probes on their own: the lesson's numbers, and networks written other ways compare."""

from __future__ import annotations

import importlib

import pytest
import torch
from torch import nn

from conftest import load_solution
from grader.lesson.exercise_1 import probes


@pytest.fixture(scope="module")
def checks(request):
    """The checks module, for its known-wrong counts (its markers are the grader plugin's)."""
    for line in ("points(n): the points a check is worth", "hidden: a check students do not get"):
        request.config.addinivalue_line("markers", line)
    return importlib.import_module("grader.lesson.exercise_1.checks")


def _counts(checks, scenario: str) -> dict:
    """The right count (the solution's) and each slip's, on a scenario's model."""
    model = probes._scenario(scenario, seed=0, device="cpu")
    counts = {slip.key: checks._counting(slip.key)(model) for slip in checks.SLIPS}
    counts["trainable"] = load_solution("exercise_1").count_trainable_parameters(model)
    return counts


def test_the_lesson_network_has_101770_trainable_parameters(checks):
    counts = _counts(checks, "lesson")
    assert counts["trainable"] == 784 * 128 + 128 + 128 * 10 + 10 == 101_770
    assert counts["weights_only"] == 101_770 - 138


@pytest.mark.parametrize("scenario, right, slip, wrong", [
    ("frozen", 1_385, "all", 3_425),
    ("batchnorm", 436, "with_buffers", 469),
    ("shared", 1_700, "duplicates", 3_300),
])
def test_each_scenario_tells_its_slip_apart(checks, scenario, right, slip, wrong):
    counts = _counts(checks, scenario)
    assert counts["trainable"] == right and counts[slip] == wrong


def test_canonical_shapes_accept_hand_written_layouts():
    sizes = (20, 12, 5)
    assert probes.canonical((12, 20), sizes) == ((12, 20), "same")
    assert probes.canonical((20, 12), sizes) == ((12, 20), "T")
    assert probes.canonical((1, 12), sizes) == ((12,), "reshape")
    assert probes.canonical((7, 3), sizes) == ((7, 3), "same")


class _Transposed(nn.Module):
    """Linear → ReLU → Linear by hand, weights as (in, out), layers declared last-first."""

    def __init__(self, n_in, hidden, n_out):
        super().__init__()
        self.b2 = nn.Parameter(torch.zeros(n_out))
        self.W2 = nn.Parameter(torch.zeros(hidden, n_out))
        self.W1 = nn.Parameter(torch.zeros(n_in, hidden))
        self.b1 = nn.Parameter(torch.zeros(1, hidden))

    def forward(self, x):
        return torch.relu(x @ self.W1 + self.b1) @ self.W2 + self.b2


def test_a_network_written_another_way_gets_the_same_weights_and_scores():
    def sequential(i, h, c):
        return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, c))

    a = probes.classifier(sequential, device="cpu", seed=5, sizes=[20, 12, 5], call="positional")
    b = probes.classifier(_Transposed, device="cpu", seed=5, sizes=[20, 12, 5], call="positional")
    assert sorted(map(tuple, a["canonical"])) == sorted(map(tuple, b["canonical"]))
    torch.testing.assert_close(b["outputs"][0]["tensor"], a["outputs"][0]["tensor"])


def test_frozen_parameters_anywhere_tell_the_frozen_first_slip_apart(checks):
    for scenario in ("frozen_middle", "frozen_last", "shared_deep"):
        counts = _counts(checks, scenario)
        assert counts["frozen_first"] != counts["trainable"], scenario
    counts = _counts(checks, "frozen")
    assert counts["frozen_first"] == counts["trainable"]  # frozen first: that slip gives the right answer


def test_networks_built_in_a_row_show_a_network_kept_between_calls():
    kept = {}

    def once(in_features=784, hidden=128, num_classes=10):
        return kept.setdefault("net", nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(),
                                                    nn.Linear(hidden, num_classes)))

    def fresh(in_features=784, hidden=128, num_classes=10):
        return nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, num_classes))

    calls = [[None, "keywords"], [[20, 12, 5], "keywords"]]
    bad = probes.built_in_a_row(once, device="cpu", seed=1, calls=calls)["networks"]
    good = probes.built_in_a_row(fresh, device="cpu", seed=1, calls=calls)["networks"]
    assert bad[1]["same_object"] == 0 and good[1]["same_object"] is None
    assert good[1]["output"]["shape"] == [4, 5] and good[1]["shares_with"] is None
