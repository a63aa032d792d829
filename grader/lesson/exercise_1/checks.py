"""Checks for exercise 1: counting parameters."""

import pytest

from grader.grading.compare import close, gap
from grader.grading.feedback import Feedback
from grader.lesson.exercise_1 import probes

LESSON = (784, 128, 10)
BUILD = ("Return a new network, e.g. `nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), "
         "nn.Linear(hidden, num_classes))`.")


# --- build_classifier -------------------------------------------------------------------------

def _arrow(sizes) -> str:
    return " → ".join(str(s) for s in sizes)


def _shapes(record) -> list[tuple]:
    """The parameters' shapes as nn.Linear holds them (a hand-written (in, out) weight counts too)."""
    return sorted(tuple(shape) for shape in record["canonical"])


def _listing(record) -> str:
    lines = [f"{name}: shape {tuple(shape)}" + ("" if trainable else " (does not require grad)")
             for name, shape, trainable in record["parameters"]]
    return "Your network's parameters:\n" + ("\n".join(f"    {line}" for line in lines) or "    (none)")


def expect_network(got: dict, want: dict, sizes=LESSON) -> None:
    """The student's build_classifier returned an nn.Module with the reference's parameters."""
    net = f"a {_arrow(sizes)} Linear → ReLU → Linear network"
    if not got["module"]:
        returned = got["returned"]
        if returned["type"] == "NoneType":
            raise Feedback("build_classifier returned None: the network is built but never handed back.",
                           None, "End the function with `return` and the network, e.g. `return model`.")
        if "class" in got:
            name = got["class"]
            raise Feedback(f"build_classifier returned the class {name} itself, not a network made from it. "
                           "A class is the blueprint; the network is an instance of it.", None,
                           f"Call the class with the sizes and return what it gives: "
                           f"`return {name}(in_features, hidden, num_classes)`.")
        raise Feedback(f"build_classifier should return a network (an nn.Module), but it returned a "
                       f"{returned['type']}.", None, BUILD)
    g_shapes, w_shapes = _shapes(got), _shapes(want)
    if g_shapes != w_shapes:
        if g_shapes == sorted(s for s in w_shapes if len(s) > 1):
            raise Feedback(f"Your network has the weights of {net} but no biases, so it has "
                           f"{got['trainable']:,} trainable parameters instead of {want['trainable']:,}: "
                           f"{want['trainable'] - got['trainable']:,} biases are missing.", _listing(got),
                           "Keep the biases: `nn.Linear(n_in, n_out)` has one by default (don't pass "
                           "bias=False).")
        if sizes != LESSON:
            hard = sorted({d for s in g_shapes for d in s} & (set(LESSON) - set(sizes)))
            if g_shapes == sorted(tuple(s) for s in _lesson_shapes()):
                raise Feedback(f"Asked for {_arrow(sizes)}, build_classifier built the lesson's "
                               f"{_arrow(LESSON)} network anyway: it ignores the sizes it is given.",
                               _listing(got), "Build the layers from the arguments: "
                               "`nn.Linear(in_features, hidden)` and `nn.Linear(hidden, num_classes)`.")
            if hard:
                raise Feedback(f"Asked for {_arrow(sizes)}, your network has layers of size "
                               f"{', '.join(map(str, hard))}: some sizes are hard-coded instead of taken "
                               "from the arguments.", _listing(got),
                               "Use in_features, hidden and num_classes wherever a size goes.")
        expected = ", ".join(str(s) for s in w_shapes)
        raise Feedback(f"Your network's parameters do not have the shapes of {net}: expected weights and "
                       f"biases of shapes {expected}; {got['trainable']:,} trainable parameters instead "
                       f"of {want['trainable']:,}.", _listing(got), BUILD)
    if got["trainable"] != want["trainable"]:
        raise Feedback(f"Your network has the right layers, but only {got['trainable']:,} of its "
                       f"{want['trainable']:,} parameters require grad: the others are frozen and would "
                       "never learn.", _listing(got),
                       "Leave requires_grad as nn.Linear sets it (True); don't freeze anything here.")


def _lesson_shapes():
    i, h, c = LESSON
    return [(h, i), (h,), (c, h), (c,)]


def _mistaken_builder(last=None, activation="relu"):
    """A known-wrong build_classifier (grader code): another activation, or one after the last layer."""
    def build(in_features=784, hidden=128, num_classes=10):
        from torch import nn

        act = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[activation]
        layers = [nn.Linear(in_features, hidden), act(), nn.Linear(hidden, num_classes)]
        if last:
            layers.append({"relu": nn.ReLU, "sigmoid": nn.Sigmoid}[last]())
        return nn.Sequential(*layers)

    return build


SIMULATED = [
    (dict(last="relu"), "Your network puts a ReLU after the last Linear layer too, so no score can be "
                        "negative.",
     "Only the hidden layer gets a ReLU; return the last Linear layer's raw scores (logits)."),
    (dict(last="sigmoid"), "Your network squashes its scores with a sigmoid at the end.",
     "Return the last Linear layer's raw scores (logits); the loss function does the rest."),
    (dict(activation="sigmoid"), "Your network bends the hidden layer with a sigmoid instead of a ReLU.",
     "Use `nn.ReLU()` (or `torch.relu`) between the two Linear layers."),
    (dict(activation="tanh"), "Your network bends the hidden layer with tanh instead of a ReLU.",
     "Use `nn.ReLU()` (or `torch.relu`) between the two Linear layers."),
]


def expect_output(judge, got: dict, want: dict, params: dict) -> None:
    """With the same seeded weights, the student's network gives the reference's scores."""
    import torch

    device = judge.device
    g, w = got["outputs"][0], want["outputs"][0]
    if g["type"] != "torch.Tensor":
        raise Feedback(f"Calling your network on a batch returned a {g['type']}, not a tensor of scores.",
                       None, "The network's forward pass should return the last layer's output tensor.")
    gt, wt = g.get("tensor"), w["tensor"]
    if tuple(g["shape"]) != tuple(wt.shape):
        raise Feedback(f"On a batch of shape {_input_shape(want, params)}, your network's output has shape "
                       f"{tuple(g['shape'])}; expected {tuple(wt.shape)}: one score per class for each "
                       "example.", None, "Return the second Linear layer's output as it is, shape "
                       "(B, num_classes).")
    if gt is None or gt.dtype != wt.dtype:
        raise Feedback(f"Your network's output has dtype {g['dtype']}; expected {w['dtype']}.", None,
                       "Don't convert the scores; return the last layer's output as it is.")
    if close(gt, wt, device):
        return
    what = "With the same weights, your network's scores differ from those of Linear → ReLU → Linear."
    evidence = f"On a batch of shape {_input_shape(want, params)}: {gap(gt, wt)}"
    again = got["outputs"][1].get("tensor")
    if again is None or again.shape != gt.shape or not close(again, gt, device):
        raise Feedback("Your network gives different scores for the same batch on two calls: something "
                       "random happens in it (Dropout?). The lesson's network has no randomness.",
                       evidence, "Build exactly Linear → ReLU → Linear.")
    ones = torch.ones(gt.shape[0], dtype=gt.dtype)
    if close(gt.sum(1), ones, device):
        raise Feedback("Each row of your network's output adds up to 1: it ends with a softmax, so it "
                       "returns probabilities. nn.CrossEntropyLoss applies softmax itself and wants raw "
                       "scores (logits); a second softmax squashes them and slows learning.", evidence,
                       "Remove the softmax; return the last Linear layer's output.")
    if close(gt.exp().sum(1), ones, device):
        raise Feedback("Your network ends with a log-softmax: its outputs are log-probabilities. "
                       "nn.CrossEntropyLoss applies log-softmax itself and wants raw scores (logits).",
                       evidence, "Remove the log_softmax; return the last Linear layer's output.")
    if _is_linear(got, device):
        raise Feedback("Your network is a straight line: doubling the input's distance from zero doubles "
                       "the change in its scores. The ReLU between the two layers is missing (or is "
                       "never applied in forward), and two Linear layers in a row are no more than one.",
                       evidence, "Apply a ReLU to the first layer's output before the second layer: "
                       "`nn.ReLU()` in an nn.Sequential, or `torch.relu(...)` in forward.")
    for kwargs, found, fix in SIMULATED:
        wrong = judge.simulate(probes.classifier, _mistaken_builder(**kwargs), **params)
        if close(gt, wrong["outputs"][0]["tensor"], device):
            raise Feedback(found, evidence, fix)
    raise Feedback(what, evidence, "Build exactly Linear → ReLU → Linear, with nothing else in between "
                   "or after.")


def _input_shape(want: dict, params: dict) -> tuple:
    sizes = params.get("sizes") or LESSON
    return (params.get("batch_size", 8), sizes[0])


def _is_linear(got: dict, device: str) -> bool:
    """f(2x) − f(0) = 2·(f(x) − f(0)): what an affine map does and a ReLU network does not."""
    f_x, _, f_2x, f_0 = (o.get("tensor") for o in got["outputs"])
    if any(t is None or t.shape != f_x.shape for t in (f_2x, f_0)):
        return False
    return close(f_2x - f_0, 2 * (f_x - f_0), device)


def check_classifier(judge, **params) -> None:
    """The network has the right parameters, then (in a second run) computes the right scores."""
    got, want = judge.both(probes.classifier, forward=False, **params)
    expect_network(got, want, tuple(params.get("sizes") or LESSON))
    got, want = judge.both(probes.classifier, **params)
    expect_output(judge, got, want, params)


@pytest.mark.points(2)
def test_builds_the_lesson_network(judge):
    """build_classifier() builds the lesson's 784 → 128 → 10 network: 101,770 trainable parameters"""
    got, want = judge.both(probes.classifier, seed=1, forward=False)
    expect_network(got, want)


@pytest.mark.points(1)
def test_classifier_computes_linear_relu_linear(judge):
    """build_classifier()'s network computes Linear → ReLU → Linear and returns raw scores"""
    check_classifier(judge, seed=2, batch_size=16)


@pytest.mark.points(1)
def test_classifier_uses_the_sizes_given(judge):
    """build_classifier(in_features=20, hidden=12, num_classes=5) builds a 20 → 12 → 5 network"""
    check_classifier(judge, seed=3, sizes=[20, 12, 5])


@pytest.mark.points(1)
@pytest.mark.hidden
def test_classifier_other_sizes_float64(judge):
    """build_classifier(6, 40, 3), positional sizes, computes the right scores in float64"""
    check_classifier(judge, seed=4, sizes=[6, 40, 3], call="positional", batch_size=4, dtype="float64")


# --- count_trainable_parameters ---------------------------------------------------------------

MODELS = {
    "lesson": "the lesson's 784 → 128 → 10 network",
    "small": "a 20 → 12 → 5 network",
    "frozen": "a 50 → 40 → 30 → 5 network whose first layer is frozen",
    "batchnorm": "a Linear → BatchNorm1d → ReLU → Linear network",
    "shared": "a network whose output layer shares its weight with an embedding (weight tying)",
}
NUMEL = "Add up `p.numel()` over `model.parameters()`, keeping only those with `p.requires_grad`."

# What a wrong count matches, in the order to try (the first one that is not the right answer wins).
SLIPS = [
    ("tensors", "That is how many parameter tensors there are, not how many numbers they hold: "
                "a (128, 784) weight is one tensor but 100,352 parameters.", NUMEL),
    ("all_tensors", "That is how many parameter tensors there are (frozen ones included), not how many "
                    "numbers they hold.", NUMEL),
    ("all", "That count includes the frozen parameters. A parameter with requires_grad=False gets no "
            "gradient from backward and the optimizer never moves it, so it is not trainable.",
     "Keep only the parameters with `p.requires_grad`."),
    ("duplicates", "The shared weight was counted once for each layer that uses it, but it is a single "
                   "tensor: training updates one set of numbers.",
     "Count each parameter once: `model.parameters()` already lists a shared parameter only once "
     "(don't add up layer by layer)."),
    ("with_buffers", "That count includes the buffers: BatchNorm's running mean and variance (and its "
                     "batch counter) are stored with the model, in state_dict(), but they are not "
                     "parameters and get no gradient.",
     "Count `model.parameters()`, not `state_dict()` or `buffers()`."),
    ("state_dict", "That is the size of state_dict(), which holds buffers and repeats shared parameters; "
                   "it is not the number of trainable parameters.",
     "Count `model.parameters()`, not `state_dict()`."),
    ("linear_only", "That counts the Linear layers only. BatchNorm's weight and bias are parameters too: "
                    "backward gives them gradients and the optimizer updates them.",
     "Don't pick layers by type; go through `model.parameters()`, which has every layer's parameters."),
    ("weights_only", "That counts the weights only; every bias is a parameter too.", NUMEL),
]


def expect_count(got: dict, want: dict, scenario: str) -> None:
    """The student's count equals the grader's count of trainable parameters (type aside)."""
    right = want["counts"]["trainable"]
    number = got["number"]
    on = MODELS[scenario]
    if number is None:
        raise Feedback(f"count_trainable_parameters should return a number, but for {on} it returned a "
                       f"{got['returned']['type']}.", None, NUMEL + " Return the total.")
    if number == right:
        return
    evidence = f"yours {_fmt(number)}, expected {right:,} ({_fmt(number - right, sign=True)})"
    for key, found, fix in SLIPS:
        slip = want["counts"][key]
        if slip != right and number == slip:
            raise Feedback(f"For {on}, count_trainable_parameters returned {_fmt(number)}; it has {right:,} "
                           f"trainable parameters. {found}", evidence, fix)
    raise Feedback(f"For {on}, count_trainable_parameters returned {_fmt(number)}; it has {right:,} "
                   "trainable parameters.", evidence, NUMEL)


def _fmt(number, sign=False) -> str:
    if isinstance(number, float) and not number.is_integer():
        return f"{number:+.6g}" if sign else f"{number:.6g}"
    return f"{int(number):+,}" if sign else f"{int(number):,}"


@pytest.mark.points(1)
def test_counts_the_lesson_network(judge):
    """count_trainable_parameters gives 101,770 for the lesson's network (317 for 20 → 12 → 5), an int"""
    got, want = judge.both(probes.count, seed=11, scenario="lesson")
    expect_count(got, want, "lesson")
    small, small_want = judge.both(probes.count, seed=15, scenario="small")
    expect_count(small, small_want, "small")
    returned = got["returned"]
    if returned["type"] != "int":
        raise Feedback(f"The count is right ({want['counts']['trainable']:,}), but it comes back as a "
                       f"{returned['type']}, not a Python int.", None,
                       "`p.numel()` is already an int and `sum` of ints is an int; if you computed the "
                       "count with tensors or NumPy, convert it with `int(...)`.")


@pytest.mark.points(2)
def test_counts_only_trainable(judge):
    """count_trainable_parameters leaves out frozen parameters (requires_grad=False)"""
    got, want = judge.both(probes.count, seed=12, scenario="frozen")
    expect_count(got, want, "frozen")


@pytest.mark.points(1)
def test_buffers_are_not_parameters(judge):
    """count_trainable_parameters counts BatchNorm's weight and bias but not its buffers"""
    got, want = judge.both(probes.count, seed=13, scenario="batchnorm")
    expect_count(got, want, "batchnorm")


@pytest.mark.points(1)
@pytest.mark.hidden
def test_shared_parameter_counts_once(judge):
    """count_trainable_parameters counts a parameter shared by two layers once"""
    got, want = judge.both(probes.count, seed=14, scenario="shared")
    expect_count(got, want, "shared")
