"""Checks for exercise 1: counting parameters.

A wrong network or count is named by what a known-wrong build_classifier or count gives on the
same inputs (``lab.simulate``). Those known-wrong versions (``_mistaken_builder``, ``_counting``)
are one argument away from the answer, so they are ``@simulator``s: a release cuts them out and
ships only what they give on the public scenarios, as data.
"""

from typing import NamedTuple

import pytest

from grader.grading.compare import close, gap
from grader.grading.feedback import Feedback
from grader.grading.simulations import mistaken, simulator
from grader.lesson.exercise_1 import probes

LESSON = (784, 128, 10)
BUILD = ("Build a new network from the sizes you are given: a Linear layer from the inputs to the hidden "
         "neurons, a ReLU, then a Linear layer from the hidden neurons to one raw score per class.")


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


def _roles(sizes) -> dict:
    """The shape each parameter of Linear → ReLU → Linear has, by the role it plays."""
    n_in, hidden, n_out = sizes
    return {"the hidden layer's weight": (hidden, n_in), "the hidden layer's bias": (hidden,),
            "the output layer's weight": (n_out, hidden), "the output layer's bias": (n_out,)}


def _layer_report(g_shapes: list, sizes, then: str, shown: str) -> Feedback | None:
    """When exactly one layer is off, feedback that says which one, ``then`` what that gives, with
    ``shown`` as its evidence; None otherwise."""
    roles = _roles(sizes)
    n_in, hidden, n_out = sizes
    left = list(g_shapes)
    missing = []
    for role, shape in roles.items():
        if shape in left:
            left.remove(shape)
        else:
            missing.append(role)
    extra = left
    if not missing or len(extra) > len(missing):
        return None
    layers = {role.split("'")[0] for role in missing}
    if len(layers) != 1:
        return None
    layer = layers.pop()
    found = ", ".join(str(s) for s in extra) or "nothing"
    if layer == "the output layer":
        return Feedback(f"Your output layer is not the one this network needs: it should take the {hidden} "
                        f"hidden values to {n_out} scores, one per class (weight ({n_out}, {hidden}), bias "
                        f"({n_out},)), and in its place your network has parameters of shape {found}.{then}",
                        shown,
                        "Make the last Linear layer go from the hidden size to the number of classes, both "
                        "taken from the arguments: its outputs are the scores the loss function compares "
                        "with the labels.", mistake="network.output_layer_size")
    return Feedback(f"Your hidden layer is not the one this network needs: it should take the {n_in} inputs to "
                    f"{hidden} hidden neurons (weight ({hidden}, {n_in}), bias ({hidden},)), and in its place "
                    f"your network has parameters of shape {found}.{then}", shown,
                    "Make the first Linear layer go from the number of inputs to the hidden size, both taken "
                    "from the arguments.", mistake="network.hidden_layer_size")


def _not_a_network(got: dict) -> None:
    returned = got["returned"]
    if returned["type"] == "NoneType":
        raise Feedback("build_classifier returned None: the network is built but never handed back.",
                       None, "End the function by returning the network you built.",
                       mistake="network.not_returned")
    if "class" in got:
        name = got["class"]
        raise Feedback(f"build_classifier returned the class {name} itself, not a network made from it. "
                       "A class is the blueprint; the network is an instance of it.", None,
                       f"Call the class {name} with the sizes and return the instance it gives you.",
                       mistake="network.class_returned")
    raise Feedback(f"build_classifier should return a network (an nn.Module), but it returned a "
                   f"{returned['type']}.", None, BUILD)


def expect_network(got: dict, want: dict, sizes=LESSON) -> None:
    """The student's build_classifier returned an nn.Module with the reference's parameters."""
    net = f"a {_arrow(sizes)} Linear → ReLU → Linear network"
    if not got["module"]:
        _not_a_network(got)
    g_shapes, w_shapes = _shapes(got), _shapes(want)
    if g_shapes != w_shapes:
        if g_shapes == sorted(s for s in w_shapes if len(s) > 1):
            raise Feedback(f"Your network has the weights of {net} but no biases, so it has "
                           f"{got['trainable']:,} trainable parameters instead of {want['trainable']:,}: "
                           f"{want['trainable'] - got['trainable']:,} biases are missing.", _listing(got),
                           "Keep the biases: each Linear layer has one unless it is built with bias=False, "
                           "and every bias is a parameter the optimizer moves.", mistake="network.no_bias")
        if sizes != LESSON:
            hard = sorted({d for s in g_shapes for d in s} & (set(LESSON) - set(sizes)))
            if g_shapes == sorted(tuple(s) for s in _lesson_shapes()):
                raise Feedback(f"Asked for {_arrow(sizes)}, build_classifier built the lesson's "
                               f"{_arrow(LESSON)} network anyway: it ignores the sizes it is given.",
                               _listing(got), "Build the layers from the arguments in_features, hidden and "
                               "num_classes, not from the lesson's numbers.", mistake="network.sizes_hard_coded")
            if hard:
                raise Feedback(f"Asked for {_arrow(sizes)}, your network has layers of size "
                               f"{', '.join(map(str, hard))}: some sizes are hard-coded instead of taken "
                               "from the arguments.", _listing(got),
                               "Use in_features, hidden and num_classes wherever a size goes.",
                               mistake="network.sizes_hard_coded")
        layer = _layer_report(g_shapes, sizes, f" That gives {got['trainable']:,} trainable parameters instead "
                              f"of {want['trainable']:,}.", _listing(got))
        if layer:
            raise layer
        expected = ", ".join(str(s) for s in w_shapes)
        raise Feedback(f"Your network's parameters do not have the shapes of {net}: expected weights and "
                       f"biases of shapes {expected}; {got['trainable']:,} trainable parameters instead "
                       f"of {want['trainable']:,}.", _listing(got), BUILD)
    if got["trainable"] != want["trainable"]:
        raise Feedback(f"Your network has the right layers, but only {got['trainable']:,} of its "
                       f"{want['trainable']:,} parameters require grad: the others are frozen and would "
                       "never learn.", _listing(got),
                       "Leave requires_grad as nn.Linear sets it (True); don't freeze anything here.",
                       mistake="network.frozen")


def _lesson_shapes():
    i, h, c = LESSON
    return [(h, i), (h,), (c, h), (c,)]


class Simulated(NamedTuple):
    """A known-wrong network (``_mistaken_builder``'s arguments: the last layer's extra, the activation),
    what it shows, what to change, its id."""
    args: tuple
    found: str
    fix: str
    mistake: str


SIMULATED = [
    Simulated(("relu", "relu"), "Your network puts a ReLU after the last Linear layer too, so no score can be "
                                 "negative.",
              "Only the hidden layer gets a ReLU; return the last Linear layer's raw scores (logits).",
              mistake="network.relu_output"),
    Simulated(("sigmoid", "relu"), "Your network squashes its scores with a sigmoid at the end.",
              "Return the last Linear layer's raw scores (logits); the loss function does the rest.",
              mistake="network.sigmoid_output"),
    Simulated((None, "sigmoid"), "Your network bends the hidden layer with a sigmoid instead of a ReLU.",
              "Bend the hidden layer's output with a ReLU: it keeps positive values and turns negative ones to 0.",
              mistake="network.wrong_activation"),
    Simulated((None, "tanh"), "Your network bends the hidden layer with tanh instead of a ReLU.",
              "Bend the hidden layer's output with a ReLU: it keeps positive values and turns negative ones to 0.",
              mistake="network.wrong_activation"),
]


@simulator(calls="build_classifier", variants=[s.args for s in SIMULATED])
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


def expect_output(lab, got: dict, want: dict, params: dict) -> None:
    """With the same seeded weights, the student's network gives the reference's scores."""
    import torch

    device = lab.device
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
                       evidence, "Build exactly Linear → ReLU → Linear.", mistake="network.random")
    ones = torch.ones(gt.shape[0], dtype=gt.dtype)
    if close(gt.sum(1), ones, device):
        raise Feedback("Each row of your network's output adds up to 1: it ends with a softmax, so it "
                       "returns probabilities. nn.CrossEntropyLoss applies softmax itself and wants raw "
                       "scores (logits); a second softmax squashes them and slows learning.", evidence,
                       "Remove the softmax; return the last Linear layer's output.",
                       mistake="network.softmax_output")
    if close(gt.exp().sum(1), ones, device):
        raise Feedback("Your network ends with a log-softmax: its outputs are log-probabilities. "
                       "nn.CrossEntropyLoss applies log-softmax itself and wants raw scores (logits).",
                       evidence, "Remove the log_softmax; return the last Linear layer's output.",
                       mistake="network.log_softmax_output")
    if _is_linear(got, device):
        raise Feedback("Your network is a straight line: doubling the input's distance from zero doubles "
                       "the change in its scores. The ReLU between the two layers is missing (or is "
                       "never applied in forward), and two Linear layers in a row are no more than one.",
                       evidence, "Apply a ReLU to the first layer's output before it goes into the "
                       "second layer, wherever your network computes its forward pass.", mistake="network.no_relu")
    for args, found, fix, mistake in SIMULATED:
        wrong = lab.simulate(probes.classifier, mistaken("_mistaken_builder", *args), **params)
        if close(gt, wrong["outputs"][0]["tensor"], device):
            raise Feedback(found, evidence, fix, mistake=mistake)
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


def check_classifier(lab, **params) -> None:
    """The network has the right parameters, then (in a second run) computes the right scores."""
    got, want = lab.both(probes.classifier, forward=False, **params)
    expect_network(got, want, tuple(params.get("sizes") or LESSON))
    got, want = lab.both(probes.classifier, **params)
    expect_output(lab, got, want, params)


@pytest.mark.points(2)
def test_builds_the_lesson_network(lab):
    """build_classifier() builds the lesson's 784 → 128 → 10 network: 101,770 trainable parameters"""
    got, want = lab.both(probes.classifier, seed=1, forward=False)
    expect_network(got, want)


def expect_networks_in_a_row(got: dict, want: dict) -> None:
    """Each call of build_classifier gave a new network of the sizes it was asked for, scores included."""
    for i, (g, w) in enumerate(zip(got["networks"], want["networks"])):
        sizes = tuple(w["sizes"])
        if g["module"] and i and g["same_object"] is not None:
            first = got["networks"][g["same_object"]]
            raise Feedback(f"Call {i + 1} of build_classifier, asking for {_arrow(sizes)}, returned the very "
                           f"network that call {g['same_object'] + 1} returned (asked for "
                           f"{_arrow(first['sizes'])}). Your function keeps the network it built at module "
                           "level and hands it out again, so two models trained side by side would be one "
                           "model, and later sizes are ignored.", _listing(g),
                           "Build a new network inside build_classifier on every call, from that call's "
                           "arguments; keep nothing between calls.", mistake="state.kept")
        expect_network(g, w, sizes)
        if g["shares_with"] is not None:
            raise Feedback(f"The network from call {i + 1} shares parameters with the one from call "
                           f"{g['shares_with'] + 1}: training one would change the other. Layers kept at "
                           "module level are reused by every network built from them.", _listing(g),
                           "Create the layers inside build_classifier, so each network gets its own.",
                           mistake="state.kept")
        out, expected = g["output"], w["output"]
        if out["type"] == "error":
            raise Feedback(f"The {_arrow(sizes)} network could not run on a batch of shape (4, {sizes[0]}): "
                           f"{out['error']}", _listing(g), BUILD)
        if out["type"] != "torch.Tensor" or out.get("shape") != expected["shape"]:
            shape = tuple(out["shape"]) if "shape" in out else out["type"]
            raise Feedback(f"On a batch of shape (4, {sizes[0]}), your {_arrow(sizes)} network's output is "
                           f"{shape}; expected {tuple(expected['shape'])}: one score per class for each "
                           "example.", None, "Return the output layer's scores as they are, one row per example.")


@pytest.mark.points(1)
def test_classifier_computes_linear_relu_linear(lab):
    """build_classifier's network computes Linear → ReLU → Linear and returns raw scores (two sizes)"""
    check_classifier(lab, seed=2, batch_size=16)
    check_classifier(lab, seed=3, sizes=[20, 12, 5])


@pytest.mark.points(1)
def test_classifier_uses_the_sizes_given(lab):
    """build_classifier(in_features=20, hidden=12, num_classes=5), after another call, builds a new 20 → 12 → 5 network"""  # noqa: E501 - a check's title is one line
    got, want = lab.both(probes.built_in_a_row, seed=3,
                           calls=[[None, "keywords"], [[20, 12, 5], "keywords"], [[9, 7, 3], "keywords"]])
    expect_networks_in_a_row(got, want)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_classifier_other_sizes_float64(lab):
    """build_classifier(6, 40, 3), positional sizes, computes the right scores in float64"""
    check_classifier(lab, seed=4, sizes=[6, 40, 3], call="positional", batch_size=4, dtype="float64")
    got, want = lab.both(probes.built_in_a_row, seed=5,
                           calls=[[[6, 40, 3], "positional"], [None, "keywords"], [[6, 40, 3], "positional"]])
    expect_networks_in_a_row(got, want)


# --- count_trainable_parameters ---------------------------------------------------------------

MODELS = {
    "lesson": "the lesson's 784 → 128 → 10 network",
    "small": "a 20 → 12 → 5 network",
    "frozen": "a 50 → 40 → 30 → 5 network whose first layer is frozen",
    "frozen_middle": "a 30 → 20 → 10 → 4 network whose middle layer's bias is frozen",
    "frozen_last": "a 12 → 24 → 16 → 3 network whose output layer is frozen",
    "shared_deep": "a network with a tied weight at both ends and a frozen layer between them",
    "batchnorm": "a Linear → BatchNorm1d → ReLU → Linear network",
    "shared": "a network whose output layer shares its weight with an embedding (weight tying)",
}
NUMEL = ("Count values, not tensors: go through the model's parameters once each, keep those that "
         "require grad (p.requires_grad), and add up how many numbers each holds (p.numel()).")


class Slip(NamedTuple):
    """A wrong way to count (the probe's key for its result), what it shows, what to change, its id."""
    key: str
    found: str
    fix: str
    mistake: str


# What a wrong count matches, in the order to try (the first one that is not the right answer wins).
SLIPS = [
    Slip("tensors", "That is how many parameter tensors there are, not how many numbers they hold: "
                    "a (128, 784) weight is one tensor but 100,352 parameters.", NUMEL, mistake="count.tensors"),
    Slip("all_tensors", "That is how many parameter tensors there are (frozen ones included), not how many "
                        "numbers they hold.", NUMEL, mistake="count.tensors"),
    Slip("all", "That count includes the frozen parameters. A parameter with requires_grad=False gets no "
                "gradient from backward and the optimizer never moves it, so it is not trainable.",
         "Keep only the parameters with `p.requires_grad`.", mistake="frozen.touched"),
    Slip("duplicates", "The shared weight was counted once for each layer that uses it, but it is a single "
                       "tensor: training updates one set of numbers.",
         "Count each parameter once: `model.parameters()` already lists a shared parameter only once "
         "(don't add up layer by layer).", mistake="count.shared_twice"),
    Slip("with_buffers", "That count includes the buffers: BatchNorm's running mean and variance (and its "
                         "batch counter) are stored with the model, in state_dict(), but they are not "
                         "parameters and get no gradient.",
         "Count `model.parameters()`, not `state_dict()` or `buffers()`.", mistake="count.buffers"),
    Slip("state_dict", "That is the size of state_dict(), which holds buffers and repeats shared parameters; "
                       "it is not the number of trainable parameters.",
         "Count `model.parameters()`, not `state_dict()`.", mistake="count.state_dict"),
    Slip("linear_only", "That counts the Linear layers only. BatchNorm's weight and bias are parameters too: "
                        "backward gives them gradients and the optimizer updates them.",
         "Don't pick layers by type; go through `model.parameters()`, which has every layer's parameters.",
         mistake="count.linear_only"),
    Slip("weights_only", "That counts the weights only; every bias is a parameter too.", NUMEL,
         mistake="count.weights_only"),
    Slip("frozen_first", "That is what you get by dropping as many parameters from the front of the list as "
                         "are frozen, as if frozen parameters always came first. Here a frozen one sits later "
                         "in the list, so trainable ones were dropped and the frozen one was counted.",
         "Decide for each parameter by its own requires_grad flag, wherever it sits in the model.",
         mistake="count.frozen_first"),
]


@simulator(calls="count_trainable_parameters", variants=[(slip.key,) for slip in SLIPS])
def _counting(slip: str):
    """A count_trainable_parameters that makes the slip ``slip`` (a key of SLIPS): its count, to recognise it by."""
    def count_trainable_parameters(model):
        from torch import nn

        unique = list(model.parameters())
        every = [p for _, p in model.named_parameters(remove_duplicate=False)]  # shared: once per use
        buffers = sum(b.numel() for b in model.buffers())
        trainable = sum(p.numel() for p in unique if p.requires_grad)
        counts = {
            "all": sum(p.numel() for p in unique),
            "tensors": sum(1 for p in unique if p.requires_grad),
            "all_tensors": len(unique),
            "duplicates": sum(p.numel() for p in every if p.requires_grad),
            "with_buffers": trainable + buffers,
            "state_dict": sum(t.numel() for t in model.state_dict().values()),
            "linear_only": sum(p.numel() for m in model.modules() if isinstance(m, nn.Linear)
                               for p in m.parameters()),
            "weights_only": sum(p.numel() for name, p in model.named_parameters()
                                if p.requires_grad and name.rsplit(".", 1)[-1] == "weight"),
            # frozen parameters taken to come first: as many dropped from the front as are frozen
            "frozen_first": sum(p.numel() for p in unique[len(unique) - sum(p.requires_grad for p in unique):]),
        }
        return counts[slip]
    return count_trainable_parameters


def slips_of(lab, params: dict, then: int | None = None):
    """What each slip counts on the model of ``probes.count`` with ``params`` (``then``: the one at that
    place in ``then``): key → number."""
    def count(key: str):
        made = lab.simulate(probes.count, mistaken("_counting", key), **params)
        return (made if then is None else made["then"][then])["number"]
    return count


def expect_count(got: dict, want: dict, scenario: str, slips) -> None:
    """The student's count equals the reference's count of trainable parameters (type aside); a wrong one
    is named by the slip whose count it is (``slips``: key → that slip's count on the same model)."""
    right = want["number"]
    number = got["number"]
    on = MODELS[scenario]
    if number is None:
        raise Feedback(f"count_trainable_parameters should return a number, but for {on} it returned a "
                       f"{got['returned']['type']}.", None, NUMEL + " Return the total.")
    if number == right:
        return
    evidence = f"yours {_fmt(number)}, expected {right:,} ({_fmt(number - right, sign=True)})"
    for key, found, fix, mistake in SLIPS:
        slip = slips(key)
        if slip != right and number == slip:
            raise Feedback(f"For {on}, count_trainable_parameters returned {_fmt(number)}; it has {right:,} "
                           f"trainable parameters. {found}", evidence, fix, mistake=mistake)
    raise Feedback(f"For {on}, count_trainable_parameters returned {_fmt(number)}; it has {right:,} "
                   "trainable parameters.", evidence, NUMEL)


def expect_counts_in_a_row(got: dict, want: dict, lab, params: dict) -> None:
    """Later calls, on other models, count those models, not what earlier calls left behind."""
    earlier = [(got["number"], want["number"])]
    running = got["number"] if isinstance(got["number"], (int, float)) else None
    for index, (g, w) in enumerate(zip(got["then"], want["then"])):
        number, right = g["number"], w["number"]
        on = MODELS[w["scenario"]]
        if number is not None and number != right:
            evidence = (f"call {len(earlier) + 1}, on {on}: yours {_fmt(number)}, expected {right:,}; "
                        f"earlier calls returned {', '.join(_fmt(n) for n, _ in earlier if n is not None)}")
            if any(number == n and n != right for n, _ in earlier):
                raise Feedback(f"Called again on another model ({on}), count_trainable_parameters returned "
                               f"{_fmt(number)}, the answer of an earlier call: it keeps a result at module "
                               "level (a variable or a cache) and hands it out again.", evidence,
                               "Count the model you are given on every call, and keep nothing between calls.",
                               mistake="state.kept")
            if running is not None and number == running + right:
                raise Feedback(f"Called again on another model ({on}), count_trainable_parameters returned "
                               f"{_fmt(number)}: this model's {right:,} added to what earlier calls counted. "
                               "The total lives at module level and is never reset between calls.", evidence,
                               "Start the total at zero inside the function, on every call.", mistake="state.kept")
        expect_count(g, w, w["scenario"], slips_of(lab, params, index))
        earlier.append((number, right))
        running = running + number if running is not None and isinstance(number, (int, float)) else None


def _fmt(number, sign=False) -> str:
    if isinstance(number, float) and not number.is_integer():
        return f"{number:+.6g}" if sign else f"{number:.6g}"
    return f"{int(number):+,}" if sign else f"{int(number):,}"


@pytest.mark.points(1)
def test_counts_the_lesson_network(lab):
    """count_trainable_parameters gives 101,770 for the lesson's network, then 317 for 20 → 12 → 5, as an int"""
    params = dict(seed=11, scenario="lesson", then=["small"])
    got, want = lab.both(probes.count, **params)
    expect_count(got, want, "lesson", slips_of(lab, params))
    expect_counts_in_a_row(got, want, lab, params)
    returned = got["returned"]
    if returned["type"] != "int":
        raise Feedback(f"The count is right ({want['number']:,}), but it comes back as a "
                       f"{returned['type']}, not a Python int.", None,
                       "p.numel() is already an int and a sum of ints is an int; if you computed the "
                       "count with tensors or NumPy, turn the total into a Python int before returning it.",
                       mistake="count.not_int")


@pytest.mark.points(1)
def test_counts_only_trainable(lab):
    """count_trainable_parameters leaves out frozen parameters (requires_grad=False), first or in the middle"""
    params = dict(seed=12, scenario="frozen", then=["frozen_middle"])
    got, want = lab.both(probes.count, **params)
    expect_count(got, want, "frozen", slips_of(lab, params))
    expect_counts_in_a_row(got, want, lab, params)


@pytest.mark.points(1)
def test_buffers_are_not_parameters(lab):
    """count_trainable_parameters counts BatchNorm's weight and bias but not its buffers"""
    params = dict(seed=13, scenario="batchnorm")
    got, want = lab.both(probes.count, **params)
    expect_count(got, want, "batchnorm", slips_of(lab, params))


@pytest.mark.points(1)
def test_shared_parameter_counts_once(lab):
    """count_trainable_parameters counts a parameter shared by two layers once"""
    params = dict(seed=14, scenario="shared")
    got, want = lab.both(probes.count, **params)
    expect_count(got, want, "shared", slips_of(lab, params))


@pytest.mark.points(1)
@pytest.mark.hidden
def test_counts_other_models_in_a_row(lab):
    """count_trainable_parameters on other models, one after another: a frozen output layer, tied weights"""
    params = dict(seed=16, scenario="frozen_last", then=["shared_deep", "batchnorm"])
    got, want = lab.both(probes.count, **params)
    expect_count(got, want, "frozen_last", slips_of(lab, params))
    expect_counts_in_a_row(got, want, lab, params)
