"""The files ``grade new`` writes, as text: a stub, a solution, probes and checks that fit the signatures
asked for (``grader.authoring.signatures``), an example mistake, and the catalogue's template.

Every place the author must write something says ``TODO`` (``grader.authoring.unfinished`` finds them);
the rest runs as written: the worked checks grade a solution once its answer is in.
"""

from __future__ import annotations

import textwrap

from grader.authoring.signatures import Signature

FEEDBACK = "expected result for these inputs"  # what the worked checks say, and the example mistake expects


def stub(label: str, title: str, functions: tuple[Signature, ...]) -> str:
    def task(f: Signature) -> str:
        given = ", ".join(f"`{p.name}`" for p in f.parameters) or "nothing"
        verb = "is" if len(f.parameters) < 2 else "are"
        return textwrap.fill(f"TODO: the task, in the lesson's words: what {given} {verb}, what must come out, "
                             "the rules.", 100, subsequent_indent="    ")

    defs = "".join(f'''

def {f.name}{f.arguments}:
    """TODO: one line saying what {f.name} does (the solution's docstring starts the same way).

    {task(f)}
    """
    raise NotImplementedError
''' for f in functions)
    return f'''"""{label}: {title}.

TODO: a few sentences on what the learner builds here, and why it matters.
"""

import torch
{defs}'''


def solution(label: str, title: str, functions: tuple[Signature, ...]) -> str:
    defs = "".join(f'''

def {f.name}{f.arguments}:
    """TODO: one line saying what {f.name} does (the solution's docstring starts the same way)."""
    # TODO: the reference answer: every check compares the student's result with this one's.
    raise NotImplementedError
''' for f in functions)
    return f'''"""{label}: {title} (reference solution)."""

import torch
{defs}'''


def probes(label: str, title: str, functions: tuple[Signature, ...]) -> str:
    kinds = {p.kind for f in functions for p in f.parameters}
    helpers = ""
    if kinds & {"model", "params", "optimizer"}:
        helpers += '''

def _model(rng, device):
    """A small model (4 inputs, 3 outputs) with weights drawn from ``rng``: the same on every device."""
    import torch

    model = torch.nn.Linear(4, 3)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=rng))
    return model.to(device)
'''
    if kinds & {"int", "float"}:
        helpers += '''

def _number(rng, given, kind):
    """``given``; when the check gives none, a number drawn from the seed (an int in 1..9, a float in (0, 1)),
    so that salted seeds vary it too. Drawn either way: giving one leaves the others as they were."""
    import torch

    drawn = int(torch.randint(1, 10, (), generator=rng)) if kind is int else \\
        round(0.01 + 0.98 * float(torch.rand((), generator=rng)), 3)
    return drawn if given is None else given
'''
    return f'''"""Probes for {label.lower()}: {title}.

A probe builds its inputs from a seed, calls one student function and records what
happened as plain data (tensors, numbers, strings, lists, dicts). Each check runs it
twice on the same inputs: in a jailed worker with the student's function, and here
with the solution's. Build every input from ``seed`` (when an instructor grades, the
seed is salted with a secret, so that stored outcomes answer nothing). Import torch
inside a probe: this module is imported before the workers start.
"""

from __future__ import annotations

from grader.grading.probes import describe, probe
{helpers}{"".join(_probe(f) for f in functions)}'''


def _probe(f: Signature) -> str:
    """A probe for ``f``: inputs that fit its parameters' kinds, the call, what it returned and left behind."""
    numbers = [p for p in f.parameters if p.kind in ("int", "float")]
    model = next((p.name for p in f.parameters if p.kind == "model"), "net")
    build, after = [], []
    if any(p.kind in ("model", "params", "optimizer") for p in f.parameters):
        build.append(f"{model} = _model(rng, device)")
    for p in f.parameters:
        if p.kind == "tensor":
            build.append(f"{p.name} = torch.randn(3, 4, generator=rng).to(device)")
            after.append(f'"{p.name}": {p.name}.detach().to("cpu").clone(),')
        elif p.kind in ("int", "float"):
            build.append(f"{p.name} = _number(rng, {p.name}, {p.kind})")
        elif p.kind == "optimizer":
            build.append(f"{p.name} = torch.optim.SGD({model}.parameters(), lr=0.1)")
            after.append(f'"{p.name}": [{{k: v for k, v in group.items() if k != "params"}} '
                         f'for group in {p.name}.param_groups],')
        elif p.kind in ("model", "params"):
            build.append(f"{p.name} = list({model}.parameters())" if p.kind == "params" else "")
            after.append(f'"{p.name}": {{name: q.detach().to("cpu").clone() for name, q in '
                         f'{model}.named_parameters()}},')
    seeded = [line for line in build if line]
    body = ""
    if seeded:
        body = ("    import torch\n\n    rng = torch.Generator().manual_seed(seed)  # on the CPU: the same inputs on "
                "every device\n" + "".join(f"    {line}\n" for line in seeded))
    kwargs = "".join(f", {p.name}=None" for p in numbers)
    recorded = "{" + "".join(f"\n        {line}" for line in after) + "\n    }" if after else "{}"
    return f'''

@probe(calls="{f.name}")
def {f.name}_result({f.name}, *, device, seed{kwargs}):
    """Call {f.name} on inputs built from ``seed``; record what it returned and what it left in its arguments."""
{body}    # TODO: are these the inputs a learner's code gets? Make them so (a check may give the numbers), then
    # delete this line.
    returned = {f.call}
    return {{"returned": describe(returned), "after": {recorded}}}
'''


def checks(label: str, title: str, package: str, functions: tuple[Signature, ...]) -> str:
    checks = "".join(f'''

@pytest.mark.points(1)
def test_{f.name}_matches_the_solution(lab, device):
    """{f.name} gives the solution's result on inputs drawn from a seed"""
    got, want = lab.both(probes.{f.name}_result, seed=1)
    # TODO: what to change, in the lesson's words, without handing over the code.
    _expect_same(got, want, "{f.name}", device, "Work through the steps the docstring gives, in order.")
''' for f in functions)
    return f'''"""Checks for {label.lower()}: {title}.

A check is a pytest test worth ``@pytest.mark.points(n)``; one marked hidden is left
out of the students' release (docs/authoring.md). It asks the lab for the student's and the
solution's outcome of one probe on the same inputs, compares them, and raises
Feedback when they differ: what went wrong, the evidence, what to change. The first
line of its docstring is the line students see. Together the checks must be worth the
exercise's points in course.toml.
"""

import math

import pytest

from grader.grading.compare import close, gap
from grader.grading.feedback import Feedback
from {package} import probes
{checks}

def _expect_same(got, want, function, device, fix):
    """What the student's function returned, then what it left in each argument, is the solution's."""
    mine, expected = got.get("returned"), want["returned"]
    if not _same(mine, expected, device):
        shown = (gap(mine["tensor"], expected["tensor"]) if isinstance(mine, dict) and "tensor" in mine
                 and "tensor" in expected and mine["tensor"].shape == expected["tensor"].shape else None)
        raise Feedback(f"`{{function}}` returned {{_shown(mine)}}, which is not the {FEEDBACK}.",
                       shown, fix)
    for name, left in want["after"].items():
        if not _same((got.get("after") or {{}}).get(name), left, device):
            raise Feedback(f"After `{{function}}`, `{{name}}` does not hold the {FEEDBACK}.",
                           None, fix)


def _same(mine, expected, device):
    """Whether two recorded outcomes agree: tensors within the tolerance for their dtype, numbers to 1e-6."""
    if hasattr(expected, "shape"):
        return hasattr(mine, "shape") and close(mine, expected, device)
    if isinstance(expected, float) and isinstance(mine, (int, float)) and not isinstance(mine, bool):
        return math.isclose(mine, expected, rel_tol=1e-6, abs_tol=1e-12)
    if isinstance(expected, dict):
        return isinstance(mine, dict) and mine.keys() == expected.keys() and \\
            all(_same(mine[key], value, device) for key, value in expected.items())
    if isinstance(expected, (list, tuple)):
        return isinstance(mine, (list, tuple)) and len(mine) == len(expected) and \\
            all(_same(a, b, device) for a, b in zip(mine, expected, strict=True))
    return mine == expected


def _shown(described):
    """A returned value (a ``describe`` record) in a few words: its value, a tensor's shape, or its type."""
    if not isinstance(described, dict):
        return "nothing the grader recorded"
    if "value" in described:
        return repr(described["value"])
    if "shape" in described:
        return f"a tensor of shape {{tuple(described['shape'])}}"
    return f"a {{described.get('type', 'value')}}"
'''


def mistake(functions: tuple[Signature, ...]) -> str:
    first, *others = functions
    given = first.parameters[0].name if first.parameters else "None"
    what = "its first argument as it came" if first.parameters else "None"
    rest = "".join(f"\n\ndef {f.name}{f.arguments}:\n    raise NotImplementedError\n" for f in others)
    return f'''# mistake: returns {what} (an example from `grade new`: replace it)
# id: values.wrong
# fails: test_{first.name}_matches_the_solution
# feedback: {FEEDBACK}
import torch


def {first.name}{first.arguments}:
    return {given}
{rest}'''


MISTAKES = '''# The mistakes this exercise's checks can name, as data: a check that recognises one raises
# Feedback(what, evidence, fix, mistake="<its id>"); the gradebook, results.json and the class report
# keep the id, and `grade validate` checks that each corpus file's `# id:` is what its checks name.
# A check that can only say the values are wrong names none: that is the grader's "values.wrong".
#
# [[mistake]]
# id = "area.what"                      # stable: stored with every grade
# title = "what the learner did, in one line, in the lesson's words"
# idea = "an idea's id from the content folder's ideas.toml"
'''


def content_init() -> str:
    return '''"""This course's lesson content: one folder per exercise, with its probes.py and checks.py."""

# (regular expression over an error message, hint): the grader adds the first match to the
# feedback for an exception in student code.
HINTS = []
'''
