"""The lesson "Optimizers and Gradients": this course's content, as the engine finds it.

course.toml names this folder (``[course] content``). Each exercise has a folder
here named like its file, holding side by side:

- ``probes.py``: the code that calls the student's function on inputs built from
  a seed and records what it did, as plain data (it runs in the jailed worker,
  and in the judge on the reference solution);
- ``checks.py``: the graded checks, pytest tests that compare the student's
  record with the reference's and explain a difference in the lesson's words.

Shared by all exercises: ``inputs`` (seeded tensors and models), ``fakedata``
(the MNIST-shaped images, in ``data/``), ``wording`` (sentences several checks
use) and ``HINTS`` below; by the exercises that write an optimizer's step by hand
(3 and 7): ``by_hand`` (did the step go through torch.optim?, decided from the
source: ``step_source`` reads it, ``step_names`` says what each name means) and
``diagnosis`` (what else their steps got wrong: an error, state kept between calls). The
engine (everything in ``grader`` outside this folder) imports none of it by name:
a second lesson is a second folder.
"""

# Errors PyTorch and Python give for the mistakes this lesson is about, and what to do about
# them: (regular expression over the error message, hint). The engine adds the first match to
# the feedback for an exception in student code.
HINTS = [
    (r"leaf Variable that requires grad is being used in an in-place operation",
     "Autograd was recording your update as if it were part of the model's computation. "
     "Change parameters inside `with torch.no_grad():` (or through `p.data`)."),
    (r"unsupported operand type\(s\) for .*NoneType|'NoneType' object has no attribute",
     "Some parameter has `.grad` equal to None: it is frozen (requires_grad=False) or the loss "
     "did not use it. Skip parameters whose `.grad` is None."),
    (r"Trying to backward through the graph a second time",
     "Each forward pass builds a graph that backward() uses once. Run a new forward pass "
     "(model(inputs) and loss_fn) before every backward()."),
    (r"does not require grad and does not have a grad_fn",
     "The loss was computed without gradient tracking (under torch.no_grad(), or from "
     "detached values), so backward() has nothing to trace back through."),
    (r"grad can be implicitly created only for scalar outputs",
     "backward() needs a single number: call it on the loss (a scalar), not on the model's output."),
    (r"Expected all tensors to be on the same device|is on the meta device|Expected .* device|device type",
     "The model and the data must be on the same device: move both with `.to(device)`."),
    (r"object is not subscriptable|object is not iterable|has no len\(\)",
     "`params` may be any iterable, such as the generator `model.parameters()`: loop over it "
     "once with `for p in params:` rather than indexing it or taking its length."),
    (r"One of the differentiated Tensors does not require grad",
     "torch.autograd.grad was asked for the gradient of a frozen parameter (requires_grad=False), "
     "which has none. Pass it only the parameters that require grad."),
    (r"attempting to assign a gradient of size",
     "A gradient went to a parameter of another shape: each gradient belongs to its own parameter. "
     "When one list leaves the frozen parameters (requires_grad=False) out and the other keeps them, "
     "pairing the two in order goes wrong from the first frozen parameter on."),
    (r"attempting to assign a gradient with (dtype|device type)",
     "A gradient must have its parameter's dtype and device. A tensor made from a shape alone "
     "(torch.zeros(shape)) is float32 on the CPU; one made with torch.zeros_like(p) matches p."),
    (r"optimizer got an empty parameter list",
     "The optimizer was given no parameters. `model.parameters()` is a generator: once something "
     "has gone through it (another optimizer, list(), a loop), it is empty. Call "
     "`model.parameters()` afresh for each optimizer you build."),
]
