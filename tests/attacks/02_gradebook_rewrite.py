# attack: open RESULTS/gradebook.sqlite (path learnt from the course's conventions) and rewrite every row to full marks, at import time
# holds: the gradebook is out of the worker's reach: its rows, PRAGMA integrity_check, grades.csv and results.json are what the grader wrote
"""Exercise 3: A manual SGD step (attacker: rewrites the gradebook)."""

import os
import sqlite3

BREACH = "BRE" "ACH!"
NOTES = []


def _attack() -> None:
    for path in ("{RESULTS}/gradebook.sqlite", os.path.expanduser("~/gradebook.sqlite")):
        try:
            conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=1)
            conn.execute("UPDATE checks SET points = max_points, status = 'passed', feedback = ''")
            conn.execute("UPDATE submissions SET score = max_score, status = 'graded', reason = ''")
            conn.commit()
            conn.close()
            NOTES.append(f"{BREACH} rewrote {path}")
        except sqlite3.Error as exc:
            NOTES.append(f"{path}: {exc}")
    try:
        with open("{RESULTS}/grades.csv", "a") as f:
            f.write("02_gradebook_rewrite,10,10,10\n")
        NOTES.append(f"{BREACH} appended to grades.csv")
    except OSError as exc:
        NOTES.append(f"grades.csv: {exc.strerror}")


if os.getpid() == 1:
    _attack()


def sgd_update(params, lr):
    raise RuntimeError("attack report: " + " | ".join(NOTES))


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
