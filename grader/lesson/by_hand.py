"""Whether a function wrote its optimizer step itself: decided by the judge, from the source, where
the student's code cannot reach.

Exercises 3 and 7 exist so that the learner writes the update that ``optimizer.step()`` hides. Tensor
operations of any kind (``torch._foreach_*`` included) are writing it by hand; torch's optimizers
(``torch.optim``, an optimizer's ``step()``), their functional API and the kernels they run
(``torch._fused_adam_``, ``torch.ops.aten._fused_sgd_``, ``torch._C._functions``) are not.

``how_steps_are_taken`` (``grader.lesson.step_source``, with what names mean in ``step_names``) reads
the submission's source (in a child under limits, through ``grader.grading.bounded``: it is a
student's code) and notes, for each function, what of torch.optim
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
check's side: it turns both into feedback. How the two exercises explain the rest of what a step
got wrong (an error, state kept between calls) is ``grader.lesson.diagnosis``.
"""

from __future__ import annotations

import contextlib
import functools

from grader.lesson.step_source import HIDDEN, OPTIM, how_steps_are_taken  # by_hand's API too

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
    optimizer_class.__init__ = init  # type: ignore[method-assign]  # for this run only: put back below
    handle = optimizer_module.register_optimizer_step_pre_hook(before_step)
    try:
        yield used
    finally:
        handle.remove()
        optimizer_class.__init__ = original_init  # type: ignore[method-assign]
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


def expect_by_hand(lab, got: dict, name: str) -> None:
    """``name`` must take its step without torch.optim: by its source (read here, in the judge) and by
    what the worker's watch noted while it ran (``got["torch_optim"]``, evidence that can only fail it)."""
    from grader.grading.feedback import Feedback

    used = got.get("torch_optim") if isinstance(got, dict) else None
    if not isinstance(used, list):
        raise Feedback(f"The result sent back for `{name}` is not the one the grader records.", None,
                       "Let your function return normally, and write nothing to file descriptors your code "
                       "did not open.")
    found = _source_findings(lab).get(name, [])
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


def _source_findings(lab) -> dict:
    """``how_steps_are_taken`` for the judge's submission, once per submission (a child under limits)."""
    from grader.grading.bounded import TooCostly, bounded

    state = lab.context.state
    if "by_hand" not in state:
        sub, functions = lab.context.submission, list(lab.context.exercise.functions)
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
