# attack: at import time poison the environment for whoever runs next: PYTHONPATH, PYTHONSTARTUP, LD_PRELOAD, OMP/MKL settings, TORCH_* and putenv, plus a torch.py planted in /tmp; and check whether a predecessor's poison reached this worker
# holds: each worker starts from the fork server's clean environment: no attacker sees a predecessor's variables, and the honest students' verdicts are those of single grading
"""Exercise 3: A manual SGD step (attacker: poisons the environment)."""

import os

BREACH = "BRE" "ACH!"
NOTES = []
POISON = {"PYTHONPATH": "/tmp/poison", "PYTHONSTARTUP": "/tmp/poison/startup.py", "LD_PRELOAD": "/tmp/poison/evil.so",
          "OMP_NUM_THREADS": "64", "MKL_NUM_THREADS": "64", "TORCH_SHOW_CPP_STACKTRACES": "1",
          "CUDA_VISIBLE_DEVICES": "poisoned", "POISONED_BY_32": "{TAG}"}


def _attack() -> None:
    if os.environ.get("POISONED_BY_32") == "{TAG}" and not os.__dict__.get("_poisoned_here"):
        NOTES.append(f"{BREACH} a predecessor's environment reached this worker")
    for key, value in POISON.items():
        os.environ[key] = value
        os.putenv(key, value)
    os._poisoned_here = True
    try:
        os.makedirs("/tmp/poison", exist_ok=True)
        with open("/tmp/poison/torch.py", "w") as f:
            f.write("raise SystemExit('poisoned torch')\n")
    except OSError as exc:
        NOTES.append(f"/tmp/poison: {exc.strerror}")


if os.getpid() == 1:
    _attack()


def sgd_update(params, lr):
    raise RuntimeError("attack report: " + " | ".join(NOTES or ["poisoned"]))


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
