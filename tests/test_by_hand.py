"""``by_hand`` sees every route by which a function hands its step to torch.optim, in the worker (the
watch, which leaves torch as it found it) and in the source (what the judge decides by); the reference
momentum of exercise 3 is torch.optim.SGD's, buffers included."""

from __future__ import annotations

import pytest
import torch
import torch.optim.adam as adam_module
import torch.optim.sgd as sgd_module

from conftest import ROOT, load_solution
from grader.lesson import by_hand, inputs
from grader.lesson.exercise_3 import probes


def _model():
    model = inputs.mlp((3, 2), 1)
    inputs.stale_grads(model, 1)
    return model


def _by_class(model):
    torch.optim.SGD(model.parameters(), lr=0.1).step()


def _functional(model):
    params = list(model.parameters())
    with torch.no_grad():
        adam_module.adam(params, [p.grad for p in params], [torch.zeros_like(p) for p in params],
                              [torch.zeros_like(p) for p in params], [], [torch.tensor(0.0) for _ in params],
                              amsgrad=False, beta1=0.9, beta2=0.999, lr=0.01, weight_decay=0.0, eps=1e-8,
                              maximize=False)


def _foreach(model):
    params = list(model.parameters())
    with torch.no_grad():
        torch._foreach_add_(params, [p.grad for p in params], alpha=-0.1)


@pytest.mark.parametrize("update, noted", [
    (_by_class, ["built torch.optim.SGD", "called torch.optim.SGD.step()", "ran torch.optim's own SGD update"]),
    (_functional, ["ran torch.optim's own Adam update"]),
    (_foreach, []),
])
def test_what_took_the_step_is_noted(update, noted):
    with by_hand.watching_torch_optim() as used:
        update(_model())
    assert used == noted


def test_torch_is_left_as_it_was():
    before = (torch.optim.Optimizer.__init__, sgd_module._single_tensor_sgd, adam_module._single_tensor_adam)
    with pytest.raises(RuntimeError):
        with by_hand.watching_torch_optim():
            raise RuntimeError("the student's code failed")
    assert (torch.optim.Optimizer.__init__, sgd_module._single_tensor_sgd,
            adam_module._single_tensor_adam) == before
    with by_hand.watching_torch_optim() as used:
        pass
    _by_class(_model())
    assert used == []


def test_the_momentum_reference_is_torch_sgd_buffers_included():
    steps, lr, momentum, frozen = 3, 0.05, 0.9, ("0.bias",)
    record = probes.momentum_steps(load_solution("exercise_3").sgd_momentum_update, device="cpu", seed=5,
                                   lr=lr, momentum=momentum, steps=steps, frozen=frozen)
    model = inputs.mlp(probes.SIZES, 5)
    for name, p in model.named_parameters():
        p.requires_grad_(name not in frozen)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    for step in range(steps):
        inputs.stale_grads(model, 5 + 100 * step)
        optimizer.step()
        for name, p in model.named_parameters():
            torch.testing.assert_close(record["after"][step][name], p.detach())
            buffer = optimizer.state.get(p, {}).get("momentum_buffer")
            expected = torch.zeros_like(p) if buffer is None else buffer
            torch.testing.assert_close(record["velocities"][step][name], expected.detach())
    assert record["torch_optim"] == []


# ---------------------------------------------------------------- the source: how_steps_are_taken

def _kinds(source: str, name: str = "sgd_update") -> list[str]:
    return [f["kind"] for f in by_hand.how_steps_are_taken([["exercise_3.py", source]], [name])[name]]


@pytest.mark.parametrize("path", sorted([*(ROOT / "tests" / "correct").glob("exercise_[37]/*.py"),
                                         ROOT / "solutions" / "exercise_3.py", ROOT / "solutions" / "exercise_7.py"]),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_steps_written_by_hand_show_nothing(path):
    source = path.read_text()
    names = ["adam_update"] if "def adam_update" in source else ["sgd_update", "sgd_momentum_update"]
    assert by_hand.how_steps_are_taken([[path.name, source]], names) == {name: [] for name in names}


HEAD = "import torch\n"
BY_HAND = ("def sgd_update(params, lr):\n    with torch.no_grad():\n        for p in params:\n"
           "            p.sub_(lr * p.grad)\n")


@pytest.mark.parametrize("source, kinds", [
    # tensor operations of any kind are by hand; what never runs when graded does not count
    (HEAD + "def sgd_update(params, lr):\n    torch._foreach_add_(params, [p.grad for p in params], alpha=-lr)\n", []),
    (HEAD + BY_HAND + "if __name__ == '__main__':\n    torch.optim.SGD([], lr=1)\n", []),
    (HEAD + BY_HAND + "def compare():\n    return torch.optim.SGD\n", []),
    ("import sys, math, numpy as np\n" + HEAD + BY_HAND + "def f():\n    print(math.pi, np.pi, file=sys.stderr)\n", []),
    # torch.optim, its functional API and its kernels, however named
    (HEAD + "def sgd_update(params, lr):\n    torch.optim.SGD(params, lr=lr).step()\n", ["optim"]),
    ("from torch import optim as o\ndef sgd_update(params, lr):\n    o.SGD(params, lr=lr).step()\n", ["optim"]),
    (HEAD + "t = torch\ndef sgd_update(params, lr):\n    t.optim.SGD(params, lr=lr).step()\n", ["optim"]),
    ("from torch.optim.sgd import sgd as sgd_update\n", ["optim"]),
    (HEAD + "def sgd_update(params, lr):\n    torch.ops.aten._fused_sgd_(params)\n", ["optim"]),
    (HEAD + "def sgd_update(params, lr):\n    torch._C._functions.x(params)\n", ["optim"]),
    (HEAD + "def _helper(params):\n    torch._fused_sgd_(params)\n"
     "def sgd_update(params, lr):\n    _helper(params)\n", ["optim"]),
    (HEAD + "class S:\n    def go(self):\n        torch.optim.SGD\n"
     "def sgd_update(params, lr):\n    S().go()\n", ["optim"]),
    (HEAD + "def sgd_update(params, lr):\n    torch._decomp.decomposition_table\n", ["hidden"]),
    (HEAD + "def sgd_update(params, lr):\n    torch.overrides.get_overridable_functions()\n", ["hidden"]),
    (HEAD + "def _sub(self, other):\n    pass\nsetattr(torch.Tensor, 'sub_', _sub)\n" + BY_HAND, ["hidden"]),
    # what hides how the step is taken: the grader cannot tell
    (HEAD + "def sgd_update(params, lr):\n    getattr(torch, 'op' + 'tim')\n", ["hidden"]),
    (HEAD + "def sgd_update(params, lr):\n    exec('x = 1')\n", ["hidden"]),
    ("import importlib\ndef sgd_update(params, lr):\n    importlib.import_module('torch')\n", ["hidden"]),
    ("import sys\ndef sgd_update(params, lr):\n    sys.modules['torch']\n", ["hidden"]),
    (HEAD + "def sgd_update(params, lr):\n    vars(torch)\n", ["hidden"]),
    (HEAD + "def sgd_update(params, lr):\n    torch.__dict__['x']\n", ["hidden"]),
    ("def sgd_update(params, lr):\n    __builtins__\n", ["hidden"]),
    ("import inspect\ndef sgd_update(params, lr):\n    inspect.currentframe()\n", ["hidden"]),
    ("def sgd_update(params, lr):\n    (x for x in ()).gi_frame.f_back\n", ["hidden"]),
    (HEAD + "def _sub(self, other):\n    pass\ntorch.Tensor.sub_ = _sub\n" + BY_HAND, ["hidden"]),
    ("import operator, torch\ndef sgd_update(params, lr):\n    operator.attrgetter('op' + 'tim')(torch)\n", ["hidden"]),
    ("from helpers import sgd_update\n", ["hidden"]),
    (HEAD + "getattr = getattr\ndef sgd_update(params, lr):\n    getattr(torch, 'op' + 'tim')\n", ["hidden"]),
    (HEAD + "def sgd_update(params, lr, t=torch):\n    t._decomp.decomposition_table\n", ["hidden"]),
    ("def make():\n    return None\n", ["hidden"]),
])
def test_the_source_says_how_a_step_is_taken(source, kinds):
    assert sorted(set(_kinds(source))) == kinds


def test_the_source_is_read_in_a_child_under_limits_through_the_judge(course):
    from types import SimpleNamespace

    from grader.grading.chunk import Chunk

    state = {}
    lab = SimpleNamespace(context=SimpleNamespace(
        state=state, exercise=course.exercise("exercise-3"),
        submission=SimpleNamespace(chunks=(Chunk("exercise_3.py", HEAD + BY_HAND),))))
    with pytest.raises(Exception) as failed:
        by_hand.expect_by_hand(lab, {"torch_optim": []}, "sgd_momentum_update")  # not defined
    assert failed.value.named_mistake == "step.hidden"
    by_hand.expect_by_hand(lab, {"torch_optim": []}, "sgd_update")
    assert set(state["by_hand"]) == {"sgd_update", "sgd_momentum_update"}  # one child for the exercise
    with pytest.raises(Exception) as noted:  # the watch's notes fail a step the source does not show
        by_hand.expect_by_hand(lab, {"torch_optim": ["built torch.optim.SGD"]}, "sgd_update")
    assert noted.value.named_mistake == "step.torch_optim" and "built torch.optim.SGD" in noted.value.what


def test_an_error_is_named_from_what_was_raised_never_from_words():
    """``diagnosis.known_error`` reads the error a feedback reports (PyTorch's message), so a feedback
    that only quotes the words, or an error that a frozen parameter was not shown to cause, stays as it is."""
    from grader.grading.feedback import Feedback, student_error
    from grader.lesson import diagnosis

    def raised(message: str) -> Feedback:
        return student_error({"kind": "exception", "type": "RuntimeError", "message": message},
                             "sgd_update", "exercise_3.py")

    recorded = raised("a leaf Variable that requires grad is being used in an in-place operation.")
    named = diagnosis.known_error(recorded)
    assert named.mistake == "update.recorded" and named.text == recorded.text and named.cause == recorded.cause
    none_grad = raised("unsupported operand type(s) for *: 'float' and 'NoneType'")
    assert diagnosis.known_error(none_grad) is none_grad
    assert diagnosis.known_error(none_grad, frozen_is_cause=True).mistake == "frozen.touched"
    quoted = Feedback(recorded.what, recorded.evidence, recorded.fix, mistake="code.raises")  # words, no error
    assert diagnosis.known_error(quoted) is quoted
