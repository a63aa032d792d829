"""The functions ``grade new`` is asked for: ``--functions "step_lr(optimizer, epoch, base_lr), warmup_lr(step)"``.

Each is a Python signature as its ``def`` line would have it (annotations, defaults, ``*``, ``/``
and a return annotation allowed) or a bare name, which takes one tensor ``x``. Several are separated
by commas (or semicolons) outside brackets. Each parameter gets a ``kind`` from its name, so that the
probe ``grade new`` writes builds an input that fits it: a learning rate is a number, an optimizer an
optimizer over a small model, anything it cannot tell a seeded tensor (the author corrects the rest).
"""

from __future__ import annotations

import ast
import keyword
from dataclasses import dataclass

from grader.errors import UsageProblem

BARE = "x"  # the parameter of a function given by its name alone
# What the probe grade new writes names itself: a parameter may not be called so.
RESERVED = frozenset({"torch", "rng", "returned", "describe", "probe", "net", "_model", "_number"})
INTS = frozenset({"epoch", "epochs", "step", "steps", "size", "count", "n", "k", "num", "iteration",
                  "iterations", "iters", "index", "dim", "warmup", "period", "every", "patience"})
FLOATS = frozenset({"lr", "rate", "gamma", "momentum", "alpha", "beta", "beta1", "beta2", "eps", "epsilon",
                    "decay", "factor", "scale", "dampening", "temperature", "tol", "tolerance", "clip", "ratio"})


class SignatureProblem(UsageProblem):
    """A ``--functions`` entry that cannot be a function students write (exit code 2)."""


@dataclass(frozen=True)
class Parameter:
    """One parameter of a function students write, and what kind of input the probe gives it."""

    name: str
    """As in the signature."""
    kind: str
    """``tensor``, ``int``, ``float``, ``optimizer``, ``model``, ``params`` (a list of a model's parameters),
    ``device`` (the grading device) or ``seed`` (the probe's seed)."""
    keyword_only: bool
    """Passed by keyword (it follows ``*`` in the signature)."""


@dataclass(frozen=True)
class Signature:
    """A function students write, as ``grade new`` was given it."""

    name: str
    """The function's name."""
    arguments: str
    """Its parameters as the ``def`` line writes them, return annotation included: ``(optimizer, epoch)``."""
    parameters: tuple[Parameter, ...]
    """The parameters the probe passes (``*args`` and ``**kwargs`` get nothing)."""

    @property
    def call(self) -> str:
        """How the probe calls it, each argument named as the parameter: ``step_lr(optimizer, epoch)``."""
        return f"{self.name}({', '.join(p.name + '=' + p.name if p.keyword_only else p.name for p in self.parameters)})"


def split(text: str) -> list[str]:
    """The signatures in ``text``, separated by commas or semicolons outside brackets."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += (char in "([{") - (char in ")]}")
        if depth < 0:
            raise SignatureProblem(f"a closing bracket with no opening one in {text!r}", "--functions")
        if depth == 0 and char in ",;":
            parts.append(text[start:index])
            start = index + 1
    if depth:
        raise SignatureProblem(f"a bracket is not closed in {text!r}: write each function as name(arg, arg)",
                               "--functions")
    return [part.strip() for part in [*parts, text[start:]] if part.strip()]


def parse(text: str) -> Signature:
    """``text`` (``step_lr(optimizer, epoch)`` or a bare name) as a Signature; SignatureProblem if it is not one."""
    text = text.strip()
    if ("(" not in text and not text.isidentifier()) or keyword.iskeyword(text):
        raise SignatureProblem(f"{text!r} cannot be a function students write: use a Python name that does not "
                               "start with an underscore (like adam_update)", "--functions")
    source = f"def {text}({BARE}): pass" if text.isidentifier() else f"def {text}: pass"
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None
    node = tree.body[0] if tree and len(tree.body) == 1 else None
    if not isinstance(node, ast.FunctionDef) or node.decorator_list or not text.startswith(node.name):
        raise SignatureProblem(f"{text!r} is not a function: write its name and parameters as its def line does, "
                               "step_lr(optimizer, epoch, base_lr), or a bare name", "--functions")
    if keyword.iskeyword(node.name) or node.name.startswith("_") or node.name == "torch":
        raise SignatureProblem(f"{node.name!r} cannot be a function students write: use a Python name that does "
                               "not start with an underscore (like adam_update)", "--functions")
    args = node.args
    named = [(a, False) for a in (*args.posonlyargs, *args.args)] + [(a, True) for a in args.kwonlyargs]
    for arg, _ in named:
        if arg.arg in RESERVED or arg.arg == node.name:
            raise SignatureProblem(f"{node.name}: a parameter named {arg.arg!r} would clash with a name in the "
                                   "probe grade new writes: call it something else", "--functions")
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return Signature(node.name, f"({ast.unparse(args)}){returns}",
                     tuple(Parameter(arg.arg, kind(arg.arg), keyword_only) for arg, keyword_only in named))


def kind(name: str) -> str:
    """What kind of input a parameter called ``name`` most likely takes (``Parameter.kind``)."""
    lowered = name.lower()
    if lowered in ("device", "seed"):
        return lowered
    if lowered.endswith("optimizer") or lowered in ("opt", "optim"):
        return "optimizer"
    if lowered in ("model", "net", "network", "module") or lowered.endswith("_model"):
        return "model"
    if lowered in ("params", "parameters"):
        return "params"
    if lowered.startswith(("num_", "n_")):
        return "int"
    for word in reversed(lowered.split("_")):  # the last word that tells: warmup_lr is a rate, warmup_steps a count
        if word in INTS:
            return "int"
        if word in FLOATS or word.endswith("lr"):
            return "float"
    return "tensor"
