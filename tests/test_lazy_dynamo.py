"""The torch._dynamo stand-in: optimizers run without importing dynamo, with identical results."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, sys, torch
if sys.argv[1] == "stand-in":
    from grader.isolation import lazy_dynamo
    lazy_dynamo.install()
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
x, y = torch.randn(8, 4), torch.randint(0, 2, (8,))
for opt in (torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), torch.optim.Adam(model.parameters(), lr=0.01)):
    for _ in range(3):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
kind = type(sys.modules.get("torch._dynamo")).__name__
params = [p.detach().double().flatten().tolist() for p in model.parameters()]
later = hasattr(torch._dynamo, "reset")  # any other attribute brings the real module
real_after = type(sys.modules["torch._dynamo"]).__name__
print(json.dumps({"kind": kind, "params": params, "real_after": real_after, "later": later}))
"""


def run(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_optimizers_run_on_the_stand_in_with_identical_results():
    real, lazy = run("real"), run("stand-in")
    assert lazy["kind"] == "LazyDynamo" and real["kind"] == "module"
    assert lazy["params"] == real["params"]
    assert lazy["later"] and lazy["real_after"] == "module"
