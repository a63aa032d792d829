"""A stand-in for ``torch._dynamo`` until something really needs it.

torch.optim touches ``torch._dynamo`` on an optimizer's first ``step()`` or
``zero_grad()`` — only to call ``disable(fn)`` and ``graph_break()``, which mark
code that ``torch.compile`` must not trace and do nothing in eager mode. The
first touch imports all of dynamo: ~1.2 s, as much as ``import torch`` itself,
paid by every grading run of an exercise that builds an optimizer.

``install()`` puts this module's ``LazyDynamo`` in its place: ``disable`` and
``graph_break`` behave as they do outside ``torch.compile``, and any other
attribute (``torch.compile`` asks for many) imports the real ``torch._dynamo``
then and there and answers from it. Eager results are identical either way.
"""

from __future__ import annotations

import importlib
import sys
import types

NAME = "torch._dynamo"


class LazyDynamo(types.ModuleType):
    """``torch._dynamo`` as eager code sees it; the real module on any other use."""

    def disable(self, fn=None, recursive=True, **_):
        return fn if fn is not None else (lambda f: f)

    def graph_break(self, *_, **__):
        return None

    def __getattr__(self, name):
        return getattr(load_real(), name)


def install() -> None:
    """Stand in for ``torch._dynamo`` unless it is already imported. Runs no torch op."""
    import torch

    if NAME in sys.modules:
        return
    stand_in = LazyDynamo(NAME, __doc__)
    sys.modules[NAME] = stand_in
    torch._dynamo = stand_in


def load_real() -> types.ModuleType:
    """Import the real ``torch._dynamo`` in place of the stand-in."""
    import torch

    current = sys.modules.get(NAME)
    if current is not None and not isinstance(current, LazyDynamo):
        return current
    sys.modules.pop(NAME, None)
    if isinstance(torch.__dict__.get("_dynamo"), LazyDynamo):
        del torch._dynamo
    return importlib.import_module(NAME)
