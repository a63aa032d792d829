"""Probes for exercise 5: the complete training step, and choosing an optimizer.

``training_steps`` hands train_step a seeded MLP that still holds gradients from
"an earlier batch", a loss function and an optimizer built here (SGD, Adam,
RMSprop…), and records after every call: the parameters, the gradients, how many
optimizer steps were taken (a step hook), the loss before and after (measured
here, under no_grad) and what came back.

``optimizers_made`` calls make_optimizer, records what it built (its class, the
parameters it holds, their learning rate) and then trains a fixed task with it,
in a loop written here, recording the loss after every step. That loop ships to
students with the probes, so it trains only its own fixed task, with its own data
and loss: called on anything else it does nothing (it is no train_epoch to copy).
"""

from __future__ import annotations

from grader.lesson import fakedata
from grader.lesson import inputs
from grader.grading.probes import describe, probe

SIZES = (784, 16, 10)  # train_step's model: MNIST-shaped (B, 784) images in, 10 class scores out
BATCH = 8


# ---- train_step --------------------------------------------------------------------------------

def _optimizer(kind: str, params, lr: float):
    """The optimizer handed to train_step: train_step must work with any of them."""
    import torch

    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if kind == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    raise ValueError(f"unknown optimizer kind {kind!r}")


def _loss_and_data(loss: str, seed: int, steps: int, device: str):
    """The loss function and one (inputs, targets) batch per call."""
    import torch

    data = inputs.batches(seed, steps, BATCH, device=device)
    if loss == "cross_entropy":
        return torch.nn.CrossEntropyLoss(), data
    if loss == "mse":  # regression targets: one number per output
        return torch.nn.MSELoss(), [(x, inputs.randn((BATCH, SIZES[-1]), seed * 31 + i, device=device))
                                    for i, (x, _) in enumerate(data)]
    raise ValueError(f"unknown loss {loss!r}")


def _measured_loss(model, loss_fn, x, y) -> float:
    import torch

    with torch.no_grad():
        return float(loss_fn(model(x), y))


@probe(calls="train_step")
def training_steps(train_step, *, device, seed, optimizer="sgd", lr=0.1, steps=1, loss="cross_entropy",
                   stale=1.0, then=None):
    """Call train_step once per seeded batch, the model arriving with stale gradients.

    ``then`` (an optimizer kind) adds one call with a second model and its own
    optimizer of that kind, recorded under ``then``.
    """
    model = inputs.mlp(SIZES, seed, device=device)
    opt = _optimizer(optimizer, model.parameters(), lr)
    loss_fn, data = _loss_and_data(loss, seed, steps, device)
    if stale:
        inputs.stale_grads(model, seed + 1, scale=stale)
    taken = [0]
    opt.register_step_post_hook(lambda *_: taken.__setitem__(0, taken[0] + 1))
    record = {"before": inputs.named_tensors(model), "after": [], "grads_after": [], "returned": [],
              "steps_taken": [], "loss_before": [], "loss_after": []}
    for x, y in data:
        record["loss_before"].append(_measured_loss(model, loss_fn, x, y))
        already = taken[0]
        returned = train_step(model, loss_fn, opt, x, y)
        record["steps_taken"].append(taken[0] - already)
        record["returned"].append(describe(returned))
        record["after"].append(inputs.named_tensors(model))
        record["grads_after"].append(inputs.named_tensors(model, "grad"))
        record["loss_after"].append(_measured_loss(model, loss_fn, x, y))
    record["state"] = inputs.optimizer_state(model, opt)
    if then:
        record["then"] = _another_model(train_step, model, device, seed, then)
    return record


def _another_model(train_step, first, device, seed, kind) -> dict:
    """One more call, with a second model and an optimizer of its own (``kind``), and cross-entropy:
    nothing of the earlier calls may carry over, and the first model must stay as it was."""
    import torch

    model = inputs.mlp(SIZES, seed + 500, device=device)
    opt = _optimizer(kind, model.parameters(), 0.05)
    inputs.stale_grads(model, seed + 501)
    taken = [0]
    opt.register_step_post_hook(lambda *_: taken.__setitem__(0, taken[0] + 1))
    x, y = inputs.batch(seed + 502, BATCH, device=device)
    loss_fn = torch.nn.CrossEntropyLoss()
    first_before = inputs.named_tensors(first)
    record = {"kind": kind, "before": inputs.named_tensors(model),
              "loss_before": _measured_loss(model, loss_fn, x, y)}
    returned = train_step(model, loss_fn, opt, x, y)
    first_after = inputs.named_tensors(first)
    record.update(returned=describe(returned), steps_taken=taken[0], after=inputs.named_tensors(model),
                  first_moved=[name for name in first_after if not _equal(first_after[name], first_before[name])],
                  state=inputs.optimizer_state(model, opt))
    return record


def _equal(a, b) -> bool:
    import torch

    return a is None and b is None or (a is not None and b is not None and torch.equal(a, b))


# ---- make_optimizer ----------------------------------------------------------------------------
#
# The fixed task. make_optimizer is judged by what its optimizer does on a task fixed here, so the
# task is built to tell good learning rates from bad ones roughly the way real data (MNIST) does.
# Uniform random FakeData pixels are a poor stand-in: every image has the same large mean, so plain
# SGD already overshoots at lr=0.1 and Adam stalls at 0.01. So the FakeData images become stroke
# images instead: each class has a template (a FakeData image's brightest 20% of pixels), each
# sample keeps about 70% of its class's strokes plus its own scattered bright pixels, and 15% of the
# labels are wrong (as in real data; it also keeps the task from being solved in two steps). Then
# the usual MNIST normalisation. An MLP 784 → 64 → 10 trains on 256 of these for 100 steps, batches
# of 32.
#
# What "trains well" means (the checks judge by these two numbers): every loss is finite, the loss
# over the whole task ends at most PROGRESS of where it started, and no batch's loss ever rises above
# EXPLODED times the starting loss.
#
# Measured on both tasks below and on four other seeds (final/start, and highest batch loss/start):
#   SGD lr 0.001: 0.79–0.83, fails ("tiny steps")      SGD lr 0.003: 0.47–0.54, the edge
#   SGD lr 0.01: 0.16–0.22      SGD lr 0.1–0.5: < 0.01, highest 1.0      SGD lr 1: highest 2.4–80
#   SGD with momentum 0.9: lr 3e-4 0.51–0.59 (the edge); lr 0.001 0.17–0.24; lr 0.01–0.1 < 0.01 with
#     the highest ≤ 2.6; lr 0.2 blows up (15–430)
#   Adam lr 3e-5: 0.70–0.74, fails      Adam lr 1e-4: 0.27–0.33      Adam 3e-4 to 0.01: < 0.11, highest ≤ 1.3
#   Adam lr 0.03: highest ≤ 2.4      Adam lr 0.05: 2.1–3.9 (passes)      Adam lr 0.1: highest 9.0–12.9, fails
#   ("explodes")      Adam lr 0.3–1: 56–960
# So the usual choices (SGD 0.01–0.5, with or without momentum up to 0.1; Adam 1e-4 to 0.01, even 0.05)
# pass with a factor of 1.5 or more to spare, and the lesson's two mistakes (SGD given Adam's 0.001,
# Adam given SGD's 0.1) fail by a factor of 1.6 or more.
PROGRESS = 0.5
EXPLODED = 5.0

TASKS = {
    "digits": dict(data_seed=1, model_seed=1, hidden=64),
    "digits-b": dict(data_seed=4, model_seed=4, hidden=64),
}
TRAIN_SAMPLES, TRAIN_STEPS, TRAIN_BATCH = 256, 100, 32
TEMPLATE_PIXELS, KEEP, SCATTER, WRONG_LABELS = 0.8, 0.7, 0.9, 0.15


def digits(seed: int, count: int = TRAIN_SAMPLES, device: str = "cpu"):
    """Stroke images around ten class templates, normalised like MNIST: (count, 784) and labels (count,)."""
    import torch

    gen = inputs.generator(seed)
    images, labels = fakedata.mnist(seed * 101, count)  # (count, 784), normalised
    pixels = images * fakedata.MNIST_STD + fakedata.MNIST_MEAN  # back to [0, 1]
    templates = fakedata.mnist(seed * 101 + count, 10)[0] * fakedata.MNIST_STD + fakedata.MNIST_MEAN
    strokes = templates > TEMPLATE_PIXELS  # (10, 784)
    keep = torch.rand(count, 784, generator=gen) < KEEP
    x = ((strokes[labels] & keep) | (pixels > SCATTER)).float()
    wrong = torch.rand(count, generator=gen) < WRONG_LABELS
    y = torch.where(wrong, (labels + torch.randint(1, 10, (count,), generator=gen)) % 10, labels)
    x = (x - fakedata.MNIST_MEAN) / fakedata.MNIST_STD
    return x.to(device), y.to(device)


def train(model, opt, task: str, device: str = "cpu") -> dict:
    """The grader's own training loop on the fixed task ``task`` (a key of TASKS, nothing else: its data and
    loss are its own); the loss over the whole task before and after, and every batch's loss."""
    import math

    import torch

    x, y = digits(TASKS[task]["data_seed"], device=device)
    steps, batch_size = TRAIN_STEPS, TRAIN_BATCH
    loss_fn = torch.nn.CrossEntropyLoss()
    start = _measured_loss(model, loss_fn, x, y)
    losses = []
    threads = torch.get_num_threads()
    # Matrices this small gain nothing from a second thread, and on a busy machine (the judge and a
    # worker side by side, or a batch run) spinning threads make the loop ten times slower.
    torch.set_num_threads(1)
    try:
        for step in range(steps):
            i = (step * batch_size) % len(x)
            opt.zero_grad()
            model.zero_grad()  # in case the optimizer holds only some of the parameters
            loss = loss_fn(model(x[i:i + batch_size]), y[i:i + batch_size])
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if not math.isfinite(losses[-1]):
                break
    finally:
        torch.set_num_threads(threads)
    return {"start": start, "losses": losses, "final": _measured_loss(model, loss_fn, x, y)}


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):
        return None


def _holdings(model, opt) -> dict:
    """Which of the model's parameters the optimizer's groups hold, and with what settings."""
    import torch

    names = {id(p): name for name, p in model.named_parameters()}
    groups, seen, foreign = [], [], 0
    for group in opt.param_groups:
        held = [p for p in group.get("params", []) if isinstance(p, torch.Tensor)]
        seen += [names[id(p)] for p in held if id(p) in names]
        foreign += sum(id(p) not in names for p in held)
        groups.append({"lr": _number(group.get("lr")), "momentum": _number(group.get("momentum")),
                       "size": len(held)})
    return {"held": seen, "foreign": foreign, "groups": groups,
            "all": [name for name, _ in model.named_parameters()]}


def _class_name(cls) -> str:
    """``torch.optim.Adam`` rather than ``torch.optim.adam.Adam``; ``int``, ``mymodule.Thing``."""
    if cls.__module__.startswith("torch.optim."):
        return f"torch.optim.{cls.__qualname__}"
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _kind(returned) -> dict:
    """What make_optimizer returned: its type, and whether it is an optimizer, SGD, Adam, a class."""
    import torch

    record = {"returned": describe(returned), "type": _class_name(type(returned)),
              "is_class": isinstance(returned, type), "is_optimizer": isinstance(returned, torch.optim.Optimizer),
              "is_sgd": isinstance(returned, torch.optim.SGD), "is_adam": isinstance(returned, torch.optim.Adam)}
    if isinstance(returned, type):
        record["class_name"] = _class_name(returned)
        record["class_is_optimizer"] = issubclass(returned, torch.optim.Optimizer)
    return record


def _made(make_optimizer, name, task, train_it, device, keep=None) -> dict:
    settings = TASKS[task]
    model = inputs.mlp((784, settings["hidden"], 10), settings["model_seed"], device=device)
    returned = make_optimizer(model, name)
    if keep is not None:
        keep[name] = returned
    record = _kind(returned)
    if record["is_optimizer"]:
        record["holds"] = _holdings(model, returned)
        if train_it:
            record["training"] = train(model, returned, task, device)
    return record


@probe(calls="make_optimizer")
def optimizers_made(make_optimizer, *, device, names=("sgd", "adam"), task="digits", train_it=True, again=False):
    """For each name, call make_optimizer(model, name) on a fresh seeded model and, if it gave an
    optimizer, train the fixed task with it. One worker run for both names: each run pays for
    starting up torch.optim. ``again``: then call it once more per name, on a second, smaller
    model, recorded under ``"again"``: an optimizer kept between calls shows there."""
    made: dict = {}
    first: dict = {}
    for name in names:
        made[name] = _made(make_optimizer, name, task, train_it, device, keep=first)
    if again:
        made["again"] = {}
        for name in names:
            model = inputs.mlp((784, 24, 10), 77, device=device)
            returned = make_optimizer(model, name)
            record = _kind(returned)
            record["same_as_first"] = returned is first.get(name)
            if record["is_optimizer"]:
                record["holds"] = _holdings(model, returned)
            made["again"][name] = record
    return made
