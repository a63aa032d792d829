"""What a name in the source of a step says about how the step is taken: torch.optim, hiding, or plain.

Tensor operations of any kind (``torch._foreach_*`` included) are writing the step by hand; torch's
optimizers, their functional API and their kernels are not (``OPTIM``); a name that can reach code
by a string or through Python's machinery hides how the step is taken (``HIDDEN``): the grader cannot
tell, and says so. ``grader.lesson.step_source`` reads a submission with these tables.
"""

from __future__ import annotations

import functools
import re
import sys

OPTIM = "optim"    # a finding: the code uses torch.optim, its functional API or its kernels
HIDDEN = "hidden"  # a finding: the code hides what it runs, so the grader cannot tell

OPTIM_WORD = re.compile(r"optim|fused", re.IGNORECASE)  # torch.optim, Optimizer, torch._fused_adam_, …
# torch.optim's own names for its arithmetic, wherever a module re-exports them
_OPTIMIZER_NAME = re.compile(r"^_?(single|multi)_tensor_|^(sgd|adamw?|adamax|adagrad|adadelta|asgd|nadam|radam|"
                             r"rmsprop|rprop|lbfgs|sparse_?adam)$", re.IGNORECASE)
_KERNELS = ("torch._C._functions",)
# Parts of torch that run code or look names up from data: what runs through them cannot be read.
_TORCH_LOOKUPS = ("torch.load", "torch.serialization", "torch.package", "torch.hub", "torch.jit", "torch.fx",
                  "torch.utils.cpp_extension", "torch.utils.model_zoo", "torch.library", "torch.ops.load_library",
                  "torch.classes", "torch.overrides")
# torch's private names are its internals (op tables, C++ bindings, the compiler), where a kernel can be
# found by enumeration: all but the foreach ops (tensor arithmetic) and the pytree helpers hide the step.
_TORCH_PRIVATE = re.compile(r"^torch\.(_foreach_\w+|utils\._pytree(\.\w+)*)$")
# Modules whose names hand out nothing of torch.optim, nor any way to look a name up (their private
# names aside, and those listed): what else a step uses is a module the grader does not read.
PLAIN_MODULES = {"torch": (), "math": (), "cmath": (), "numbers": (), "decimal": (), "fractions": (),
                  "random": (), "statistics": (), "dataclasses": (), "functools": (), "itertools": (),
                  "collections": (), "abc": (), "enum": (), "copy": (), "contextlib": (), "__future__": (),
                  "time": (), "heapq": (), "bisect": (), "warnings": (), "operator": (), "re": (), "json": (),
                  "struct": (), "array": (),
                  "typing": ("get_type_hints", "ForwardRef"), "typing_extensions": ("get_type_hints", "ForwardRef"),
                  "numpy": ("load", "loads", "fromfile", "lib", "ctypeslib", "frompyfunc", "vectorize")}
_PLAIN_ATTRIBUTES = {"sys": {"stdout", "stderr", "float_info", "maxsize", "version_info", "version", "platform",
                             "byteorder", "exit"},
                     "os": {"path", "environ", "getenv", "sep", "linesep", "cpu_count"}}
BY_NAME = {"getattr", "setattr", "delattr"}  # fine with a name written out, hiding with a computed one
BY_NAME_OPERATOR = {"operator.attrgetter", "operator.methodcaller"}
HIDING_BUILTINS = {
    "exec": "runs code held in a string", "eval": "runs code held in a string",
    "compile": "compiles code held in a string", "__import__": "imports a module by a name held in a string",
    "globals": "reads the module's names through globals()", "locals": "reads names through locals()",
    "vars": "reads names through vars()", "breakpoint": "stops in the debugger",
}
PLAIN_DUNDERS = {"__init__", "__name__", "__version__", "__qualname__", "__doc__", "__module__", "__file__",
                  "__post_init__", "__len__", "__iter__", "__next__", "__enter__", "__exit__", "__repr__", "__str__",
                  "__eq__", "__hash__", "__call__", "__getitem__", "__setitem__", "__contains__"}
FRAMES = {"f_globals", "f_locals", "f_back", "f_builtins", "f_code", "f_trace", "tb_frame", "tb_next", "gi_frame",
           "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame", "ag_code", "ag_await",
           "co_code", "co_consts", "co_names", "func_globals"}



@functools.lru_cache(maxsize=1)
def torch_lookup_names() -> frozenset[str]:
    """Attribute names that lead into torch's internals or lookups whatever the name torch goes by: its
    private modules (``_C``, ``_decomp``, ``_ops``…) and the last names of ``_TORCH_LOOKUPS``."""
    import types

    torch = sys.modules.get("torch")  # the judge has imported it; the analysis never imports it
    private = {name for name, value in vars(torch).items() if name.startswith("_") and not name.startswith("__")
               and isinstance(value, types.ModuleType)} if torch is not None else {"_C", "_ops", "_decomp", "_refs"}
    return frozenset(private | {path.rpartition(".")[2] for path in _TORCH_LOOKUPS})


def judge_path(path: str) -> tuple[str, str] | None:
    """What using ``path`` (a module's name, as imported) says about how the step is taken."""
    parts = path.split(".")
    root, last = parts[0], parts[-1]
    if path in BY_NAME_OPERATOR:  # fine called with names written out: the reader sees the call
        return HIDDEN, f"it looks up a name built while it runs, `{path}`"
    if any(OPTIM_WORD.search(part) for part in parts) or path.startswith(_KERNELS):
        if "fused" in path.lower():
            return OPTIM, f"it calls `{path}`, a kernel torch.optim's optimizers run for their step"
        return OPTIM, f"it uses `{path}`"
    if root == "torch":
        if any(path == p or path.startswith(p + ".") for p in _TORCH_LOOKUPS):
            return HIDDEN, f"it uses `{path}`, which runs code or looks names up from data"
        if any(p.startswith("_") for p in parts[1:]) and not _TORCH_PRIVATE.match(path):
            return HIDDEN, f"it reaches into torch's internals, `{path}`"
        if _OPTIMIZER_NAME.search(last):
            return OPTIM, f"it uses `{path}`"
        return None
    if root in _PLAIN_ATTRIBUTES:
        if len(parts) == 1 or parts[1] in _PLAIN_ATTRIBUTES[root]:
            return None
    elif root in PLAIN_MODULES:
        if not any(p.startswith("_") for p in parts[1:]) and not (len(parts) > 1 and
                                                                  parts[1] in PLAIN_MODULES[root]):
            return None
    return HIDDEN, (f"it uses `{path}`, and the grader does not look inside `{root}` (a step is read where it "
                    "is written with torch, math, numpy and a few others)")


def importable(module: str) -> tuple[str, str] | None:
    """A module the worker imports: the student's own code (in their folder) is not read."""
    root = module.partition(".")[0]
    if root in sys.stdlib_module_names or root in PLAIN_MODULES:
        return None
    import importlib.util

    try:
        installed = importlib.util.find_spec(root) is not None
    except (ImportError, ValueError):
        installed = False
    if installed:
        return None
    return HIDDEN, f"it imports `{module}`, code the grader does not read (only the exercise's file)"


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")
