"""Checks for exercise 2: what backward does.

A mistake is named only from evidence it leaves in the record: what backward put in
``.grad`` during the call, whether the returned tensors are the live ``.grad`` ones,
what an earlier result looks like after later calls, or the outcome of a known-wrong
version of the function (``lab.simulate``) on the same inputs. When nothing known
matches, the feedback says what was observed. The known-wrong versions are ``@simulator``s:
a release cuts them out and ships only what they give on the public scenarios, as data.
"""

import pytest

from grader.grading.compare import close, evidence, mismatched, step_scale
from grader.grading.feedback import Feedback, NotImplementedYet
from grader.grading.simulations import mistaken, simulator
from grader.lesson.exercise_2 import probes

ORDER = ("backward() adds this batch's gradients to whatever .grad already holds, so the order matters: "
         "clear what an earlier batch left in .grad, run this batch through the model and the loss_fn you "
         "are given, call backward() on that loss, and read the gradients only after that.")
NAMES = ("Key each gradient by its parameter's name as model.named_parameters() spells it, and include "
         "exactly the parameters that require grad.")
AS_IT_IS = ("Return each gradient with the shape and dtype backward() gave it in .grad (a copy is fine), "
            "without converting, reshaping or summing it.")
COPIES = ("Clear old gradients before backward(), not after it. If you also want .grad clean when you "
          "finish, return copies of the gradients (or set .grad to None instead of zeroing it in place), "
          "so that clearing .grad cannot reach the tensors you returned.")
GRAD_IS_NONE = ("A parameter's .grad is None until a backward() fills it (always so for a frozen parameter, "
                "and for every parameter of a model that has not been through backward yet), so zeroing "
                "it in place fails there. model.zero_grad() copes with that, and so does setting .grad to "
                "None.")
ORDINAL = ("first", "second", "third", "fourth", "fifth")


def run(lab, **params):
    """(student outcome, reference outcome) of the gradients probe, with this exercise's hints."""
    try:
        return lab.both(probes.gradients, **params)
    except NotImplementedYet:
        raise
    except Feedback as problem:
        raised = problem.raised
        said = raised.message if raised else ""  # PyTorch's words
        if "'NoneType' object has no attribute 'zero_'" in said:
            raise problem.naming("zero_grad.grad_none", fix=GRAD_IS_NONE) from None
        if "One of the differentiated Tensors does not require grad" in said:
            raise problem.naming("grads.frozen_included") from None
        if "does not require grad and does not have a grad_fn" in said:
            raise problem.naming("backward.no_graph") from None
        raise


def _listing(names, limit=4) -> str:
    shown = ", ".join(repr(n) for n in list(names)[:limit])
    return shown + (f" … ({len(names)} in all)" if len(names) > limit else "")


def _when(call: int) -> str:
    return f" ({ORDINAL[call]} call)" if call else ""


def returned_dict(g_call: dict, trainable: list, shapes: dict, when: str) -> dict:
    """The returned dict as {name: tensor}, after checking its type, keys and values; else Feedback."""
    returned = g_call["returned"]
    what = f"compute_gradients{when}"
    if "items" not in returned:
        value = returned["value"]
        if value["type"] in ("torch.Tensor", "float") and value.get("shape", []) == []:
            raise Feedback(f"{what} returned a single number, which looks like the loss itself, not its "
                           "gradients.", None,
                           "backward() stores the gradients on the parameters, in each one's .grad; the loss "
                           "holds none of them. " + NAMES, mistake="grads.loss_returned")
        if value["type"] in ("list", "tuple"):
            raise Feedback(f"{what} returned a {value['type']}, so nothing says which gradient belongs to "
                           "which parameter. It should return a dict keyed by parameter name.", None, NAMES,
                           mistake="grads.list_returned")
        if value["type"] == "NoneType":
            raise Feedback(f"{what} returned None: the function has no `return` of the gradients.", None,
                           "End the function by returning the dict of gradients. " + NAMES,
                           mistake="grads.not_returned")
        raise Feedback(f"{what} should return a dict, but it returned a {value['type']}.", None, NAMES)
    items = returned["items"]
    odd = [i for i in items if i["key_type"] != "str"]
    if odd:
        shown = ", ".join(i["key"] for i in odd[:4]) + (", …" if len(odd) > 4 else "")
        raise Feedback(f"The keys of your dict are {odd[0]['key_type']} values ({shown}), "
                       "not parameter names.", f"expected keys: {_listing(trainable)}", NAMES,
                       mistake="grads.keys_not_names")
    keys = [i["key"] for i in items]
    frozen = [k for k in keys if k in shapes and k not in trainable]
    if frozen:
        raise Feedback(f"Your dict includes frozen parameters: {_listing(frozen)}. They have "
                       "requires_grad=False, so backward computes no gradient for them.", None,
                       "Leave out every parameter whose requires_grad is False: it is frozen, and gets no "
                       "gradient.", mistake="grads.frozen_included")
    missing = [n for n in trainable if n not in keys]
    extra = [k for k in keys if k not in shapes]
    if missing and extra:
        raise Feedback("Your dict's keys are not the parameter names from model.named_parameters().",
                       f"your keys: {_listing(extra)}\nexpected keys: {_listing(trainable)}", NAMES,
                       mistake="grads.keys_not_names")
    if missing:
        also = " (biases are trainable parameters too)" if all(n.endswith("bias") for n in missing) else ""
        said = (f"Your dict has no gradient for {_listing(missing)}{also}. Every parameter that requires grad "
                "must be in it.")
        if also:
            raise Feedback(said, f"expected keys: {_listing(trainable)}", NAMES, mistake="grads.biases_missing")
        raise Feedback(said, f"expected keys: {_listing(trainable)}", NAMES)
    if extra:
        raise Feedback(f"Your dict has keys that are not parameter names: {_listing(extra)}.",
                       f"expected keys: {_listing(trainable)}", NAMES, mistake="grads.keys_not_names")
    values = {i["key"]: i["value"] for i in items}
    if all(values[n]["type"] == "NoneType" for n in trainable):
        if set(trainable) <= set(g_call["filled"]):
            raise Feedback(f"Every gradient {what} returned is None, though backward() did fill .grad during "
                           "your call: .grad was set back to None after backward() and before you read it. "
                           "That is what happens when zero_grad() runs after backward().", None, ORDER,
                           mistake="zero_grad.after_backward")
        raise Feedback(f"Every gradient {what} returned is None: backward() never filled .grad during your "
                       "call (it was not called on this batch's loss, or the gradients were computed "
                       "without being stored in .grad).", None, ORDER)
    for name in trainable:
        value = values[name]
        if value["type"] == "torch.nn.Parameter":
            raise Feedback(f"For {name!r} your dict holds the parameter itself, not its gradient.", None,
                           "The gradient is what backward() stored in the parameter's .grad.",
                           mistake="grads.parameters_returned")
        if value["type"] == "NoneType":
            raise Feedback(f"The gradient for {name!r} is None: backward() left nothing in its .grad.", None,
                           ORDER)
        if value["type"] != "torch.Tensor":
            raise Feedback(f"The gradient for {name!r} should be a torch.Tensor, but it is a {value['type']}.",
                           None, AS_IT_IS)
        if "tensor" not in value:
            raise Feedback(f"The gradient for {name!r} holds no data (device {value['device']}).", None, ORDER)
        if value["shape"] != shapes[name]:
            raise Feedback(f"The gradient for {name!r} has shape {tuple(value['shape'])}; a gradient has "
                           f"its parameter's shape, {tuple(shapes[name])}.", None, AS_IT_IS)
    return {n: values[n]["tensor"] for n in trainable}


@simulator(calls="compute_gradients")
def _read_too_late(model, loss_fn, inputs, targets):
    """A known mistake: takes the live .grad tensors, then zeroes .grad in place to leave it clean."""
    loss_fn(model(inputs), targets).backward()
    found = {n: p.grad for n, p in model.named_parameters() if p.requires_grad}
    for g in found.values():
        g.zero_()
    return found


def _all_zero(lab, g_call: dict, names: list, params: dict | None, call: int, shown: str) -> Feedback:
    """Feedback for returned gradients that are all zeros (``shown``), its mistake named from what the call
    left as evidence."""
    when = _when(call)
    filled = set(names) <= set(g_call["filled"])
    if filled and set(names) <= set(g_call["live"]):
        same = params is None or call > 0
        # Does the known mistake leave this very record? (zeros, .grad filled, tensors live)
        if not same and params is not None:
            wrong = lab.simulate(probes.gradients, mistaken("_read_too_late"), **params)["calls"][0]
            same = set(names) <= set(wrong["live"]) and set(names) <= set(wrong["filled"])
        if same:
            return Feedback(f"Every gradient you returned{when} is all zeros, yet backward() did fill .grad during "
                            "your call. The tensors in your dict are the model's own .grad tensors, not copies of "
                            "them, and after backward() your function zeroed .grad in place: your dict holds "
                            "those very tensors, so it was zeroed too.", shown, COPIES,
                            mistake="grads.live_returned")
    if filled:
        return Feedback(f"Every gradient you returned{when} is all zeros, though backward() did fill .grad during "
                        "your call: the gradients were zeroed after backward() and before you read them. That is "
                        "what happens when zero_grad() runs after backward().", shown, ORDER,
                        mistake="zero_grad.after_backward")
    return Feedback(f"Every gradient you returned{when} is all zeros, and backward() never put a gradient into "
                    ".grad during your call.", shown, ORDER)


def expect_gradients(got: dict, want: dict, device: str, *, call: int = 0, lab=None,
                     params: dict | None = None) -> None:
    """The student's returned gradients on call ``call`` must match the reference's; name the mistake."""
    g_call, w_call = got["calls"][call], want["calls"][call]
    when = _when(call)
    before, trainable = w_call["before"], w_call["trainable"]
    shapes = {n: list(t.shape) for n, t in before.items()}
    _expect_fresh_result(got, want, call)
    grads = returned_dict(g_call, trainable, shapes, when)
    expected = returned_dict(w_call, trainable, shapes, when)
    for name in expected:
        if grads[name].dtype != expected[name].dtype:
            raise Feedback(f"The gradient for {name!r}{when} has dtype {grads[name].dtype}; the parameter "
                           f"and its gradient have dtype {expected[name].dtype}.", None, AS_IT_IS,
                           mistake="grads.dtype_changed")
    bad = mismatched(grads, expected, device)
    if not bad:
        return
    names = list(expected)
    shown = evidence(grads, expected, bad, "gradient of")
    if all(not grads[n].any() for n in names):
        raise _all_zero(lab, g_call, names, params, call, shown)
    if all(close(grads[n], before[n], device) for n in names):
        raise Feedback("Your dict holds the parameters' values, not their gradients.", shown,
                       "The gradient is what backward() stored in each parameter's .grad, not the parameter "
                       "or its data.", mistake="grads.parameters_returned")
    old = g_call["grads_before"]
    if any(old.get(n) is not None for n in names):
        leaked = {n: expected[n] + old[n] if old.get(n) is not None else expected[n] for n in names}
        if not mismatched(grads, leaked, device):
            later = ""
            if call and g_call["new_model"]:
                later = (" Your first call did not let them leak, but on this new model they did: something "
                         "kept from the first call still clears only the first model's gradients.")
            what = ("Your gradients are this batch's gradients plus the ones that were already in .grad when "
                    f"compute_gradients{when} was called. backward adds to whatever .grad holds, so gradients "
                    f"left over from an earlier batch leak into the result.{later}")
            fix = ("Clear the old gradients of the model you are given before calling backward() (zero_grad "
                   "does that, and so does setting each .grad to None).")
            if later:
                raise Feedback(what, shown, fix, mistake="state.kept")
            raise Feedback(what, shown, fix, mistake="zero_grad.missing")
        if all(old.get(n) is not None and close(grads[n], old[n], device) for n in names):
            raise Feedback("These are exactly the gradients .grad held before your call, from an earlier "
                           "batch: the loss on this batch never went through backward.", shown, ORDER,
                           mistake="grads.stale_returned")
    k = step_scale({n: expected[n] * 0 for n in names}, grads, expected)
    batch_size = w_call["batch_size"]
    if k is not None:
        fix = ("Call backward() on the loss exactly as loss_fn returns it: it already averages over the batch, "
               "so don't scale, sum or negate it.")
        if abs(k - batch_size) < 1e-3 * batch_size:
            raise Feedback(f"Your gradients are {batch_size}× the expected ones, as if the loss were summed over "
                           f"the batch's {batch_size} examples instead of averaged, as loss_fn does.", shown, fix,
                           mistake="loss.summed")
        if abs(k - 1 / batch_size) < 1e-3 / batch_size:
            raise Feedback(f"Your gradients are 1/{batch_size} of the expected ones: the loss was divided by the "
                           "batch size, but loss_fn already averages over the batch.", shown, fix,
                           mistake="loss.divided")
        if abs(k + 1) < 1e-3:
            raise Feedback("Your gradients are −1× the expected ones: they are the gradients of −loss, and "
                           "point the opposite way.", shown, fix, mistake="loss.negated")
        raise Feedback(f"Your gradients are {k:.3g}× the expected ones: they point the right way but are scaled.",
                       shown, fix)
    if any(c.endswith("values") for c in g_call["batch_changed"]):
        raise Feedback(f"The gradients compute_gradients{when} returned are not those of this batch, and your "
                       f"call changed the batch it was given ({', '.join(g_call['batch_changed'])}): the loss "
                       "was computed on something other than the batch passed in.", shown,
                       "Work on the inputs and targets as they come; if you need them changed, make new "
                       "tensors for yourself instead of changing the caller's in place.", mistake="batch.changed")
    raise Feedback(f"The gradients compute_gradients{when} returned are not those of "
                   "loss_fn(model(inputs), targets) on this batch.", shown, ORDER)


def _expect_fresh_result(got: dict, want: dict, call: int) -> None:
    """A later call must return a result of its own: not an earlier call's dict, nor its model's names."""
    g_call = got["calls"][call]
    earlier = g_call["same_object_as"]
    if earlier is not None:
        raise Feedback(f"compute_gradients returned the very same dict object on its {ORDINAL[earlier]} and "
                       f"{ORDINAL[call]} calls, so the {ORDINAL[call]} call rewrote the result the "
                       f"{ORDINAL[earlier]} one had handed back. A dict kept at module level (or as a default "
                       "argument) lives on from call to call.", None,
                       "Build a new dict in every call, inside the function.", mistake="state.kept")
    keys = [i["key"] for i in g_call["returned"].get("items", [])]
    trainable, names = want["calls"][call]["trainable"], want["calls"][call]["before"]
    for i in range(call):
        theirs = want["calls"][i]["trainable"]
        if keys and any(k not in names for k in keys) and set(keys) == set(theirs):
            raise Feedback(f"The keys of the dict your {ORDINAL[call]} call returned are the parameter names "
                           f"of the model from your {ORDINAL[i]} call, not of the model it was given: "
                           "something worked out in an earlier call was kept and used again.",
                           f"your keys: {_listing(keys)}\nexpected keys: {_listing(trainable)}",
                           "Work everything out from the model passed to each call; keep nothing between "
                           "calls at module level. " + NAMES, mistake="state.kept")


def expect_results_kept(got: dict, device: str) -> None:
    """A result, once returned, must keep its values when compute_gradients is called again."""
    for i, later in enumerate(got["kept"]):
        g_call = got["calls"][i]
        then = {k["key"]: k["value"].get("tensor") for k in g_call["returned"].get("items", [])}
        now = {k["key"]: k["value"].get("tensor") for k in later.get("items", [])}
        changed = [n for n in then if then[n] is not None and (now.get(n) is None or not close(now[n], then[n],
                                                                                            device))]
        if set(now) != set(then):
            changed += [n for n in now if n not in then]
        if not changed:
            continue
        shown = "\n".join(f"{n!r}: " + ("gone" if now.get(n) is None else "new key" if then.get(n) is None
                                        else f"was {then[n].reshape(-1)[0].item():.6g} at index 0, "
                                             f"now {now[n].reshape(-1)[0].item():.6g}")
                          for n in changed[:3])
        if set(changed) <= set(g_call["live"]):
            raise Feedback(f"The dict your {ORDINAL[i]} call returned changed when compute_gradients was called "
                           "again. Its tensors are the model's own .grad tensors, not copies of them, so when "
                           "the next call cleared .grad in place and backward() filled it again, your earlier "
                           "result changed with it.", shown,
                           "Return copies of the gradients, so that what you returned keeps this batch's "
                           "gradients whatever happens to .grad afterwards.", mistake="grads.live_returned")
        raise Feedback(f"The dict your {ORDINAL[i]} call returned changed when compute_gradients was called "
                       "again: a result must keep holding its own batch's gradients.", shown,
                       "Return tensors (and a dict) that belong to this call's result alone, not ones a later "
                       "call changes.", mistake="state.kept")


def expect_frozen_kept(got: dict, want: dict, call: int = 0) -> None:
    """compute_gradients must leave every parameter's requires_grad as it found it."""
    g_call = got["calls"][call]
    for name, flag in want["calls"][call]["requires_grad"].items():
        if g_call["requires_grad"].get(name) != flag:
            raise Feedback(f"After compute_gradients{_when(call)}, parameter {name!r} has requires_grad="
                           f"{g_call['requires_grad'].get(name)}; it had {flag} before. Whoever froze a "
                           "parameter decided it should not train.", None,
                           "Leave requires_grad as you find it, and return gradients only for the "
                           "parameters that require grad.", mistake="frozen.unfrozen")


def expect_unchanged(got: dict, want: dict, device: str, call: int = 0) -> None:
    """compute_gradients must leave the batch, and every parameter's value and requires_grad, as it found them."""
    when = _when(call)
    g_call = got["calls"][call]
    if g_call["batch_changed"]:
        raise Feedback(f"compute_gradients{when} changed the batch it was given "
                       f"({', '.join(g_call['batch_changed'])}). The inputs and targets belong to the caller, "
                       "who may use them again.", None,
                       "Work on the inputs and targets as they come; if you need them changed (normalised, "
                       "reshaped, requiring grad), make new tensors for yourself instead of changing the "
                       "caller's in place.", mistake="batch.changed")
    expect_frozen_kept(got, want, call)
    before = want["calls"][call]["before"]
    moved = mismatched(g_call["after"], before, device)
    if not moved:
        return
    sentence = ""
    expected = {i["key"]: i["value"]["tensor"] for i in want["calls"][call]["returned"]["items"]}
    if all(n in expected for n in moved):
        k = step_scale(before, {n: g_call["after"][n] for n in expected},
                       {n: before[n] - expected[n] for n in expected})
        if k is not None and k > 0:
            sentence = (f" They moved by −{k:.3g} × their gradients: that is an optimizer step (gradient "
                        f"descent with learning rate {k:.3g}) taken inside compute_gradients.")
    what = (f"compute_gradients{when} changed the parameters ({_listing(moved)}).{sentence} backward only "
            "computes gradients; it doesn't update weights. That is optimizer.step()'s job, later in the training "
            "loop.")
    fix = ("Don't create an optimizer or take a step here, and don't modify the parameters: compute the gradients "
           "and return them.")
    if sentence:
        raise Feedback(what, evidence(g_call["after"], before, moved), fix, mistake="step.taken")
    raise Feedback(what, evidence(g_call["after"], before, moved), fix)


@simulator(calls="compute_gradients")
def _ignores_loss_fn(model, loss_fn, inputs, targets):
    """A known mistake: cross-entropy hard-coded instead of the loss_fn passed in."""
    import torch

    pairs = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    found = torch.autograd.grad(torch.nn.functional.cross_entropy(model(inputs), targets), [p for _, p in pairs])
    return dict(zip([n for n, _ in pairs], found))


def expect_own_loss_fn(lab, got: dict, want: dict, device: str, **params) -> None:
    """Gradients of the loss_fn passed in; name a hard-coded cross-entropy by simulating it."""
    try:
        expect_gradients(got, want, device, lab=lab, params=params)
    except Feedback:
        wrong = lab.simulate(probes.gradients, mistaken("_ignores_loss_fn"), **params)
        grads = {i["key"]: i["value"].get("tensor") for i in got["calls"][0]["returned"].get("items", [])}
        wrong_grads = {i["key"]: i["value"]["tensor"] for i in wrong["calls"][0]["returned"]["items"]}
        if not mismatched(grads, wrong_grads, device):
            raise Feedback("Your gradients are those of cross-entropy, but the loss_fn passed in here is "
                           "MSELoss: the function used its own loss instead of loss_fn.", None,
                           "Compute the loss with the loss_fn you are given: the caller chooses the loss, "
                           "and the gradients belong to that loss.", mistake="loss.own") from None
        raise


def expect_calls(lab, got: dict, want: dict, device: str, **params) -> None:
    """Every call right on its own, the model left as it was, and earlier results kept."""
    for call in range(len(want["calls"])):
        expect_gradients(got, want, device, call=call, lab=lab, params=params)
        expect_unchanged(got, want, device, call=call)
    expect_results_kept(got, device)


@pytest.mark.points(1)
def test_returns_gradients_by_name(lab, device):
    """compute_gradients returns a dict of gradients keyed by parameter name"""
    params = dict(seed=21, sizes=(6, 5, 3), batch_size=8)
    got, want = run(lab, **params)
    expect_gradients(got, want, device, lab=lab, params=params)


@pytest.mark.points(2)
def test_gradients_match_backward(lab, device):
    """The gradients match loss.backward() on an MNIST-shaped batch (784-32-10 network)"""
    params = dict(seed=22, batch_size=16)
    got, want = run(lab, **params)
    expect_gradients(got, want, device, lab=lab, params=params)


@pytest.mark.points(1)
def test_parameters_unchanged(lab, device):
    """compute_gradients leaves the parameters and the batch unchanged (backward is not a step)"""
    params = dict(seed=23, batch_size=16)
    got, want = run(lab, **params)
    expect_unchanged(got, want, device)
    expect_gradients(got, want, device, lab=lab, params=params)


@pytest.mark.points(1)
def test_old_gradients_do_not_leak(lab, device):
    """Gradients left in .grad by an earlier batch do not leak into the result"""
    params = dict(seed=24, batch_size=16, stale=True)
    got, want = run(lab, **params)
    expect_gradients(got, want, device, lab=lab, params=params)


@pytest.mark.points(1)
def test_frozen_parameters_left_out(lab, device):
    """Frozen parameters (requires_grad=False) are left out of the dict, wherever they sit in the model"""
    params = dict(seed=25, batch_size=16, frozen=["0.bias", "2.weight"])
    got, want = run(lab, **params)
    expect_frozen_kept(got, want)
    expect_gradients(got, want, device, lab=lab, params=params)


@pytest.mark.points(1)
def test_uses_the_loss_fn_given(lab, device):
    """compute_gradients uses the loss_fn and dtype it is given (MSELoss on a float64 model)"""
    params = dict(seed=28, sizes=(12, 6, 3), batch_size=10, loss="mse", dtype="float64")
    got, want = run(lab, **params)
    expect_own_loss_fn(lab, got, want, device, **params)


@pytest.mark.points(1)
def test_called_again_on_another_model(lab, device):
    """Called again, on the same model and on another one, each result holds its own batch's gradients"""
    params = dict(seed=29, sizes=(8, 6, 4), batch_size=8, stale=True,
                  then=[{}, {"model": "new", "shape": "named", "sizes": [9, 7, 3], "batch_size": 6}])
    got, want = run(lab, **params)
    expect_calls(lab, got, want, device, **params)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_named_layers_and_mse_loss(lab, device):
    """Nested layer names, MSELoss, a frozen first parameter, and old gradients in .grad"""
    params = dict(seed=26, sizes=(10, 8, 4), batch_size=12, loss="mse", stale=True, shape="named", frozen=[0])
    got, want = run(lab, **params)
    expect_frozen_kept(got, want)
    expect_own_loss_fn(lab, got, want, device, **params)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_two_batches_in_a_row(lab, device):
    """Called twice on one model, then on a float64 model with its last parameter frozen"""
    params = dict(seed=27, sizes=(20, 16, 5), batch_size=8, calls=2,
                  then=[{"model": "new", "dtype": "float64", "frozen": [3], "stale": True, "loss": "mse"}])
    got, want = run(lab, **params)
    expect_calls(lab, got, want, device, **params)
