"""Probes for exercise 6: choosing a device, moving a batch, a training step on a device.

Most machines that run these checks have no GPU, so two stand-ins do the work:

- ``pick_device`` runs while torch is made to report a GPU (or none), then put
  back exactly as it was: the same probe runs in the judge, which must be left as it was found.
- Placement is tested on the ``meta`` device. A meta tensor has a device, a
  dtype and a shape but no values, which is all "is it on the right device?"
  needs, and mixing it with CPU tensors fails the way mixing CUDA and CPU
  tensors does. The few things that need values (``loss.item()``, copying back
  to the CPU) give NaN there instead of failing; see ``_MetaStandIn``.
"""

from __future__ import annotations

import contextlib

from grader.lesson import inputs
from grader.grading.probes import describe, probe

# Ops on the meta device import torch's symbolic-shape machinery (sympy, ~0.3 s) on first
# use: imported once before the fork server starts, the judge and the workers share it.
WARM_IMPORTS = ("torch.fx.experimental.symbolic_shapes",)

SIZES = (784, 32, 10)  # MNIST-shaped inputs, a small Linear → ReLU → Linear
BATCH = 16


# ---------------------------------------------------------------- pick_device

def _yes():
    return True


def _no():
    return False


def _one():
    return 1


def _zero():
    return 0


@contextlib.contextmanager
def _pretend_gpu(present: bool | None):
    """torch reports one CUDA GPU (True), none (False) or the truth (None) inside the block; never MPS.

    Module attributes are patched, and the code of ``torch.cuda.is_available``
    and ``device_count`` is swapped too, so that ``from torch.cuda import
    is_available`` sees the same answer. Everything is restored on the way out.
    """
    import torch

    patches: list[tuple] = [(torch.backends.mps, "is_available", _no)]  # same answer on every machine
    codes: list = []
    if present is not None:
        accelerator = torch.device("cuda") if present else None
        patches += [(torch.cuda, "is_available", _yes if present else _no),
                    (torch.cuda, "device_count", _one if present else _zero)]
        if present:
            patches.append((torch.cuda, "current_device", _zero))
        if hasattr(torch, "accelerator"):  # torch >= 2.6
            patches += [(torch.accelerator, "is_available", _yes if present else _no),
                        (torch.accelerator, "current_accelerator", lambda check_available=False: accelerator),
                        (torch.accelerator, "device_count", _one if present else _zero)]
            if present:
                patches.append((torch.accelerator, "current_device_index", _zero))
        codes = [(fn, answer) for fn, answer in ((torch.cuda.is_available, _yes if present else _no),
                                                 (torch.cuda.device_count, _one if present else _zero))
                 if hasattr(fn, "__code__") and not fn.__code__.co_freevars]
    missing = object()
    saved = [(owner, name, owner.__dict__.get(name, missing)) for owner, name, _ in patches]
    swaps = [(fn, fn.__code__, answer.__code__) for fn, answer in codes]
    try:
        for owner, name, value in patches:
            setattr(owner, name, value)
        for fn, _, code in swaps:
            fn.__code__ = code
        yield
    finally:
        for owner, name, value in reversed(saved):
            if value is missing:
                delattr(owner, name)
            else:
                setattr(owner, name, value)
        for fn, code, _ in swaps:
            fn.__code__ = code


@probe(calls="pick_device")
def choose(pick_device, *, device, gpu=None):
    """Call pick_device as the machine is (gpu=None), pretending it has a GPU (True) or none (False), or
    once per entry of a list of those, in a row (``in_a_row``): an answer kept between calls shows there."""
    if isinstance(gpu, list):
        answers = []
        for present in gpu:
            with _pretend_gpu(present):
                answers.append(describe(pick_device()))
        return {"returned": answers[0], "in_a_row": answers}
    with _pretend_gpu(gpu):
        chosen = pick_device()
    return {"returned": describe(chosen)}


# ---------------------------------------------------------------- to_device

def _nested(seed: int, kind: str):
    """A batch as a data loader might give it: tensors in dicts, tuples and lists, with other values."""
    import torch

    gen = inputs.generator(seed)
    images = inputs.randn((2, 1, 4, 4), gen)                              # (B, C, H, W)
    labels = torch.randint(0, 10, (2,), generator=gen)                    # int64
    weights = inputs.randn((2,), gen, dtype="float64")
    if kind == "tensor":
        return images
    if kind == "nested":
        return {"images": images, "pair": (labels, [weights, 3, "label"]), "none": None}
    mask = torch.rand(2, 3, generator=gen) > 0.5                          # bool
    return [{"x": images, "info": {"id": 7, "scale": 0.5, "flag": True}},
            (labels, ()), "name", [], (mask, [weights, None])]


@probe(calls="to_device")
def move(to_device, *, device, seed, kind="nested", target="meta", again=None):
    """Call to_device on a seeded batch; target is a device name or "grading" for the grading device.
    Also the given batch after the call, and with ``again`` (a device) a second call on a fresh batch."""
    import torch

    where = torch.device(device if target == "grading" else target)
    batch = _nested(seed, kind)
    moved = to_device(batch, where)
    record = {"returned": describe(moved), "given": describe(_nested(seed, kind)), "device": where.type,
              "given_after": describe(batch)}
    if again:
        second = torch.device(device if again == "grading" else again)
        record["again"] = {"returned": describe(to_device(_nested(seed + 1, kind), second)), "device": second.type}
    return record


# ---------------------------------------------------------------- train_step_on

class _Placement:
    """Where the inputs, parameters, outputs and targets were each time the model and the loss ran."""

    def __init__(self, model, loss_fn):
        self.model = model
        self.forward: list[dict] = []
        self.loss: list[dict] = []
        first = next(iter(model.children()))  # hooks on the first layer see model.forward(x) too
        self._handles = [first.register_forward_pre_hook(self._on_forward, with_kwargs=True),
                         loss_fn.register_forward_pre_hook(self._on_loss, with_kwargs=True)]

    @staticmethod
    def _devices(args, kwargs) -> list[str]:
        import torch

        return [t.device.type for t in (*args, *kwargs.values()) if isinstance(t, torch.Tensor)]

    def _on_forward(self, module, args, kwargs):
        params = sorted({p.device.type for p in self.model.parameters()})
        self.forward.append({"inputs": self._devices(args, kwargs)[:1], "parameters": params})

    def _on_loss(self, module, args, kwargs):
        found = self._devices(args, kwargs)
        self.loss.append({"outputs": found[:1], "targets": found[1:2]})

    def misplaced(self, where: str) -> bool:
        seen = [d for f in self.forward for d in (*f["inputs"], *f["parameters"])]
        seen += [d for r in self.loss for d in (*r["outputs"], *r["targets"])]
        return any(d != where for d in seen)

    def record(self) -> dict:
        for handle in self._handles:
            handle.remove()
        return {"forward": self.forward, "loss": self.loss}


class _MetaStandIn:
    """While active, meta tensors stand in for a GPU's, and what needs values gets NaN.

    ``loss.item()``, ``float(loss)``, ``f"{loss:.3f}"``, ``loss.cpu()``, ``.tolist()``,
    ``.numpy()`` cannot run on meta tensors (there are no values); here they act on a CPU
    tensor of NaN of the same shape instead. ``model.to("meta")`` keeps the
    very parameter objects the optimizer holds (as moving to a GPU does), and
    ``p.data = p.data.to(device)`` works too.
    """

    def __enter__(self):
        import torch
        from torch.overrides import TorchFunctionMode

        T = torch.Tensor
        copy_out = {T.item, T.__float__, T.__int__, T.__format__, T.tolist, T.cpu, T.to, T.numpy}
        set_data = T.data.__set__  # type: ignore[attr-defined]  # a descriptor on the class; torch types it a Tensor

        class Mode(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                try:
                    return func(*args, **kwargs)
                except (RuntimeError, NotImplementedError, TypeError):
                    first = args[0] if args else None
                    if not isinstance(first, torch.Tensor):
                        raise
                    if first.device.type == "meta" and func in copy_out:
                        fill = float("nan") if first.is_floating_point() else 0
                        return func(torch.full(first.shape, fill, dtype=first.dtype), *args[1:], **kwargs)
                    value = args[1] if len(args) > 1 else None
                    if func == set_data and isinstance(value, torch.Tensor) and value.device.type == "meta":
                        stand_in = torch.nn.Parameter(value.detach(), requires_grad=first.requires_grad)
                        torch.utils.swap_tensors(first, stand_in)
                        return None
                    raise

        self._swap = torch.__future__.get_swap_module_params_on_conversion()
        torch.__future__.set_swap_module_params_on_conversion(True)
        self._mode = Mode()
        self._mode.__enter__()
        return self

    def __exit__(self, *exc):
        import torch

        try:
            self._mode.__exit__(*exc)
        finally:
            torch.__future__.set_swap_module_params_on_conversion(self._swap)
        return False


def _setup(seed: int, optimizer: str, lr: float, stale: bool):
    """A seeded model on the CPU (as a freshly built one is), its optimizer and a loss function."""
    import torch

    model = inputs.mlp(SIZES, seed)
    if stale:
        inputs.stale_grads(model, seed + 1)  # gradients left over from an earlier batch
    make = {"sgd": lambda ps: torch.optim.SGD(ps, lr=lr),
            "momentum": lambda ps: torch.optim.SGD(ps, lr=lr, momentum=0.9),
            "adam": lambda ps: torch.optim.Adam(ps, lr=lr)}[optimizer]
    return model, torch.nn.CrossEntropyLoss(), make(model.parameters())


def _step(train_step_on, model, loss_fn, opt, x, y, where: str):
    """One call, watched: (returned, placement record, what was raised if it came from misplacement)."""
    import torch

    watch = _Placement(model, loss_fn)
    try:
        returned = train_step_on(model, loss_fn, opt, x, y, torch.device(where))
    except Exception as exc:  # kept only when the placement explains it
        if not watch.misplaced(where):
            raise
        return None, watch.record(), f"{type(exc).__name__}: {str(exc)[:300]}"
    return describe(returned), watch.record(), None


@probe(calls="train_step_on")
def placement(train_step_on, *, device, seed, target="meta", models=1):
    """One step from a model and data on the CPU to ``target``; where everything was when it ran.
    ``models=2``: then a second new model on the CPU, in the same run (``calls``: each call's record)."""
    calls = []
    stand_in = _MetaStandIn() if target == "meta" else contextlib.nullcontext()
    with stand_in:
        for i in range(models):
            model, loss_fn, opt = _setup(seed + i, "sgd", 0.1, stale=False)
            x, y = inputs.batch(seed + i, BATCH)
            returned, seen, raised = _step(train_step_on, model, loss_fn, opt, x, y, target)
            calls.append({"returned": returned, "placement": seen, "raised": raised})
            if raised:
                break
    return {**calls[0], "device": target, "calls": calls}


@probe(calls="train_step_on")
def training(train_step_on, *, device, seed, optimizer="sgd", lr=0.1, steps=1, stale=True):
    """``steps`` calls on the grading device, each with a new batch; the loss and parameters after each."""
    import torch

    counted = []
    model, loss_fn, opt = _setup(seed, optimizer, lr, stale)
    opt.register_step_post_hook(lambda *_: counted.append(1))
    record = {"before": inputs.named_tensors(model), "returned": [], "after": [], "placement": [],
              "steps_taken": [], "raised": None, "device": torch.device(device).type}
    for step in range(steps):
        x, y = inputs.batch(seed * 10 + step, BATCH)  # on the CPU, as a data loader gives it
        returned, seen, raised = _step(train_step_on, model, loss_fn, opt, x, y, record["device"])
        record["placement"].append(seen)
        if raised:
            record["raised"] = raised
            break
        record["returned"].append(returned)
        record["after"].append(inputs.named_tensors(model))
        record["steps_taken"].append(len(counted))
    record["state"] = inputs.optimizer_state(model, opt)
    return record
