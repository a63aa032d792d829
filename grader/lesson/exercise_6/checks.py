"""Checks for exercise 6: device transfer."""

import pytest

from grader.grading.compare import evidence, expect_recorded, expect_type, mismatched, step_scale
from grader.grading.feedback import Feedback, NotImplementedYet
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
            "counts as true) and return torch.device(\"cpu\") when it is False. torch.backends.cuda.is_built() "
            "only says PyTorch was built with CUDA support, not that a GPU is there.")
    if expected == "cuda":
        raise Feedback(
            ("When the grader made torch report a GPU" if pretend else "This machine has a GPU")
            + f" (torch.cuda.is_available() returns True), yet pick_device chose {shown}: training would "
            "run on the CPU and leave the GPU idle.", None,
            "Return torch.device(\"cuda\") whenever torch.cuda.is_available() is True (ask that, not "
            "torch.backends.cuda.is_built(), which only says how PyTorch was built).")
    raise Feedback(f"pick_device chose {shown}; expected {expected}.", None,
                   "Return torch.device(\"cuda\") when torch.cuda.is_available() is True, else torch.device(\"cpu\").")


@pytest.mark.points(1)
def test_pick_device_returns_a_torch_device(judge):
    """pick_device returns a torch.device for the device this machine really has"""
    got, want = judge.both(probes.choose)
    expect_type(got["returned"], "torch.device", "What pick_device returns",
                "Return a device object, torch.device(\"cuda\") or torch.device(\"cpu\"), not its name "
                "as a string: the code that receives it can then rely on device.type and device.index.")
    _expect_choice(got, want, pretend=False)


@pytest.mark.points(1)
def test_pick_device_chooses_the_gpu_only_when_there_is_one(judge):
    """pick_device chooses cuda when a GPU is available and the CPU when none is"""
    for gpu in (True, False):
        got, want = judge.both(probes.choose, gpu=gpu)
        _expect_choice(got, want, pretend=True)


# ---------------------------------------------------------------- to_device

def _student_to_device(judge, **params):
    """Like judge.both, but an exception from a common slip in to_device is explained."""
    want = judge.reference(probes.move, **params)
    try:
        got = judge.student(probes.move, **params)
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
    if getattr(problem, "incident", None):  # the worker itself failed: nothing to add
        return problem
    if "has no attribute 'to'" in problem.what:
        return Feedback(
            problem.what + "\nOnly tensors (and models) have .to(): the numbers, strings and None in a "
            "batch have nothing to move and must come back as they are.", problem.evidence,
            "Call .to(device) only on tensors (isinstance(x, torch.Tensor)); return any other value unchanged.")
    if "RecursionError" in problem.what:
        return Feedback(
            problem.what + "\nA string is a sequence whose items are strings again, so code that treats "
            "every sequence as a container never reaches the bottom of a string.", problem.evidence,
            "Look inside lists and tuples only (isinstance(x, (list, tuple))), and return strings as they are.")
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
                       "Return the moved batch: a new tensor from .to(device), or a new container of moved items.")
    out: list = []
    _walk(got["returned"], want["returned"], "batch", out)
    if not out:
        return
    where = want["device"]
    by_kind = {}
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
            "{key: ...} for a dict.")
    if "dropped" in by_kind or "extra" in by_kind:
        kind = "dropped" if "dropped" in by_kind else "extra"
        raise Feedback(
            "to_device did not keep every item of the batch: values that are not tensors (numbers, "
            "strings, None) have nothing to move but must still come back, in their places.",
            shown(kind), "Return non-tensor values unchanged instead of leaving them out.")
    if "device" in by_kind:
        tensors = _tensor_paths(want["returned"])
        stuck = [p for p, _ in by_kind["device"]]
        moved = [p for p in tensors if p not in stuck]
        nested_only = all(p.count("[") > 1 for p in stuck)
        if not moved and not nested_only:
            raise Feedback(
                f"No tensor in the batch reached {where}. {TENSOR_TO}: "
                "`t.to(device)` on a line of its own changes nothing.", shown("device"),
                "Keep and return what .to(device) gives back, e.g. `return batch.to(device)` for a tensor.")
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
                "Call to_device on every item of a container, so it reaches tensors at any depth.")
        raise Feedback(f"Some tensors in the batch did not reach {where}.", shown("device"),
                       "Move every tensor, at any depth, with .to(device), and keep what it returns.")
    if "string" in by_kind:
        raise Feedback(
            "to_device took a string apart. A string is a sequence too, whose items are strings again, "
            "so code that rebuilds every Sequence as a container does not leave it alone.", shown("string"),
            "Look inside lists and tuples only (isinstance(x, (list, tuple))), and return strings as they are.")
    if "type" in by_kind:
        raise Feedback("to_device changed values that are not tensors; they must come back as they are.",
                       shown("type"), "Return numbers, strings and None unchanged.")
    if "dtype" in by_kind:
        raise Feedback(
            "to_device changed the dtype of some tensors. Moving a tensor keeps its dtype, and it "
            "must: class labels, for one, have to stay integers for the loss.", shown("dtype"),
            "Use .to(device) alone, without .float() or a dtype.")
    raise Feedback("to_device changed the tensors it moved; they must arrive as they were.",
                   shown(next(iter(by_kind))), "Only move tensors: .to(device) changes nothing else.")


@pytest.mark.points(1)
def test_to_device_moves_a_tensor(judge):
    """to_device moves a single tensor to the device"""
    got, want = _student_to_device(judge, seed=11, kind="tensor", target="meta")
    expect_moved(got, want)


@pytest.mark.points(2)
def test_to_device_keeps_the_structure(judge):
    """to_device moves every tensor in a nested batch and keeps its tuples, lists, dicts and other values"""
    got, want = _student_to_device(judge, seed=12, kind="nested", target="meta")
    expect_moved(got, want)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_to_device_keeps_values(judge):
    """to_device on a deeper batch, on the grading device: every value arrives unchanged"""
    got, want = _student_to_device(judge, seed=13, kind="deep", target="grading")
    expect_moved(got, want)
    got, want = _student_to_device(judge, seed=14, kind="deep", target="meta")
    expect_moved(got, want)


# ---------------------------------------------------------------- train_step_on

def expect_placed(got: dict, where: str) -> None:
    """The model, inputs and targets were on ``where`` each time the model and the loss ran."""
    records = got["placement"] if isinstance(got["placement"], list) else [got["placement"]]
    raised = got.get("raised")
    stopped = f"PyTorch stopped with: {raised}" if raised else None
    for seen in records:
        for run in seen["forward"]:
            params = [d for d in run["parameters"] if d != where]
            inputs = [d for d in run["inputs"] if d != where]
            if params and inputs:
                raise Feedback(
                    f"The forward pass ran on {inputs[0]}, not on the device you were given ({where}): "
                    "neither the model nor the inputs were moved there.", stopped,
                    "Use the `device` argument (not pick_device() or a fixed name): model.to(device), "
                    "inputs = inputs.to(device), targets = targets.to(device), before the forward pass.")
            if params:
                raise Feedback(
                    f"When the forward pass ran, the inputs were on {where} but the model's parameters "
                    f"were still on {params[0]}: the model was never moved. The model and the data it "
                    "meets must be on the same device.", stopped,
                    "Call model.to(device) before the forward pass. It moves the parameters themselves, "
                    "so the optimizer still updates them.")
            if inputs:
                raise Feedback(
                    f"When the forward pass ran, the model was on {where} but the inputs were still on "
                    f"{inputs[0]}. {TENSOR_TO}, so `inputs.to(device)` on a line of its own changes nothing.",
                    stopped, "Keep the result: inputs = inputs.to(device), and the same for targets.")
        for run in seen["loss"]:
            outputs = [d for d in run["outputs"] if d != where]
            targets = [d for d in run["targets"] if d != where]
            if targets and not outputs:
                raise Feedback(
                    f"When the loss was computed, the model's outputs were on {where} but the targets "
                    f"were still on {targets[0]}. The loss compares the two, so they must be on the same "
                    f"device. {TENSOR_TO}.", stopped, "Move the targets too: targets = targets.to(device).")
            if outputs:
                raise Feedback(
                    f"The loss was computed on {outputs[0]}, not on {where}: everything in the training "
                    "step should stay on the device you were given.", stopped,
                    "Pass the model's outputs and targets = targets.to(device) straight to loss_fn.")
    if raised:  # placement explained the error, but no rule above named it
        raise Feedback("The model and the data were not on the same device.", stopped,
                       "Move the model, the inputs and the targets to `device` before the forward pass.")


def _no_zero_grad(model, loss_fn, optimizer, inputs, targets, device):
    """A known mistake: the step without zero_grad, so earlier gradients are added in."""
    model.to(device)
    loss = loss_fn(model(inputs.to(device)), targets.to(device))
    loss.backward()
    optimizer.step(closure=None)  # worded unlike the solutions, which must not leak into a release
    return loss.detach().item()


def expect_training(judge, got: dict, want: dict, device: str, params: dict) -> None:
    """Each step's returned loss and the parameters after it match the reference."""
    expect_recorded(got, want, ("returned", "after"), "train_step_on")
    expect_placed(got, got["device"])
    before = want["before"]
    for step, (w_returned, w_after) in enumerate(zip(want["returned"], want["after"])):
        when = f" (step {step + 1})" if len(want["after"]) > 1 else ""
        expect_type(got["returned"][step], "float", f"What train_step_on returns{when}",
                    "Return loss.item(): a plain Python number, brought back from the device (a loss "
                    "tensor would also keep the whole graph of the step alive).")
        g_loss, w_loss = got["returned"][step]["value"], w_returned["value"]
        if not abs(g_loss - w_loss) <= 1e-5 + 1e-4 * abs(w_loss):
            raise Feedback(
                f"The loss train_step_on returned{when} is {g_loss:.6g}; this batch's loss before the "
                f"update is {w_loss:.6g}.", None,
                "Return loss.item() of the loss you computed from this batch and called backward() on.")
        bad = mismatched(got["after"][step], w_after, device, steps=step + 1)
        if bad:
            raise _training_mismatch(judge, got, want, step, bad, device, params, before, when)
        before = w_after


def _training_mismatch(judge, got, want, step, bad, device, params, before, when) -> Feedback:
    g_after, w_after = got["after"][step], want["after"][step]
    shown = evidence(g_after, w_after, bad)
    if not mismatched(g_after, before):
        taken = got["steps_taken"][step] - (got["steps_taken"][step - 1] if step else 0)
        why = ("optimizer.step() was never called" if taken == 0 else
               "the gradients were gone when optimizer.step() ran: zero_grad belongs before the forward "
               "pass, not between backward() and step()")
        return Feedback(f"After train_step_on{when}, the parameters did not change: {why}.", shown,
                        "Zero the gradients, run the forward pass and the loss, call backward(), then "
                        "optimizer.step().")
    simulated = judge.simulate(probes.training, _no_zero_grad, **params)
    if not mismatched(g_after, simulated["after"][step], device, steps=step + 1):
        return Feedback(
            f"After train_step_on{when}, the parameters are where a step lands when zero_grad is never "
            "called: the model arrived holding gradients from an earlier batch, and backward() added "
            "this batch's to them.", shown,
            "Call optimizer.zero_grad() before the forward pass (the model may arrive with old gradients).")
    k = step_scale(before, g_after, w_after)
    scale = f" Your update is {k:.3g}× the expected one." if k is not None else ""
    return Feedback(f"After train_step_on{when}, the parameters are not where one training step puts them."
                    + scale, shown,
                    "Do exactly one step: zero_grad, forward, loss, backward, optimizer.step().")


@pytest.mark.points(2)
def test_train_step_on_puts_model_and_data_on_the_device(judge):
    """train_step_on runs the forward pass and the loss with the model, inputs and targets on `device`"""
    got, want = judge.both(probes.placement, seed=21, target="meta")
    expect_placed(got, "meta")
    if not got["placement"]["forward"]:
        raise Feedback("train_step_on never ran the model on the inputs, so no training step happened.", None,
                       "Run the forward pass, outputs = model(inputs), on the device.")
    assert want["placement"]["forward"], "the reference solution never ran the model"


@pytest.mark.points(1)
def test_train_step_on_matches_a_training_step(judge, device):
    """train_step_on returns the loss as a float and updates the parameters as one SGD step does"""
    params = dict(seed=22, optimizer="sgd", lr=0.1, steps=1, stale=True)
    got, want = judge.both(probes.training, **params)
    expect_training(judge, got, want, device, params)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_train_step_on_two_adam_steps(judge, device):
    """Two calls of train_step_on with Adam, the model arriving with old gradients"""
    params = dict(seed=23, optimizer="adam", lr=1e-3, steps=2, stale=True)
    got, want = judge.both(probes.training, **params)
    expect_training(judge, got, want, device, params)
