"""Whether a function wrote its optimizer step itself: decided by the judge, from the source, where
the student's code cannot reach.

Exercises 3 and 7 exist so that the learner writes the update that ``optimizer.step()`` hides. Tensor
operations of any kind (``torch._foreach_*`` included) are writing it by hand; torch's optimizers
(``torch.optim``, an optimizer's ``step()``), their functional API and the kernels they run
(``torch._fused_adam_``, ``torch.ops.aten._fused_sgd_``, ``torch._C._functions``) are not.

``how_steps_are_taken`` reads the submission's source (in a child under limits, through
``grader.grading.bounded``: it is a student's code) and notes, for each function, what of torch.optim
the code it can run uses, and what hides how it steps (a name built while it runs and looked up with
getattr, exec/eval/compile, importlib or ``__import__``, ``sys.modules``, ``globals()``/``vars()``/
``__dict__``, the running program's frames, builtins, a module the grader does not read): for those
the grader cannot tell, and says so rather than pass. The code a function can run is its own body,
what it names in the module (recursively), and everything the module runs when imported (``if
__name__ == "__main__":`` blocks never run when graded).

``watching_torch_optim`` is the worker's side, kept as extra evidence: it notes, while the student's
function runs, every use of torch.optim that takes the step for it (an optimizer built, an optimizer
stepped, torch's SGD or Adam arithmetic called through its functional API). Code in the same process
can defeat it, so its notes can fail a submission but never pass one. ``expect_by_hand`` is the
check's side: it turns both into feedback. ``known_error`` names the mistake an error of the
student's step shows, where only one mistake raises it.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import re
import sys

# The functions torch.optim's SGD and Adam run for the arithmetic of a step, by class or by the
# functional API (``torch.optim.sgd.sgd``, ``torch.optim._functional.adam``): looked up by name
# in these modules at every call, so replacing them here sees every route.
_ARITHMETIC = {
    "torch.optim.sgd": ("SGD", ("_single_tensor_sgd", "_multi_tensor_sgd", "_fused_sgd")),
    "torch.optim.adam": ("Adam", ("_single_tensor_adam", "_multi_tensor_adam", "_fused_adam")),
}


@contextlib.contextmanager
def watching_torch_optim():
    """Yield a list that fills, inside the block, with what of torch.optim took a step (in words)."""
    import importlib

    import torch
    from torch.optim import optimizer as optimizer_module

    used: list[str] = []

    def note(text: str) -> None:
        if text not in used:
            used.append(text)

    optimizer_class = torch.optim.Optimizer
    original_init = optimizer_class.__dict__["__init__"]

    @functools.wraps(original_init)
    def init(self, *args, **kwargs):
        if _torchs(self):
            note(f"built {_name(self)}")
        return original_init(self, *args, **kwargs)

    def before_step(optimizer, args, kwargs):
        if _torchs(optimizer):
            note(f"called {_name(optimizer)}.step()")

    replaced = []
    for module_name, (label, names) in _ARITHMETIC.items():
        module = importlib.import_module(module_name)
        for name in names:
            original = module.__dict__.get(name)
            if callable(original):
                replaced.append((module, name, original))
                setattr(module, name, _noting(original, note, f"ran torch.optim's own {label} update"))
    optimizer_class.__init__ = init
    handle = optimizer_module.register_optimizer_step_pre_hook(before_step)
    try:
        yield used
    finally:
        handle.remove()
        optimizer_class.__init__ = original_init
        for module, name, original in replaced:
            setattr(module, name, original)


def _noting(function, note, text: str):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        note(text)
        return function(*args, **kwargs)
    return wrapper


def _torchs(optimizer) -> bool:
    """One of torch's own optimizers (a class of the learner's that subclasses Optimizer and writes
    its own step is their arithmetic; one that inherits torch's step is caught by that step)."""
    return type(optimizer).__module__.startswith("torch.optim")


def _name(optimizer) -> str:
    return f"torch.optim.{type(optimizer).__qualname__}"


def in_a_row(run_one, runs: list[dict]) -> dict:
    """``run_one(**run)`` for each of ``runs``, one after the other in this worker, torch.optim
    watched throughout: what one call leaves behind must not change the next. ``run_one`` returns
    (record, model); every model stays alive, so no later one can reuse an earlier one's ids."""
    kept, records = [], []
    with watching_torch_optim() as used:
        for run in runs:
            record, model = run_one(**run)
            kept.append(model)
            records.append(record)
    return {"runs": records, "torch_optim": used}


def expect_by_hand(judge, got: dict, name: str) -> None:
    """``name`` must take its step without torch.optim: by its source (read here, in the judge) and by
    what the worker's watch noted while it ran (``got["torch_optim"]``, evidence that can only fail it)."""
    from grader.grading.feedback import Feedback

    used = got.get("torch_optim") if isinstance(got, dict) else None
    if not isinstance(used, list):
        raise Feedback(f"The result sent back for `{name}` is not the one the grader records.", None,
                       "Let your function return normally, and write nothing to file descriptors your code "
                       "did not open.")
    found = _source_findings(judge).get(name, [])
    optim = [f for f in found if f["kind"] == OPTIM]
    hidden = [f for f in found if f["kind"] == HIDDEN]
    noted = [str(text)[:200] for text in used[:5]]  # the worker's words: what it sends is the student's
    if optim or noted:
        seen = "; ".join(f"{f['what']} ({f['where']})" for f in optim[:3])
        ran = f"while it ran, it {', '.join(noted)}" if noted else ""
        raise Feedback(
            f"`{name}` hands the step to torch.optim: {'; and '.join(filter(None, [seen, ran]))}. The values "
            "may come out right, but this exercise is the step itself: what `optimizer.step()` does inside is "
            "a few lines of arithmetic that use each weight's gradient (its diagnostic score) to move it "
            "downhill, and here you write them.", None,
            "Take torch.optim out of the function and change each parameter, and the state you keep for it, "
            "yourself, as the docstring describes.", mistake="step.torch_optim")
    if hidden:
        how = "; ".join(f"{f['what']} ({f['where']})" for f in hidden[:3])
        raise Feedback(
            f"The grader cannot tell whether `{name}` writes its step by hand: {how}. Code that hides what it "
            "runs like this could be running torch.optim's step, and reading it cannot show which, so this "
            "check cannot pass it. Nothing says your arithmetic is wrong: the other checks judge that.", None,
            "Write the step with tensor operations called by their names, as the lesson does "
            "(`p.sub_(lr * p.grad)`, `torch.sqrt(v)`, `torch._foreach_mul_(vs, beta)`), and take out what "
            "hides them: names built while the code runs, getattr, exec or eval, importlib, sys.modules, "
            "globals() or __dict__, frames.", mistake="step.hidden")


def _source_findings(judge) -> dict:
    """``how_steps_are_taken`` for the judge's submission, once per submission (a child under limits)."""
    from grader.grading.bounded import TooCostly, bounded

    state = judge.context.state
    if "by_hand" not in state:
        sub, functions = judge.context.submission, list(judge.context.exercise.functions)
        try:
            state["by_hand"] = bounded(how_steps_are_taken, [[c.filename, c.source] for c in sub.chunks],
                                       functions)
        except TooCostly:
            state["by_hand"] = {name: [{"kind": HIDDEN, "where": sub.chunks[0].filename if sub.chunks else "?",
                                        "what": "its code is too large or too deeply nested to read within "
                                                "the grader's limits"}] for name in functions}
    return state["by_hand"]


def expect_grads_untouched(got: dict, want: dict, name: str) -> None:
    """A step reads ``.grad`` and leaves it: the gradients after ``name`` must be those before it."""
    from grader.grading.compare import evidence, mismatched
    from grader.grading.feedback import Feedback

    bad = mismatched(got["grads_after"][0], want["grads_after"][0])
    if bad:
        raise Feedback(f"{name} changed the gradients. The optimizer's step only reads `.grad`; clearing "
                       "gradients is zero_grad's job, at the start of the next training step.",
                       evidence(got["grads_after"][0], want["grads_after"][0], bad, "gradient of"),
                       "Read p.grad, don't modify it.", mistake="step.clears_grads")


# PyTorch's refusal to change a parameter in place while autograd records: the update outside torch.no_grad().
_RECORDED = "a leaf Variable that requires grad is being used in an in-place operation"
# A gradient of None in arithmetic: the step used the .grad of a parameter that has none.
_NONE_GRAD = re.compile(r"unsupported operand type\(s\) for .*NoneType|'NoneType' object has no attribute")


def known_error(problem, name: str, frozen_is_cause: bool = False):
    """``problem``, an error ``name`` raised, with the known mistake it shows named (its words kept):
    autograd's refusal of an in-place change (the update recorded), or, when the caller established
    that the frozen parameters cause it (the same call with none frozen runs), arithmetic on a
    ``.grad`` of None (a frozen parameter stepped). Any other feedback comes back as it was."""
    from grader.grading.feedback import Feedback

    if problem.named_mistake != "code.raises" or not problem.what.startswith(f"`{name}` raised"):
        return problem
    if _RECORDED in problem.what:
        return Feedback(problem.what, problem.evidence, problem.fix, problem.incident, cause=problem.cause,
                        mistake="update.recorded")
    if frozen_is_cause and _NONE_GRAD.search(problem.what):
        return Feedback(problem.what, problem.evidence, problem.fix, problem.incident, cause=problem.cause,
                        mistake="frozen.touched")
    return problem


# ---------------------------------------------------------------- how the source takes its step

_FINDINGS = 10     # findings noted per definition or statement: a few say enough
OPTIM = "optim"    # a finding: the code uses torch.optim, its functional API or its kernels
HIDDEN = "hidden"  # a finding: the code hides what it runs, so the grader cannot tell

_OPTIM_WORD = re.compile(r"optim|fused", re.IGNORECASE)  # torch.optim, Optimizer, torch._fused_adam_, …
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
_PLAIN_MODULES = {"torch": (), "math": (), "cmath": (), "numbers": (), "decimal": (), "fractions": (),
                  "random": (), "statistics": (), "dataclasses": (), "functools": (), "itertools": (),
                  "collections": (), "abc": (), "enum": (), "copy": (), "contextlib": (), "__future__": (),
                  "time": (), "heapq": (), "bisect": (), "warnings": (), "operator": (),
                  "typing": ("get_type_hints", "ForwardRef"), "typing_extensions": ("get_type_hints", "ForwardRef"),
                  "numpy": ("load", "loads", "fromfile", "lib", "ctypeslib", "frompyfunc", "vectorize")}
_PLAIN_ATTRIBUTES = {"sys": {"stdout", "stderr", "float_info", "maxsize", "version_info", "version", "platform",
                             "byteorder", "exit"},
                     "os": {"path", "environ", "getenv", "sep", "linesep", "cpu_count"}}
_BY_NAME = {"getattr", "setattr", "delattr"}  # fine with a name written out, hiding with a computed one
_BY_NAME_OPERATOR = {"operator.attrgetter", "operator.methodcaller"}
_HIDING_BUILTINS = {
    "exec": "runs code held in a string", "eval": "runs code held in a string",
    "compile": "compiles code held in a string", "__import__": "imports a module by a name held in a string",
    "globals": "reads the module's names through globals()", "locals": "reads names through locals()",
    "vars": "reads names through vars()", "breakpoint": "stops in the debugger",
}
_PLAIN_DUNDERS = {"__init__", "__name__", "__version__", "__qualname__", "__doc__", "__module__", "__file__",
                  "__post_init__", "__len__", "__iter__", "__next__", "__enter__", "__exit__", "__repr__", "__str__",
                  "__eq__", "__hash__", "__call__", "__getitem__", "__setitem__", "__contains__"}
_FRAMES = {"f_globals", "f_locals", "f_back", "f_builtins", "f_code", "f_trace", "tb_frame", "tb_next", "gi_frame",
           "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame", "ag_code", "ag_await",
           "co_code", "co_consts", "co_names", "func_globals"}


def how_steps_are_taken(chunks: list[list[str]], functions: list[str]) -> dict[str, list[dict]]:
    """For each of ``functions``, what its code (``chunks``: [filename, source] pairs, one module) shows
    about how it steps: findings ``{"kind": OPTIM or HIDDEN, "what": words, "where": "file, line n"}``,
    none when everything it can run is plain arithmetic. Plain data: this runs in a child under limits."""
    source = _Source(chunks)
    return {name: source.findings(name) for name in functions}


def _dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _main_guard(stmt) -> bool:
    """``if __name__ == "__main__":``, whose body never runs when the module is graded."""
    test = stmt.test if isinstance(stmt, ast.If) else None
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq) and len(test.comparators) == 1
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == "__main__")


class _Source:
    """One submission's module, read: its imports, its module-level definitions, what runs at import."""

    def __init__(self, chunks: list[list[str]]):
        self.trees: list[tuple[str, str, ast.Module]] = []
        self.unreadable: list[dict] = []
        for filename, text in chunks:
            try:
                self.trees.append((filename, text, ast.parse(text, filename)))
            except (SyntaxError, ValueError):
                self.unreadable.append({"kind": HIDDEN, "what": "its code cannot be read",
                                        "where": filename})
        self.parent: dict[int, ast.AST] = {}
        self.file: dict[int, tuple[str, str]] = {}
        self.imports: dict[str, set[str]] = {}
        self.bound: set[str] = set()  # every name the module binds anywhere, so no builtin
        self.defs: dict[str, list[ast.AST]] = {}
        self.import_time: list[ast.AST] = []
        for filename, text, tree in self.trees:
            todo: list[ast.AST] = [tree]
            while todo:  # every node once (a file may hold a megabyte of code)
                node = todo.pop()
                self.file[id(node)] = (filename, text)
                self._note_binding(node)
                for child in ast.iter_child_nodes(node):
                    self.parent[id(child)] = node
                    todo.append(child)
            self._at_import(tree.body, top=True)
        self._scans: dict[int, tuple[list[dict], list[str]]] = {}
        self._lines: dict[str, list[str]] = {}

    def _note_binding(self, node) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.partition(".")[0]
                self.imports.setdefault(bound, set()).add(alias.name if alias.asname else bound)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    self.imports.setdefault(alias.asname or alias.name, set()).add(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            self.bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.bound.add(node.name)
        elif isinstance(node, ast.arg):
            self.bound.add(node.arg)
        elif isinstance(node, ast.alias):
            self.bound.add(node.asname or node.name.partition(".")[0])

    def _at_import(self, body: list, top: bool) -> None:
        """Sort module-level statements (``top``) or a class body into what runs at import and what is
        defined (a function's body runs when called)."""
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if top:
                    self.defs.setdefault(stmt.name, []).append(stmt)
                self.import_time += stmt.decorator_list
                if isinstance(stmt, ast.ClassDef):
                    self.import_time += [*stmt.bases, *stmt.keywords]
                    self._at_import(stmt.body, top=False)
                else:
                    args = stmt.args
                    self.import_time += [*args.defaults, *filter(None, args.kw_defaults)]
                    self.import_time += [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs,
                                                                args.vararg, args.kwarg) if a and a.annotation]
                    self.import_time += [stmt.returns] if stmt.returns else []
                continue
            if _main_guard(stmt):
                self._at_import(stmt.orelse, top)
                continue
            for _, value in ast.iter_fields(stmt):
                items = value if isinstance(value, list) else [value]
                for item in items:
                    if isinstance(item, ast.stmt):
                        self._at_import([item], top)
                    elif isinstance(item, (ast.excepthandler, ast.match_case)):
                        self.import_time += [x for x in (getattr(item, "type", None), getattr(item, "pattern", None),
                                                         getattr(item, "guard", None)) if x]
                        self._at_import(item.body, top)
                    elif isinstance(item, ast.AST):
                        self.import_time.append(item)
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.import_time.append(stmt)

    def _scan(self, root) -> tuple[list[dict], list[str]]:
        """The findings in ``root`` and the names it loads, each subtree read once."""
        if id(root) not in self._scans:
            found, names = [], []
            for node in ast.walk(root):
                if isinstance(node, ast.Name):
                    names.append(node.id)
                finding = self._check(node) if len(found) < _FINDINGS else None
                if finding:
                    filename, _ = self.file.get(id(node), ("?", ""))
                    found.append({"kind": finding[0], "what": finding[1],
                                  "where": f"{filename}, line {getattr(node, 'lineno', '?')}"})
            self._scans[id(root)] = (found, names)
        return self._scans[id(root)]

    def findings(self, name: str) -> list[dict]:
        """What the code ``name`` can run shows: what runs at import, and every module-level definition
        named from there or from ``name`` on (a class with all its methods)."""
        found: list[dict] = list(self.unreadable)
        where = self.trees[0][0] if self.trees else "?"
        if name not in self.defs and name not in self.imports and name not in self.bound:
            found.append({"kind": HIDDEN, "where": where,
                          "what": f"no line of the file defines `{name}` (no `def {name}(…)`)"})
        for path in sorted(self.imports.get(name, ())):  # the function itself imported: whose is it?
            kind, what = self._judge_path(path) or (None, "")
            if kind:
                found.append({"kind": kind, "what": f"`{name}` is `{path}`" if kind == OPTIM else what,
                              "where": where})
        todo, seen = [name], set()
        for root in self.import_time:
            more, names = self._scan(root)
            found += more
            todo += names
        while todo:
            wanted = todo.pop()
            if wanted in seen:
                continue
            seen.add(wanted)
            for node in self.defs.get(wanted, []):
                more, names = self._scan(node)
                found += more
                todo += names
        unique = {(f["kind"], f["what"], f["where"]): f for f in found}
        return sorted(unique.values(), key=lambda f: (f["kind"] != OPTIM, _line(f["where"])))

    # -- one node

    def _shown(self, node) -> str:
        """The start of ``node``'s source, on one line (its first line only: a file's lines are split once)."""
        filename, text = self.file.get(id(node), ("", ""))
        if filename not in self._lines:
            self._lines[filename] = text.splitlines()
        lines, row = self._lines[filename], getattr(node, "lineno", 0) - 1
        if not 0 <= row < len(lines):
            return ""
        line = lines[row].encode("utf-8")  # offsets count UTF-8 bytes
        end = node.end_col_offset if getattr(node, "end_lineno", None) == node.lineno else len(line)
        segment = line[node.col_offset:end].decode("utf-8", "replace")
        return segment if len(segment) <= 60 else segment[:57] + "…"

    def _check(self, node) -> tuple[str, str] | None:
        parent = self.parent.get(id(node))
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                return (HIDDEN, f"it sets `{node.id}`, a name of Python's own machinery") if _dunder(node.id) else None
            if node.id in self.imports:
                if isinstance(parent, ast.Attribute) and parent.value is node:
                    return None  # judged with the whole chain
                return self._judge_all(self.imports[node.id], node)
            # Whatever the module binds to these names (`getattr = getattr`, a default argument), they
            # are Python's: nobody names a variable of a step so.
            if node.id in _BY_NAME:
                return self._by_name(node, parent)
            if node.id in _HIDING_BUILTINS:
                return HIDDEN, f"it {_HIDING_BUILTINS[node.id]}, `{self._shown(parent if isinstance(parent, ast.Call) else node)}`"
            if node.id in self.bound:
                return None
            if _dunder(node.id) and node.id not in _PLAIN_DUNDERS:
                return HIDDEN, f"it uses `{node.id}`, Python's own machinery"
            return None
        if isinstance(node, ast.Attribute):
            return self._attribute(node, node.attr, parent)
        if isinstance(node, ast.ImportFrom):
            if node.level:
                return HIDDEN, f"it imports from its own folder (`{self._shown(node)}`), code the grader does not read"
            if any(alias.name == "*" for alias in node.names) and node.module not in ("math", "cmath"):
                return HIDDEN, f"`from {node.module} import *` hides which names come from `{node.module}`"
            return self._importable(node.module or "", node)
        if isinstance(node, ast.Import):
            for alias in node.names:
                problem = self._importable(alias.name, node)
                if problem:
                    return problem
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
            if len(text) < 200 and not any(c.isspace() for c in text) and _OPTIM_WORD.search(text):
                return OPTIM, f"it names `{text}` in a string"
        return None

    def _attribute(self, node, attr: str, parent) -> tuple[str, str] | None:
        if _dunder(attr) and attr not in _PLAIN_DUNDERS:
            return HIDDEN, f"it reaches into Python's machinery, `{self._shown(node)}`"
        if attr in _FRAMES:
            return HIDDEN, f"it reads the running program's frames, `{self._shown(node)}`"
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return None  # judged with the whole chain, at its end
        path = self._dotted(node)
        if path is None:  # not a module's name (torch under another name?): the chain's attributes tell
            chain, link = [], node
            while isinstance(link, ast.Attribute):
                chain.append(link.attr)
                link = link.value
            if any(map(_OPTIM_WORD.search, chain)):
                return OPTIM, f"it uses `{self._shown(node)}`"
            if set(chain) & _torch_lookup_names():
                return HIDDEN, f"it reaches into torch's internals under another name, `{self._shown(node)}`"
            return None
        if not isinstance(node.ctx, ast.Load):
            return HIDDEN, f"it changes `{path}`, part of a module: then no operation is what its name says"
        return self._judge_path(path, node)

    def _by_name(self, node, parent) -> tuple[str, str] | None:
        """getattr, setattr, delattr (or operator.attrgetter/methodcaller): a name written out is an
        attribute like any other; one computed while the code runs hides what it reaches."""
        call = parent if isinstance(parent, ast.Call) and parent.func is node else None
        names = call.args[1:2] if call is not None and node_name(node) in _BY_NAME else (call.args if call else [])
        if call is None or not names or not all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                                for a in names):
            return HIDDEN, f"it looks up a name built while it runs, `{self._shown(parent if isinstance(parent, ast.Call) else node)}`"
        for constant in names:
            for attr in constant.value.split("."):
                if _dunder(attr) and attr not in _PLAIN_DUNDERS or attr in _FRAMES:
                    return HIDDEN, f"it reaches into Python's machinery, `{self._shown(call)}`"
                if _OPTIM_WORD.search(attr):
                    return OPTIM, f"it uses `{self._shown(call)}`"
        base = self._dotted(call.args[0]) if node_name(node) in _BY_NAME and call.args else None
        if base is not None and node_name(node) != "getattr":
            return HIDDEN, (f"it changes `{base}.{names[0].value}`, part of a module: then no operation is "
                            "what its name says")
        if base is not None:
            return self._judge_path(f"{base}.{names[0].value}", call)
        return None

    def _dotted(self, node) -> str | None:
        """The module path an expression names (``torch.optim.SGD``), or None if it is not one."""
        if isinstance(node, ast.Name):
            paths = self.imports.get(node.id)
            return sorted(paths)[0] if paths and len(paths) == 1 else None
        if isinstance(node, ast.Attribute):
            base = self._dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                and "getattr" not in self.bound and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                and isinstance(node.args[1].value, str):
            base = self._dotted(node.args[0])
            return f"{base}.{node.args[1].value}" if base else None
        return None

    def _judge_all(self, paths: set[str], node) -> tuple[str, str] | None:
        verdicts = [v for v in (self._judge_path(p, node) for p in sorted(paths)) if v]
        return min(verdicts, key=lambda v: v[0] != OPTIM) if verdicts else None

    def _judge_path(self, path: str, node=None) -> tuple[str, str] | None:
        """What using ``path`` (a module's name, as imported) says about how the step is taken."""
        parts = path.split(".")
        root, last = parts[0], parts[-1]
        if path in _BY_NAME_OPERATOR:
            parent = self.parent.get(id(node)) if node is not None else None
            return self._by_name(node, parent) if node is not None else (HIDDEN, f"it uses `{path}`")
        if any(_OPTIM_WORD.search(part) for part in parts) or path.startswith(_KERNELS):
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
        elif root in _PLAIN_MODULES:
            if not any(p.startswith("_") for p in parts[1:]) and not (len(parts) > 1 and
                                                                      parts[1] in _PLAIN_MODULES[root]):
                return None
        return HIDDEN, (f"it uses `{path}`" + (f", from `{root}`" if len(parts) > 1 else "")
                        + ", a module that can reach code by its name; the grader does not read inside it")

    def _importable(self, module: str, node) -> tuple[str, str] | None:
        """A module the worker imports: the student's own code (in their folder) is not read."""
        root = module.partition(".")[0]
        if root in sys.stdlib_module_names or root in _PLAIN_MODULES:
            return None
        import importlib.util

        try:
            installed = importlib.util.find_spec(root) is not None
        except (ImportError, ValueError):
            installed = False
        if installed:
            return None
        return HIDDEN, f"it imports `{module}`, code the grader does not read (only the exercise's file)"


@functools.lru_cache(maxsize=1)
def _torch_lookup_names() -> frozenset[str]:
    """Attribute names that lead into torch's internals or lookups whatever the name torch goes by: its
    private modules (``_C``, ``_decomp``, ``_ops``…) and the last names of ``_TORCH_LOOKUPS``."""
    import types

    torch = sys.modules.get("torch")  # the judge has imported it; the analysis never imports it
    private = {name for name, value in vars(torch).items() if name.startswith("_") and not name.startswith("__")
               and isinstance(value, types.ModuleType)} if torch is not None else {"_C", "_ops", "_decomp", "_refs"}
    return frozenset(private | {path.rpartition(".")[2] for path in _TORCH_LOOKUPS})


def node_name(node) -> str:
    return node.id if isinstance(node, ast.Name) else ""


def _line(where: str) -> int:
    tail = where.rpartition("line ")[2]
    return int(tail) if tail.isdigit() else 0
