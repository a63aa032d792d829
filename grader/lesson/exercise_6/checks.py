"""Checks for exercise 6: device transfer.

A step that lands where no zero_grad puts it is named by what a known-wrong train_step_on gives on
the same inputs (``lab.simulate``); that version is a ``@simulator``: a release cuts it out and
ships only what it gives on the public scenarios, as data.
"""

from dataclasses import dataclass

import pytest

from grader.grading.compare import (evidence, expect_optimizer_state, expect_recorded, expect_type, mismatched,
                                   step_scale)
from grader.grading.feedback import Feedback, NotImplementedYet
from grader.grading.simulations import mistaken, simulator
from grader.lesson.exercise_6 import probes

TENSOR_TO = ("Tensor.to returns a new tensor; unlike Module.to, it does not move the tensor you "
             "already have")


# ---------------------------------------------------------------- pick_device

def _chosen(record: dict) -> str | None:
    """The device type a pick_device result names ("cuda" for cuda:0), whatever its Python type."""
    returned = record["returned"]
    if returned["type"] in ("torch.device", "str") and isinstance(returned.get("value"), str):
        return returned["value"].split(":")[0]
    return None


def _expect_choice(got: dict, want: dict, pretend: bool) -> None:
    chose, expected = _chosen(got), _chosen(want)
    if chose == expected:
        return
    shown = chose or got["returned"].get("repr") or got["returned"]["type"]
    if expected == "cpu" and chose == "cuda":
        raise Feedback(
            ("When the grader made torch report no GPU" if pretend else "There is no GPU on this machine")
            + " (torch.cuda.is_available() returns False), yet pick_device chose cuda: the first tensor "
            "sent there would fail.", None,
            "Call torch.cuda.is_available() (with the parentheses: the function itself, uncalled, always "
            "counts as true) and choose the CPU when it answers False. torch.backends.cuda.is_built() "
            "only says PyTorch was built with CUDA support, not that a GPU is there.",
            mistake="pick_device.ignores_availability")
    if expected == "cuda":
        raise Feedback(
            ("When the grader made torch report a GPU" if pretend else "This machine has a GPU")
            + f" (torch.cuda.is_available() returns True), yet pick_device chose {shown}: training would "
            "run on the CPU and leave the GPU idle.", None,
            "Choose the GPU whenever torch.cuda.is_available() answers True (ask that, not "
            "torch.backends.cuda.is_built(), which only says how PyTorch was built).",
            mistake="pick_device.ignores_availability")
    raise Feedback(f"pick_device chose {shown}; expected {expected}.", None,
                   "Ask torch.cuda.is_available(): the GPU when it answers True, the CPU otherwise.")


def _expect_choices_in_a_row(got: dict, want: dict, reports: list) -> None:
    """Called again after torch changed its answer, pick_device asks again (each answer alone was right)."""
    for i, (g, w, present) in enumerate(zip(got["in_a_row"], want["in_a_row"], reports)):
        if i and _chosen({"returned": g}) != _chosen({"returned": w}) and \
                _chosen({"returned": g}) == _chosen({"returned": got["in_a_row"][0]}):
            now = "a GPU" if present else "no GPU"
            raise Feedback(
                f"pick_device was called {i + 1} times in a row. By call {i + 1}, torch reported {now}, yet it "
                f"gave {_chosen({'returned': g})} again, its answer from the first call: it keeps an earlier "
                "answer (a module-level variable, a cache) instead of asking torch each time.", None,
                "Ask torch.cuda.is_available() inside pick_device, every time it is called.", mistake="state.kept")
        _expect_choice({"returned": g}, {"returned": w}, pretend=True)


@pytest.mark.points(1)
def test_pick_device_returns_a_torch_device(lab):
    """pick_device returns a torch.device for the device this machine really has"""
    got, want = lab.both(probes.choose)
    try:
        expect_type(got["returned"], "torch.device", "What pick_device returns",
                    "Return a torch.device object made from the name, not the name as a string: the code "
                    "that receives it can then rely on device.type and device.index.")
    except Feedback as problem:
        if got["returned"]["type"] == "str":
            raise problem.naming("pick_device.returns_a_name") from None
        raise
    _expect_choice(got, want, pretend=False)


@pytest.mark.points(1)
def test_pick_device_chooses_the_gpu_only_when_there_is_one(lab):
    """pick_device chooses cuda when a GPU is available and the CPU when none is, asking again on each call"""
    for gpu in (True, False):  # one call per run first: each answer on its own
        got, want = lab.both(probes.choose, gpu=gpu)
        _expect_choice(got, want, pretend=True)
    reports = [True, False, True]  # then in a row: right alone, wrong in a row means an answer was kept
    got, want = lab.both(probes.choose, gpu=reports)
    _expect_choices_in_a_row(got, want, reports)


# ---------------------------------------------------------------- to_device

def _student_to_device(lab, **params):
    """Like lab.both, but an exception from a common slip in to_device is explained."""
    want = lab.reference(probes.move, **params)
    try:
        got = lab.student(probes.move, **params)
    except NotImplementedYet:
        raise
    except Feedback as problem:
        explained = _explain_crash(problem)
        if explained is problem:
            raise
        raise explained from None
    return got, want


def _explain_crash(problem: Feedback) -> Feedback:
    """The student's exception, with what it means here when it is a known slip."""
    raised = problem.raised
    if raised is None:  # not an exception of the student's code (the worker itself failed, say): nothing to add
        return problem
    if "has no attribute 'to'" in raised.message:
        return problem.because(
            "Only tensors (and models) have .to(): the numbers, strings and None in a batch have nothing to "
            "move and must come back as they are.",
            "Call .to(device) only on tensors (isinstance(x, torch.Tensor)); return any other value unchanged.",
            mistake="to_device.moves_non_tensors")
    if raised.type == "RecursionError":
        return problem.because(
            "A string is a sequence whose items are strings again, so code that treats every sequence as a "
            "container never reaches the bottom of a string.",
            "Look inside lists and tuples only (isinstance(x, (list, tuple))), and return strings as they are.",
            mistake="to_device.strings_as_containers")
    return problem


def _path(base: str, key) -> str:
    return f"{base}[{key!r}]"


def _walk(got: dict, want: dict, path: str, out: list) -> None:
    """Append (kind, path, detail) for every way ``got`` differs from ``want`` (describe() records)."""
    import torch

    gt, wt = got["type"], want["type"]
    if wt == "torch.Tensor":
        if gt != "torch.Tensor":
            out.append(("type", path, f"a {gt} came back where a tensor was expected"))
        elif got["device"].split(":")[0] != want["device"].split(":")[0]:
            out.append(("device", path, f"{path} is on {got['device']}"))
        elif got["dtype"] != want["dtype"]:
            out.append(("dtype", path, f"{path} became {got['dtype']}; it was {want['dtype']}"))
        elif got["shape"] != want["shape"]:
            out.append(("shape", path, f"{path} has shape {tuple(got['shape'])}; it had {tuple(want['shape'])}"))
        elif "tensor" in want and not ("tensor" in got and torch.equal(got["tensor"], want["tensor"])):
            out.append(("values", path, f"{path} holds other values than it did"))
        return
    if wt == "str" and (gt != wt or got.get("value") != want.get("value")):
        out.append(("string", path, f"{path} was {want['value']!r} and came back as "
                    + (repr(got["value"])[:60] if gt == "str" else f"a {gt}")))
        return
    if gt != wt:
        if wt in ("list", "tuple", "dict"):
            out.append(("container", path, f"{path} was a {wt} and came back as a {gt}"))
        else:
            out.append(("type", path, f"{path} was {want.get('value')!r} and came back as a {gt}"))
        return
    if wt in ("list", "tuple"):
        g_items, w_items = got["items"], want["items"]
        if len(g_items) != len(w_items):
            out.append(("dropped", path, f"{path} had {len(w_items)} items and came back with {len(g_items)}"))
            return
        for i, (g, w) in enumerate(zip(g_items, w_items)):
            _walk(g, w, f"{path}[{i}]", out)
    elif wt == "dict":
        g_items, w_items = dict(got["items"]), dict(want["items"])
        for key in w_items:
            if key not in g_items:
                out.append(("dropped", _path(path, key), f"{_path(path, key)} is missing"))
            else:
                _walk(g_items[key], w_items[key], _path(path, key), out)
        for key in g_items.keys() - w_items.keys():
            out.append(("extra", _path(path, key), f"{_path(path, key)} was not in the batch"))
    elif got.get("value") != want.get("value"):
        out.append(("type", path, f"{path} was {want.get('value')!r} and came back as {got.get('value')!r}"))


def _tensor_paths(record: dict, path: str = "batch") -> list[str]:
    if record["type"] == "torch.Tensor":
        return [path]
    if record["type"] in ("list", "tuple"):
        return [p for i, item in enumerate(record["items"]) for p in _tensor_paths(item, f"{path}[{i}]")]
    if record["type"] == "dict":
        return [p for key, item in record["items"] for p in _tensor_paths(item, _path(path, key))]
    return []


def expect_moved(got: dict, want: dict) -> None:
    """The batch to_device returned must have the reference's structure, leaves, and tensors on the device."""
    if got["returned"]["type"] == "NoneType" and want["returned"]["type"] != "NoneType":
        raise Feedback("to_device returned None.", None,
                       "Return the moved batch: a new tensor from .to(device), or a new container of moved items.",
                       mistake="to_device.returns_none")
    out: list = []
    _walk(got["returned"], want["returned"], "batch", out)
    if not out:
        return
    where = want["device"]
    by_kind: dict[str, list] = {}
    for kind, path, detail in out:
        by_kind.setdefault(kind, []).append((path, detail))

    def shown(kind):
        found = by_kind[kind]
        return "\n".join(d for _, d in found[:3]) + (f"\n… and {len(found) - 3} more" if len(found) > 3 else "")

    if "container" in by_kind:
        raise Feedback(
            "to_device changed the structure of the batch: a container came back as a different kind. "
            "Code that unpacks the batch (images, labels = batch) or looks up its keys relies on it.",
            shown("container"),
            "Rebuild each container as the kind it was: tuple(...) for a tuple, [...] for a list, "
            "{key: ...} for a dict.", mistake="to_device.changes_containers")
    kept_not = ("to_device did not keep every item of the batch: values that are not tensors (numbers, "
                "strings, None) have nothing to move but must still come back, in their places.")
    kept_fix = "Return non-tensor values unchanged instead of leaving them out."
    if "dropped" in by_kind:
        raise Feedback(kept_not, shown("dropped"), kept_fix, mistake="to_device.drops_values")
    if "extra" in by_kind:  # items the batch never had: nothing was shown to be left out
        raise Feedback(kept_not, shown("extra"), kept_fix)
    if "device" in by_kind:
        tensors = _tensor_paths(want["returned"])
        stuck = [p for p, _ in by_kind["device"]]
        moved = [p for p in tensors if p not in stuck]
        nested_only = all(p.count("[") > 1 for p in stuck)
        if not moved and not nested_only:
            raise Feedback(
                f"No tensor in the batch reached {where}. {TENSOR_TO}: "
                "`t.to(device)` on a line of its own changes nothing.", shown("device"),
                "Keep what .to(device) gives back and hand that back, not the tensor you started with.",
                mistake="device.result_dropped")
        if not moved:
            raise Feedback(
                f"No tensor in the batch reached {where}; they all sit inside nested lists, tuples or "
                f"dicts. Either they were never reached, or {TENSOR_TO}.", shown("device"),
                "Call to_device on every item of a container, so it reaches tensors at any depth, "
                "and keep what .to(device) gives back.")
        if all(p.count("[") == 1 for p in moved) and nested_only:
            raise Feedback(
                f"Only the top level of the batch was moved to {where}: the tensors inside nested "
                "lists, tuples and dicts stayed where they were.", shown("device"),
                "Call to_device on every item of a container, so it reaches tensors at any depth.",
                mistake="to_device.top_level_only")
        raise Feedback(f"Some tensors in the batch did not reach {where}.", shown("device"),
                       "Move every tensor, at any depth, with .to(device), and keep what it returns.")
    if "string" in by_kind:
        raise Feedback(
            "to_device took a string apart. A string is a sequence too, whose items are strings again, "
            "so code that rebuilds every Sequence as a container does not leave it alone.", shown("string"),
            "Look inside lists and tuples only (isinstance(x, (list, tuple))), and return strings as they are.",
            mistake="to_device.strings_as_containers")
    if "type" in by_kind:
        raise Feedback("to_device changed values that are not tensors; they must come back as they are.",
                       shown("type"), "Return numbers, strings and None unchanged.")
    if "dtype" in by_kind:
        raise Feedback(
            "to_device changed the dtype of some tensors. Moving a tensor keeps its dtype, and it "
            "must: class labels, for one, have to stay integers for the loss.", shown("dtype"),
            "Use .to(device) alone, without .float() or a dtype.", mistake="to_device.changes_dtype")
    raise Feedback("to_device changed the tensors it moved; they must arrive as they were.",
                   shown(next(iter(by_kind))), "Only move tensors: .to(device) changes nothing else.")


def expect_batch_left_alone(got: dict) -> None:
    """The batch handed to to_device is, after the call, what it was before."""
    out: list = []
    _walk(got["given_after"], got["given"], "batch", out)
    if out:
        raise Feedback(
            "to_device changed the batch it was given: after the call, the caller's own batch is no longer "
            "what it handed over. Filling the old lists and dicts with moved tensors (or replacing their items) "
            "changes them for everyone who holds them, a data loader's cache or the CPU copy you meant to keep.",
            "\n".join(detail for _, _, detail in out[:3]),
            "Build new lists, tuples and dicts for the result and leave the ones you were given as they were.",
            mistake="to_device.changes_the_batch")


def expect_second_call(got: dict, want: dict) -> None:
    """A second call, to another device, moves that batch there: nothing of the first call is kept."""
    if "again" not in want:
        return
    out: list = []
    _walk(got["again"]["returned"], want["again"]["returned"], "batch", out)
    if not out:
        return
    first, second = got["device"], want["again"]["device"]
    stuck_first = [d for kind, _, d in out if kind == "device" and f"on {first}" in d]
    if stuck_first:
        raise Feedback(
            f"The first call moved the batch to {first}, as asked. Called again with device {second}, to_device "
            f"still sent the tensors to {first}: it keeps the device of an earlier call (a module-level "
            "variable, a default argument, a cache) instead of using the one it is given.",
            "\n".join(stuck_first[:3]), "Use the `device` argument of each call; keep nothing between calls.",
            mistake="state.kept")
    raise Feedback(f"The first call was right, but a second call, to {second}, did not return the batch moved "
                   "there.", "\n".join(d for _, _, d in out[:3]),
                   "Treat every call on its own: move that call's batch to that call's device.")


@pytest.mark.points(1)
def test_to_device_moves_a_tensor(lab):
    """to_device moves a single tensor to the device, then another to the CPU on a second call"""
    got, want = _student_to_device(lab, seed=11, kind="tensor", target="meta", again="cpu")
    expect_moved(got, want)
    expect_second_call(got, want)


@pytest.mark.points(2)
def test_to_device_keeps_the_structure(lab):
    """to_device moves every tensor in a nested batch, keeps its containers and other values, leaves the batch given alone"""  # noqa: E501 - a check's title is one line
    got, want = _student_to_device(lab, seed=12, kind="nested", target="meta")
    expect_moved(got, want)
    expect_batch_left_alone(got)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_to_device_keeps_values(lab):
    """to_device on a deeper batch, on the grading device: every value arrives unchanged"""
    got, want = _student_to_device(lab, seed=13, kind="deep", target="grading", again="meta")
    expect_moved(got, want)
    expect_batch_left_alone(got)
    expect_second_call(got, want)
    got, want = _student_to_device(lab, seed=14, kind="deep", target="meta")
    expect_moved(got, want)
    expect_batch_left_alone(got)


# ---------------------------------------------------------------- train_step_on

@dataclass(frozen=True)
class Misplaced:
    """What a placement record shows went to the wrong device."""

    said: str
    """What happened, in a sentence or two."""
    change: str
    """What to change."""
    mistake: str | None = None
    """Its id in mistakes.toml, when it is a known one."""


def _stopped(got: dict) -> str | None:
    """The error PyTorch stopped the step with, as evidence, if it did."""
    return f"PyTorch stopped with: {got['raised']}" if got.get("raised") else None


def expect_placed(got: dict, where: str) -> None:
    """The model, inputs and targets were on ``where`` each time the model and the loss ran."""
    found = misplaced(got, where)
    if found is not None:
        raise Feedback(found.said, _stopped(got), found.change, mistake=found.mistake)


def expect_placed_each_call(got: dict, where: str) -> None:
    """Every call of a placement probe (a second model included) ran everything on ``where``."""
    calls = got.get("calls") or [got]
    for i, call in enumerate(calls):
        record = {"placement": call["placement"], "raised": call["raised"]}
        found = misplaced(record, where)
        if found is None:
            continue
        if i == 0:
            raise Feedback(found.said, _stopped(record), found.change, mistake=found.mistake)
        raise Feedback(
            f"The first call of train_step_on put everything on {where}. Called again with a second model "
            "(a new one, on the CPU), it did not: " + found.said[0].lower() + found.said[1:] +
            " Something kept from the first call (a module-level flag saying the model was already "
            "moved, say) stood in for moving this call's model and data.", _stopped(record),
            "Move this call's model, inputs and targets on every call; keep nothing between calls.",
            mistake="state.kept")


def misplaced(got: dict, where: str) -> Misplaced | None:
    """What went to the wrong device, if anything did, each time the model and the loss ran: the model,
    inputs and targets must all be on ``where``."""
    records = got["placement"] if isinstance(got["placement"], list) else [got["placement"]]
    for seen in records:
        for run in seen["forward"]:
            params = [d for d in run["parameters"] if d != where]
            inputs = [d for d in run["inputs"] if d != where]
            if params and inputs:
                return Misplaced(
                    f"The forward pass ran on {inputs[0]}, not on the device you were given ({where}): "
                    "neither the model nor the inputs were moved there.",
                    "Use the `device` argument (not pick_device() or a fixed name): before the forward "
                    "pass, move the model there with model.to(device), and the inputs and targets too, "
                    "keeping the tensors that Tensor.to gives back.", mistake="device.argument_ignored")
            if params:
                return Misplaced(
                    f"When the forward pass ran, the inputs were on {where} but the model's parameters "
                    f"were still on {params[0]}: the model was never moved. The model and the data it "
                    "meets must be on the same device.",
                    "Move the model with model.to(device) before the forward pass. It moves the parameters "
                    "themselves, so the optimizer still updates them.", mistake="device.model_not_moved")
            if inputs:
                return Misplaced(
                    f"When the forward pass ran, the model was on {where} but the inputs were still on "
                    f"{inputs[0]}. {TENSOR_TO}, so `inputs.to(device)` on a line of its own changes nothing.",
                    "Keep what .to(device) returns: assign the moved tensor back to the name you "
                    "use in the forward pass, for the inputs and for the targets.",
                    mistake="device.data_not_moved")
        for run in seen["loss"]:
            outputs = [d for d in run["outputs"] if d != where]
            targets = [d for d in run["targets"] if d != where]
            if targets and not outputs:
                return Misplaced(
                    f"When the loss was computed, the model's outputs were on {where} but the targets "
                    f"were still on {targets[0]}. The loss compares the two, so they must be on the same "
                    f"device. {TENSOR_TO}.",
                    "Move the targets to the device too, and keep the tensor .to(device) gives back.",
                    mistake="device.targets_not_moved")
            if outputs:
                return Misplaced(
                    f"The loss was computed on {outputs[0]}, not on {where}: everything in the training "
                    "step should stay on the device you were given.",
                    "Give loss_fn the model's outputs as they are and the targets moved to the device.")
    if got.get("raised"):  # placement explained the error, but no rule above named it
        return Misplaced("The model and the data were not on the same device.",
                         "Move the model, the inputs and the targets to `device` before the forward pass.")
    return None


@simulator(calls="train_step_on")
def _no_zero_grad(model, loss_fn, optimizer, inputs, targets, device):
    """A known mistake: the step without zero_grad, so earlier gradients are added in."""
    model.to(device)
    loss = loss_fn(model(inputs.to(device)), targets.to(device))
    loss.backward()
    optimizer.step(closure=None)  # worded unlike the solutions, which must not leak into a release
    return loss.detach().item()


def expect_training(lab, got: dict, want: dict, device: str, params: dict) -> None:
    """Each step's returned loss and the parameters after it match the reference."""
    expect_recorded(got, want, ("returned", "after"), "train_step_on")
    expect_placed(got, got["device"])
    before = want["before"]
    for step, (w_returned, w_after) in enumerate(zip(want["returned"], want["after"])):
        when = f" (step {step + 1})" if len(want["after"]) > 1 else ""
        returned = got["returned"][step]
        if returned["type"] == "torch.Tensor":
            kept = ("it is still part of the graph, so it also keeps the whole computation of the step alive"
                    if returned.get("has_grad_fn") else
                    "it is detached, so it holds no graph, but it is still a tensor on the device")
            raise Feedback(f"What train_step_on returns{when} should be a float, but it is a torch.Tensor "
                           f"(on {returned['device']}): {kept}.", None,
                           "Hand back the loss as a plain Python number: loss.item() brings it back from the device.",
                           mistake="loss.returned_as_tensor")
        expect_type(returned, "float", f"What train_step_on returns{when}",
                    "Hand back the loss as a plain Python number: loss.item() brings it back from the device.")
        g_loss, w_loss = got["returned"][step]["value"], w_returned["value"]
        if not abs(g_loss - w_loss) <= 1e-5 + 1e-4 * abs(w_loss):
            raise Feedback(
                f"The loss train_step_on returned{when} is {g_loss:.6g}; this batch's loss before the "
                f"update is {w_loss:.6g}.", None,
                "Hand back, as a number (loss.item()), the loss you computed from this batch and called backward() on.")
        taken = got["steps_taken"][step] - (got["steps_taken"][step - 1] if step else 0)
        if taken == 0 and mismatched(got["after"][step], before, device):
            raise Feedback(
                f"The optimizer passed to train_step_on never took a step{when}, yet the parameters changed: "
                "they were updated some other way (an optimizer made inside train_step_on, or by hand). That "
                "ignores the optimizer you were given, with its own learning rate and state.", None,
                "Step the optimizer you are given; don't build one of your own.", mistake="optimizer.ignored")
        bad = mismatched(got["after"][step], w_after, device, steps=step + 1)
        if bad:
            raise _training_mismatch(lab, got, want, step, bad, device, params, before, when)
        before = w_after
    if "state" in want:
        expect_optimizer_state(got["state"], want["state"], device, len(want["after"]),
                               "Step the optimizer you are given, once per call, and leave its state to it.")


def _training_mismatch(lab, got, want, step, bad, device, params, before, when) -> Feedback:
    g_after, w_after = got["after"][step], want["after"][step]
    shown = evidence(g_after, w_after, bad)
    if not mismatched(g_after, before):
        taken = got["steps_taken"][step] - (got["steps_taken"][step - 1] if step else 0)
        fix = "Zero the gradients, run the forward pass and the loss, call backward(), then optimizer.step()."
        if taken == 0:
            return Feedback(f"After train_step_on{when}, the parameters did not change: optimizer.step() was "
                            "never called.", shown, fix, mistake="step.missing")
        return Feedback(f"After train_step_on{when}, the parameters did not change: the gradients were gone when "
                        "optimizer.step() ran: zero_grad belongs before the forward pass, not between backward() "
                        "and step().", shown, fix, mistake="zero_grad.misplaced")
    simulated = lab.simulate(probes.training, mistaken("_no_zero_grad"), **params)
    if not mismatched(g_after, simulated["after"][step], device, steps=step + 1):
        return Feedback(
            f"After train_step_on{when}, the parameters are where a step lands when zero_grad is never "
            "called: the model arrived holding gradients from an earlier batch, and backward() added "
            "this batch's to them.", shown,
            "Call optimizer.zero_grad() before the forward pass (the model may arrive with old gradients).",
            mistake="zero_grad.missing")
    k = step_scale(before, g_after, w_after)
    scale = f" Your update is {k:.3g}× the expected one." if k is not None else ""
    return Feedback(f"After train_step_on{when}, the parameters are not where one training step puts them."
                    + scale, shown,
                    "Do exactly one step: zero_grad, forward, loss, backward, optimizer.step().")


@pytest.mark.points(2)
def test_train_step_on_puts_model_and_data_on_the_device(lab):
    """train_step_on runs the forward pass and the loss with the model, inputs and targets on `device`"""
    got, want = lab.both(probes.placement, seed=21, target="meta", models=2)
    expect_placed_each_call(got, "meta")
    if not got["placement"]["forward"]:
        raise Feedback("train_step_on never ran the model on the inputs, so no training step happened.", None,
                       "Run the forward pass: call the model on the inputs, once both are on the device.",
                       mistake="forward.missing")
    assert want["placement"]["forward"], "the reference solution never ran the model"


@pytest.mark.points(1)
def test_train_step_on_matches_a_training_step(lab, device):
    """train_step_on returns the loss as a float and steps the optimizer it is given: two calls, SGD with momentum"""
    params = dict(seed=22, optimizer="momentum", lr=0.05, steps=2, stale=True)
    got, want = lab.both(probes.training, **params)
    expect_training(lab, got, want, device, params)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_train_step_on_two_adam_steps(lab, device):
    """Two calls of train_step_on with Adam, the model arriving with old gradients"""
    params = dict(seed=23, optimizer="adam", lr=1e-3, steps=2, stale=True)
    got, want = lab.both(probes.training, **params)
    expect_training(lab, got, want, device, params)
