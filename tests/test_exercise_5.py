"""Exercise 5's fixed training task on its own: it must keep telling good learning rates from bad ones.

make_optimizer is judged by training a task built from FakeData; the comment above PROGRESS and
EXPLODED in grader/lesson/exercise_5/probes.py records the margins. These tests pin them, so that a change
to the task, the data or PyTorch that erodes them shows up here.
"""

from __future__ import annotations

import math

import pytest
import torch

from grader.lesson.exercise_5 import probes


def _maker(cls, **settings):
    return lambda model, name: cls(model.parameters(), **settings)


def _trained(maker, task):
    return probes.optimizers_made(maker, device="cpu", names=["any"], task=task)["any"]


def _verdict(run: dict) -> str:
    """What the checks conclude from a training run (grader/lesson/exercise_5/checks.py, expect_trains)."""
    losses = run["losses"]
    if not all(map(math.isfinite, losses + [run["final"]])) or max(losses) > probes.EXPLODED * run["start"]:
        return "blew up"
    return "too slow" if run["final"] > probes.PROGRESS * run["start"] else "trains"


GOOD = [
    (torch.optim.SGD, dict(lr=0.01)),
    (torch.optim.SGD, dict(lr=0.5)),
    (torch.optim.SGD, dict(lr=0.001, momentum=0.9)),
    (torch.optim.SGD, dict(lr=0.1, momentum=0.9)),
    (torch.optim.Adam, dict(lr=1e-4)),
    (torch.optim.Adam, dict(lr=0.01)),
]
BAD = [
    (torch.optim.SGD, dict(lr=0.001), "too slow"),    # Adam's learning rate given to SGD
    (torch.optim.Adam, dict(lr=0.1), "blew up"),      # SGD's learning rate given to Adam
    (torch.optim.Adam, dict(lr=1e-5), "too slow"),
]


@pytest.mark.parametrize("task", sorted(probes.TASKS))
@pytest.mark.parametrize("cls, settings", GOOD, ids=lambda v: getattr(v, "__name__", str(v)))
def test_usual_learning_rates_train_well(task, cls, settings):
    run = _trained(_maker(cls, **settings), task)["training"]
    assert _verdict(run) == "trains"
    # With room to spare: at most 2/3 of the allowed final loss, at most 2/3 of the allowed peak.
    assert run["final"] <= probes.PROGRESS * run["start"] / 1.5
    assert max(run["losses"]) <= probes.EXPLODED * run["start"] / 1.5


@pytest.mark.parametrize("task", sorted(probes.TASKS))
@pytest.mark.parametrize("cls, settings, verdict", BAD, ids=lambda v: getattr(v, "__name__", str(v)))
def test_the_lessons_learning_rate_mistakes_fail(task, cls, settings, verdict):
    run = _trained(_maker(cls, **settings), task)["training"]
    assert _verdict(run) == verdict
    if verdict == "too slow":
        assert run["final"] >= probes.PROGRESS * run["start"] * 1.4
    else:
        assert max(run["losses"]) >= probes.EXPLODED * run["start"] * 1.4


def test_the_task_is_the_same_every_time():
    x1, y1 = probes.digits(1)
    x2, y2 = probes.digits(1)
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert x1.shape == (probes.TRAIN_SAMPLES, 784) and set(y1.tolist()) == set(range(10))
