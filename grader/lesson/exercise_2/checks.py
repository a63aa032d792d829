"""Checks for exercise 2: what backward does."""

import pytest

from grader.grading.compare import close, evidence, mismatched, step_scale
from grader.grading.feedback import Feedback, NotImplementedYet
from grader.lesson.exercise_2 import probes

ORDER = ("Clear the old gradients first (model.zero_grad()), then run the forward pass, compute "
         "loss = loss_fn(model(inputs), targets), call loss.backward(), and only then read p.grad "
         "for every parameter that requires grad.")
NAMES = ("Build the dict from model.named_parameters(): "
         "`{name: p.grad for name, p in model.named_parameters() if p.requires_grad}`.")
GRAD_IS_NONE = ("A parameter's .grad is None until a backward() fills it (always so for a frozen parameter, "
                "and for every parameter of a model that has not been through backward yet), so "
                "`p.grad.zero_()` fails there. Clear gradients with model.zero_grad(), which copes with "
                "that, or set `p.grad = None`.")


def run(judge, **params):
    """(student outcome, reference outcome) of the gradients probe, with this exercise's hints."""
    try:
        return judge.both(probes.gradients, **params)
    except NotImplementedYet:
        raise
    except Feedback as problem:
        if "'NoneType' object has no attribute 'zero_'" in problem.what:
            raise Feedback(problem.what, problem.evidence, GRAD_IS_NONE) from None
        raise


def _listing(names, limit=4) -> str:
    shown = ", ".join(repr(n) for n in list(names)[:limit])
    return shown + (f" … ({len(names)} in all)" if len(names) > limit else "")


def returned_dict(returned: dict, trainable: list, shapes: dict, when: str) -> dict:
    """The returned dict as {name: tensor}, after checking its type, keys and values; else Feedback."""
    what = f"compute_gradients{when}"
    if "items" not in returned:
        value = returned["value"]
        if value["type"] in ("torch.Tensor", "float") and value.get("shape", []) == []:
            raise Feedback(f"{what} returned a single number, which looks like the loss itself, not its "
                           "gradients.", None,
                           "Call loss.backward(), then return a dict of p.grad keyed by parameter name. " + NAMES)
        if value["type"] in ("list", "tuple"):
            raise Feedback(f"{what} returned a {value['type']}, so nothing says which gradient belongs to "
                           "which parameter. It should return a dict keyed by parameter name.", None, NAMES)
        if value["type"] == "NoneType":
            raise Feedback(f"{what} returned None: the function has no `return` of the gradients.", None,
                           "End with `return` and the dict of gradients. " + NAMES)
        raise Feedback(f"{what} should return a dict, but it returned a {value['type']}.", None, NAMES)
    items = returned["items"]
    odd = [i for i in items if i["key_type"] != "str"]
    if odd:
        shown = ", ".join(i["key"] for i in odd[:4]) + (", …" if len(odd) > 4 else "")
        raise Feedback(f"The keys of your dict are {odd[0]['key_type']} values ({shown}), "
                       "not parameter names.", f"expected keys: {_listing(trainable)}",
                       "Key each gradient by the parameter's name as named_parameters() gives it. " + NAMES)
    keys = [i["key"] for i in items]
    frozen = [k for k in keys if k in shapes and k not in trainable]
    if frozen:
        raise Feedback(f"Your dict includes frozen parameters: {_listing(frozen)}. They have "
                       "requires_grad=False, so backward computes no gradient for them.", None,
                       "Leave out parameters whose requires_grad is False (`if p.requires_grad`).")
    missing = [n for n in trainable if n not in keys]
    extra = [k for k in keys if k not in shapes]
    if missing and extra:
        raise Feedback("Your dict's keys are not the parameter names from model.named_parameters().",
                       f"your keys: {_listing(extra)}\nexpected keys: {_listing(trainable)}", NAMES)
    if missing:
        also = " (biases are trainable parameters too)" if all(n.endswith("bias") for n in missing) else ""
        raise Feedback(f"Your dict has no gradient for {_listing(missing)}{also}. Every parameter that "
                       "requires grad must be in it.", f"expected keys: {_listing(trainable)}", NAMES)
    if extra:
        raise Feedback(f"Your dict has keys that are not parameter names: {_listing(extra)}.",
                       f"expected keys: {_listing(trainable)}", NAMES)
    values = {i["key"]: i["value"] for i in items}
    if all(values[n]["type"] == "NoneType" for n in trainable):
        raise Feedback(f"Every gradient {what} returned is None: .grad was empty when you read it. That "
                       "happens when zero_grad() runs after backward() (it wipes what backward just "
                       "computed), or when backward() is never called.", None, ORDER)
    for name in trainable:
        value = values[name]
        if value["type"] == "torch.nn.Parameter":
            raise Feedback(f"For {name!r} your dict holds the parameter itself, not its gradient.", None,
                           "Use p.grad, the gradient backward() stored on the parameter.")
        if value["type"] == "NoneType":
            raise Feedback(f"The gradient for {name!r} is None: backward() left nothing in its .grad.", None,
                           ORDER)
        if value["type"] != "torch.Tensor":
            raise Feedback(f"The gradient for {name!r} should be a torch.Tensor, but it is a {value['type']}.",
                           None, "Return p.grad as it is (or p.grad.clone()), without converting it.")
        if "tensor" not in value:
            raise Feedback(f"The gradient for {name!r} holds no data (device {value['device']}).", None, ORDER)
        if value["shape"] != shapes[name]:
            raise Feedback(f"The gradient for {name!r} has shape {tuple(value['shape'])}; a gradient has "
                           f"its parameter's shape, {tuple(shapes[name])}.", None,
                           "Return p.grad unchanged: no reshaping, summing or flattening.")
    return {n: values[n]["tensor"] for n in trainable}


def expect_gradients(got: dict, want: dict, device: str, *, batch_size: int, call: int = 0,
                     when: str = "") -> None:
    """The student's returned gradients on call ``call`` must match the reference's; name the mistake."""
    before = want["before"]
    shapes = {n: list(t.shape) for n, t in before.items()}
    g_call, w_call = got["calls"][call], want["calls"][call]
    grads = returned_dict(g_call["returned"], want["trainable"], shapes, when)
    expected = returned_dict(w_call["returned"], want["trainable"], shapes, when)
    for name in expected:
        if grads[name].dtype != expected[name].dtype:
            raise Feedback(f"The gradient for {name!r} has dtype {grads[name].dtype}; the parameter's "
                           f"gradient has dtype {expected[name].dtype}.", None,
                           "Return p.grad as it is (or p.grad.clone()), without converting it.")
    bad = mismatched(grads, expected, device)
    if not bad:
        return
    names = list(expected)
    shown = evidence(grads, expected, bad, "gradient of")
    if all(not grads[n].any() for n in names):
        raise Feedback("Every gradient you returned is all zeros. That happens when zero_grad() runs after "
                       "backward(): it wipes what backward just computed.", shown, ORDER)
    if all(close(grads[n], before[n], device) for n in names):
        raise Feedback("Your dict holds the parameters' values, not their gradients.", shown,
                       "Use p.grad, the gradient backward() stored on each parameter, not p or p.data.")
    old = g_call["grads_before"]
    if any(old.get(n) is not None for n in names):
        leaked = {n: expected[n] + old[n] if old.get(n) is not None else expected[n] for n in names}
        if not mismatched(grads, leaked, device):
            raise Feedback(
                "Your gradients are this batch's gradients plus the ones that were already in .grad when "
                f"compute_gradients{when} was called. backward adds to whatever .grad holds, so gradients "
                "left over from an earlier batch leak into the result.", shown,
                "Clear the old gradients before loss.backward(): call model.zero_grad() (or set each "
                "p.grad = None) first.")
        if all(old.get(n) is not None and close(grads[n], old[n], device) for n in names):
            raise Feedback("These are exactly the gradients .grad held before your call, from an earlier "
                           "batch: the loss on this batch never went through backward.", shown, ORDER)
    k = step_scale({n: expected[n] * 0 for n in names}, grads, expected)
    if k is not None:
        if abs(k - batch_size) < 1e-3 * batch_size:
            sentence = (f"Your gradients are {batch_size}× the expected ones, as if the loss were summed over "
                        f"the batch's {batch_size} examples instead of averaged, as loss_fn does.")
        elif abs(k - 1 / batch_size) < 1e-3 / batch_size:
            sentence = (f"Your gradients are 1/{batch_size} of the expected ones: the loss was divided by the "
                        "batch size, but loss_fn already averages over the batch.")
        elif abs(k + 1) < 1e-3:
            sentence = ("Your gradients are −1× the expected ones: they are the gradients of −loss, and "
                        "point the opposite way.")
        else:
            sentence = f"Your gradients are {k:.3g}× the expected ones: they point the right way but are scaled."
        raise Feedback(sentence, shown, "Call backward() on loss_fn(model(inputs), targets) exactly as it "
                       "comes, without scaling, summing or negating it.")
    raise Feedback(f"The gradients compute_gradients{when} returned are not those of "
                   "loss_fn(model(inputs), targets) on this batch.", shown, ORDER)


def expect_frozen_kept(got: dict, want: dict, call: int = 0, when: str = "") -> None:
    """compute_gradients must leave every parameter's requires_grad as it found it."""
    g_call = got["calls"][call]
    for name, flag in want["calls"][call]["requires_grad"].items():
        if g_call["requires_grad"].get(name) != flag:
            raise Feedback(f"After compute_gradients{when}, parameter {name!r} has requires_grad="
                           f"{g_call['requires_grad'].get(name)}; it had {flag} before. Whoever froze a "
                           "parameter decided it should not train.", None,
                           "Leave requires_grad as you find it, and return gradients only for the "
                           "parameters that require grad.")


def expect_unchanged(got: dict, want: dict, device: str, call: int = 0, when: str = "") -> None:
    """compute_gradients must leave every parameter's value and requires_grad as it found them."""
    expect_frozen_kept(got, want, call, when)
    g_call = got["calls"][call]
    before = want["before"]
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
    raise Feedback(f"compute_gradients{when} changed the parameters ({_listing(moved)}).{sentence} backward "
                   "only computes gradients; it doesn't update weights. That is optimizer.step()'s job, "
                   "later in the training loop.",
                   evidence(g_call["after"], before, moved),
                   "Don't create an optimizer or call step() here, and don't modify the parameters: "
                   "compute the gradients and return them.")


@pytest.mark.points(1)
def test_returns_gradients_by_name(judge, device):
    """compute_gradients returns a dict of gradients keyed by parameter name"""
    got, want = run(judge, seed=21, sizes=(6, 5, 3), batch_size=8)
    expect_gradients(got, want, device, batch_size=8)


@pytest.mark.points(2)
def test_gradients_match_backward(judge, device):
    """The gradients match loss.backward() on an MNIST-shaped batch (784-32-10 network)"""
    got, want = run(judge, seed=22, batch_size=16)
    expect_gradients(got, want, device, batch_size=16)


@pytest.mark.points(2)
def test_parameters_unchanged(judge, device):
    """compute_gradients leaves the parameters unchanged (backward is not a step)"""
    got, want = run(judge, seed=23, batch_size=16)
    expect_unchanged(got, want, device)
    expect_gradients(got, want, device, batch_size=16)


@pytest.mark.points(2)
def test_old_gradients_do_not_leak(judge, device):
    """Gradients left in .grad by an earlier batch do not leak into the result"""
    got, want = run(judge, seed=24, batch_size=16, stale=True)
    expect_gradients(got, want, device, batch_size=16)


@pytest.mark.points(1)
def test_frozen_parameters_left_out(judge, device):
    """Frozen parameters (requires_grad=False) are left out of the dict"""
    got, want = run(judge, seed=25, batch_size=16, frozen=["0.weight", "0.bias"])
    expect_frozen_kept(got, want)
    expect_gradients(got, want, device, batch_size=16)


def _ignores_loss_fn(model, loss_fn, inputs, targets):
    """A known mistake: cross-entropy hard-coded instead of the loss_fn passed in."""
    import torch

    model.zero_grad()
    torch.nn.functional.cross_entropy(model(inputs), targets).backward()
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


@pytest.mark.points(1)
@pytest.mark.hidden
def test_named_layers_and_mse_loss(judge, device):
    """Nested layer names, MSELoss, and old gradients in .grad"""
    params = dict(seed=26, sizes=(10, 8, 4), batch_size=12, loss="mse", stale=True, shape="named")
    got, want = run(judge, **params)
    try:
        expect_gradients(got, want, device, batch_size=12)
    except Feedback:
        wrong = judge.simulate(probes.gradients, _ignores_loss_fn, **params)
        grads = {i["key"]: i["value"].get("tensor") for i in got["calls"][0]["returned"].get("items", [])}
        wrong_grads = {i["key"]: i["value"]["tensor"] for i in wrong["calls"][0]["returned"]["items"]}
        if not mismatched(grads, wrong_grads, device):
            raise Feedback("Your gradients are those of cross-entropy, but the loss_fn passed in here is "
                           "MSELoss: the function used its own loss instead of loss_fn.", None,
                           "Compute the loss with the loss_fn argument: loss = loss_fn(model(inputs), targets).")
        raise


@pytest.mark.points(1)
@pytest.mark.hidden
def test_two_batches_in_a_row(judge, device):
    """Called twice on one model, the second result holds only the second batch's gradients"""
    got, want = run(judge, seed=27, sizes=(20, 16, 5), batch_size=8, calls=2)
    expect_gradients(got, want, device, batch_size=8)
    expect_unchanged(got, want, device)
    expect_gradients(got, want, device, batch_size=8, call=1, when=" (second call)")
