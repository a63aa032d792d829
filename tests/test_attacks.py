"""Issue #8's attack corpus: a class of determined cheaters, graded by one `grade batch` in the jail.

Every file in tests/attacks is one student's exercise_3.py (a zip or a single
.py entry where its name says so): functions that are the stub, plus an attack
that runs at import time or inside sgd_update. Honestly they score 0, so any
point is a breach. The class also holds two honest students (the reference
solution) graded after the attackers. One module fixture builds the class,
runs one batch (-j 2, short limits), waits STRIKE seconds for daemons to
strike, and records what the tests check: one test per property, and one per
attack that it gained nothing. Attacks that report what they achieved put
BREACH! in the text they leak through their feedback.

Attack code (kill -1, fork bombs, filling disks) must only ever run inside the
jail: every attack file checks that it is PID 1 of its own namespace, and this
module is skipped where the jail cannot be built.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from grader.batch import exports, gradebook

GRADE = str(Path(sys.executable).with_name("grade"))
ATTACKS = ROOT / "tests" / "attacks"
SOLUTION = (ROOT / "solutions" / "exercise_3.py").read_text()
CHECKS_SOURCE = ROOT / "grader" / "lesson" / "exercise_3" / "checks.py"
TIMEOUT, MEMORY = 3, 600
LIMITS = ["--timeout", str(TIMEOUT), "--memory", str(MEMORY)]
STRIKE = 8.0                    # seconds waited after the batch: when the daemons strike
BREACH = "BRE" "ACH!"           # what an attack writes into its feedback when it achieved something
HEADER = re.compile(r"# attack: (?P<attack>\S.*)\n# holds: (?P<holds>\S.*)\n")
PLACEHOLDERS = ("{SUBMISSIONS}", "{RESULTS}", "{COURSE}", "{CANARY}", "{PORT}", "{PEER}", "{TAG}", "{ME}")
HONEST = ("honest_a", "honest_b")
ZIPPED = {"19_zip_symlink_to_solution"}          # handed in as a .zip, built by zip_with_links
SINGLE_FILE = {"40_single_file_entry_lists_class"}  # handed in as SUBMISSIONS/<name>.py
ENDLESS = "27_endless_loop"
HANDOFF = ("35_handoff_a", "35_handoff_b", "35_handoff_c")  # one file, handed in by three students
CHANNELS = ("tmp", "dev_shm", "environ", "sysv_shm", "abstract_socket", "user_keyring", "session_keyring")
STEMS = sorted(p.stem for p in ATTACKS.glob("[0-9][0-9]_*.py"))  # the attack files
SCAVENGERS = ("43_scavenge_peer_a", "43_scavenge_peer_b", "43_scavenge_peer_c")  # look for each other in memory
COPIES = {"35_handoff": HANDOFF, "43_scavenge_peer": SCAVENGERS}  # handed in by several students ({ME}: each)
ATTACKERS = [student for stem in STEMS for student in COPIES.get(stem, (stem,))]  # the students



def attack_file(student: str) -> Path:
    """The attack file a student handed in."""
    return ATTACKS / f"{next((stem for stem, names in COPIES.items() if student in names), student)}.py"

# Attacks that breach the jail as it stands (see each reason): strict, so a fix shows up as XPASS.
def _cgroups_here() -> bool:
    from grader.isolation import cgroups

    return cgroups.available()


KNOWN_BREACHES: dict[str, str] = {}
if not _cgroups_here():  # an ordinary user's machine: memory is limited per process only (README)
    KNOWN_BREACHES.update({
        "33_memory_split_across_children": "no cgroup can be made here: RLIMIT_AS is per process",
        "34_memfd_memory": "no cgroup can be made here: memfd pages are under no per-process limit",
    })
KNOWN_LEAKS: dict[str, str] = {}
KNOWN_GRADER_BLAME: dict[str, str] = {}
KNOWN_HANDOFFS: dict[str, str] = {}


def known(values, breaches: dict):
    return [pytest.param(v, marks=pytest.mark.xfail(strict=True, reason=breaches[v])) if v in breaches else v
            for v in values]


# ---------------------------------------------------------------- building the class

def header(text: str) -> dict | None:
    found = HEADER.match(text)
    return found.groupdict() if found else None


def substitute(text: str, places: dict[str, str]) -> str:
    for key, value in places.items():
        text = text.replace(key, value)
    return text


def zip_with_links(path: Path, source: str, course: Path) -> None:
    """The zip of 19_zip_symlink_to_solution: its exercise_3.py and links to the reference."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("exercise_3.py", source)
        for name, target in (("solution_link.py", course / "solutions" / "exercise_3.py"),
                             ("solutions_dir", course / "solutions")):
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # unix: external_attr holds the mode
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, str(target))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


class Listener:
    """A TCP listener on 127.0.0.1 that counts what reaches it."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections, self.received = 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:  # the timeout, or the socket closed
                continue
            self.connections += 1
            with conn:
                conn.settimeout(1.0)
                try:
                    while chunk := conn.recv(1 << 16):
                        self.received += len(chunk)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def rows(out: Path, sql: str, *args):
    conn = sqlite3.connect(out / gradebook.STORE_NAME)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def processes_with(marker: str) -> list[int]:
    """Live processes (not zombies) whose command line holds ``marker``."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker.encode() not in f.read():
                    continue
            with open(f"/proc/{entry}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry))
        except (OSError, IndexError):
            pass
    return found


def installed_snapshot(tag: str) -> dict:
    """sha256 of a few installed files, and the planted-looking names in the folders attacks write to."""
    import torch

    import grader

    torch_dir, grader_dir = Path(torch.__file__).parent, Path(grader.__file__).parent
    site = Path(sysconfig.get_paths()["purelib"])
    files = [torch_dir / "__init__.py", torch_dir / "version.py", torch_dir / "nn" / "__init__.py",
             grader_dir / "__init__.py", grader_dir / "isolation" / "wire.py"]
    planted = sorted(str(p) for folder in (site, torch_dir, grader_dir) if folder.is_dir()
                     for p in folder.iterdir()
                     if tag in p.name or p.name in ("sitecustomize.py", "usercustomize.py") or "attack" in p.name)
    return {"hashes": {str(f): sha256(f) for f in files}, "planted": planted}


def stored(out: Path) -> dict:
    """What the batch left in RESULTS: grades.csv, every gradebook row, every student's files."""
    files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
             if p.is_file() and p.name in ("results.json", "feedback.md", gradebook.GRADES_NAME)}
    return {"files": files,
            "submissions": rows(out, "SELECT * FROM submissions ORDER BY student, exercise"),
            "checks": rows(out, "SELECT * FROM checks ORDER BY student, exercise, position")}


@dataclasses.dataclass
class Attacked:
    """The class, the batch's run, and what was observed around it."""

    root: Path
    submissions: Path
    out: Path
    canary: Path
    tag: str
    done: subprocess.CompletedProcess
    seconds: float
    sources: dict[str, str]
    secrets: dict[str, str]
    hashes_before: dict[str, str]
    installed_before: dict
    worker_folders_before: set[str]
    listener: Listener
    right_after: dict
    after_strike: dict

    def grades(self) -> dict[str, list[str]]:
        with open(self.out / gradebook.GRADES_NAME, newline="") as f:
            table = list(csv.reader(f))
        return {row[0]: row[1:] for row in table[1:]}

    def texts(self, student: str) -> str:
        """Everything of a student's that reaches them: results.json, feedback.md, the gradebook's words."""
        folder = exports.student_folder(self.out, student)
        parts = [(folder / name).read_text(errors="replace")
                 for name in ("results.json", "feedback.md") if (folder / name).exists()]
        parts += [" ".join(map(str, r)) for r in
                  rows(self.out, "SELECT reason, problem FROM submissions WHERE student = ?", student)]
        parts += [r[0] for r in rows(self.out, "SELECT feedback FROM checks WHERE student = ?", student)]
        return "\n".join(parts)


@pytest.fixture(scope="module")
def jailed():
    from grader.isolation import doctor

    found = doctor.available()
    if not found.ok:
        pytest.skip(f"the jail cannot be built here ({found.reason}): attack code only ever runs inside it")
    return found


def _scratch_root() -> Path:
    """A folder every user may traverse (pytest's tmp folders are 0700): only the jail keeps attackers out."""
    base = "/var/tmp" if os.access("/var/tmp", os.W_OK | os.X_OK) else None
    root = Path(tempfile.mkdtemp(prefix="grader-attacks-", dir=base))
    root.chmod(0o755)
    return root


@pytest.fixture(scope="module")
def attacked(jailed):
    root = _scratch_root()
    listener = Listener()
    tag = str(time.time_ns() % 10**12).rjust(12, "1")  # digits: `sleep 300.<tag>` must parse
    try:
        yield _attack(root, listener, tag)
    finally:
        listener.close()
        for pid in processes_with(tag):  # what our attackers started, if the jail let it live: by pid
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        shutil.rmtree(root, ignore_errors=True)


def _attack(root: Path, listener: Listener, tag: str) -> Attacked:
    submissions, out = root / "class", root / "results"
    canary = Path(tempfile.mkdtemp(prefix="canary-", dir=root))
    submissions.mkdir()
    out.mkdir()
    for folder in (canary, submissions, out):
        folder.chmod(0o777)  # writable by anyone: only isolation keeps attackers out
    found = {
        "env": secrets.token_hex(16),
        "honest_code": "honest-" + secrets.token_hex(16),
        "test_file": "file-" + secrets.token_hex(16),
        "solution": SOLUTION.splitlines()[0],
    }
    code = [line.strip() for line in CHECKS_SOURCE.read_text().splitlines()
            if line.strip().startswith(("bad = mismatched(", "def expect_"))]
    if code:  # a line of the hidden checks' code (never part of any feedback)
        found["checks_source"] = code[0]
    try:
        found["shadow"] = Path("/etc/shadow").read_text().splitlines()[0]
    except (OSError, IndexError):
        pass
    (root / "secret.txt").write_text(found["test_file"] + "\n")
    (root / "secret.txt").chmod(0o644)
    places = {"{SUBMISSIONS}": str(submissions), "{RESULTS}": str(out), "{COURSE}": str(ROOT),
              "{CANARY}": str(canary), "{PORT}": str(listener.port), "{PEER}": str(submissions / "honest_a"),
              "{TAG}": tag}
    for name in HONEST:
        (submissions / name).mkdir(mode=0o777)
        (submissions / name / "exercise_3.py").write_text(SOLUTION + f"\n# {found['honest_code']}\n")
    sources = {}
    for stem in ATTACKERS:
        text = attack_file(stem).read_text()
        source = sources[stem] = substitute(text, {**places, "{ME}": stem})
        if stem in ZIPPED:
            zip_with_links(submissions / f"{stem}.zip", source, ROOT)
        elif stem in SINGLE_FILE:
            (submissions / f"{stem}.py").write_text(source)
        else:
            (submissions / stem).mkdir()
            (submissions / stem / "exercise_3.py").write_text(source)
    for path in submissions.rglob("*"):
        path.chmod(0o777 if path.is_dir() else 0o666)
    hashes_before = tree_hashes(submissions)
    installed_before = installed_snapshot(tag)
    workers_before = {p.name for p in Path(tempfile.gettempdir()).glob("grader-worker-*")}

    env = dict(os.environ, GRADER_ATTACK_SECRET=found["env"])
    env.pop("GRADER_NO_NAMESPACES", None)  # never unjailed: the attacks must run in the jail
    started = time.monotonic()
    done = subprocess.run([GRADE, "batch", str(submissions), "--out", str(out), "--exercise", "exercise-3",
                           "-j", "2", *LIMITS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    seconds = time.monotonic() - started
    right_after = stored(out) if (out / gradebook.STORE_NAME).exists() else {}
    time.sleep(STRIKE)
    after_strike = stored(out) if (out / gradebook.STORE_NAME).exists() else {}
    return Attacked(root, submissions, out, canary, tag, done, seconds, sources, found, hashes_before,
                    installed_before, workers_before, listener, right_after, after_strike)


@pytest.fixture(scope="module")
def graded(attacked):
    assert attacked.done.returncode == 0, attacked.done.stderr[-3000:]
    return attacked


# ---------------------------------------------------------------- the corpus itself

def test_every_attack_has_a_header_and_runs(jailed):
    """Each attack says what it tries and what must hold; it compiles once its placeholders are filled."""
    assert len(STEMS) >= 30, f"only {len(STEMS)} attacks in {ATTACKS}"
    assert len({s[:2] for s in STEMS}) == len(STEMS), "two attacks share a number"
    places = {key: "1" for key in PLACEHOLDERS}
    for stem in STEMS:
        text = (ATTACKS / f"{stem}.py").read_text()
        found = header(text)
        assert found, f"{stem}: the file must start with '# attack: …' and '# holds: …' lines"
        assert len(found["attack"]) > 20 and len(found["holds"]) > 20, stem
        source = substitute(text, places)
        unknown = {name for name in re.findall(r"\{([A-Z_]+)\}", source)
                   if not re.search(rf"^{name} = ", source, re.M)}  # an f-string's own constant is no placeholder
        assert not unknown, f"{stem}: placeholders the test does not fill: {unknown}"
        compile(source, stem, "exec")
        assert "def sgd_update(params, lr):" in text and "def sgd_momentum_update(" in text, stem
        assert "getpid() != 1" in text or "getpid() == 1" in text or stem in ZIPPED, \
            f"{stem}: attack code must only run as PID 1 of its own namespace (inside the jail)"


# ---------------------------------------------------------------- the batch and the honest students

def test_batch_completes_in_the_jail_with_every_student(graded):
    table = graded.grades()
    assert sorted(table) == sorted([*ATTACKERS, *HONEST])
    assert "ran in the jail" in graded.done.stdout and "WARNING" not in graded.done.stdout
    isolation = set(r[0] for r in rows(graded.out, "SELECT isolation FROM submissions WHERE isolation != ''"))
    assert isolation == {"jail"}


def test_honest_students_score_full_marks(graded):
    table = graded.grades()
    for name in HONEST:
        assert table[name] == ["10", "10", "10"], (name, table[name])
        data = json.loads((exports.student_folder(graded.out, name) / "results.json").read_text())
        assert data["score"] == 10, name
        assert rows(graded.out, "SELECT status, score FROM submissions WHERE student = ?", name) == [("graded", 10)]


def test_honest_verdicts_are_those_of_single_grading(graded, course, monkeypatch):
    from grader.grading import runner as grading

    tight = dataclasses.replace(course, memory_mb=MEMORY)
    exercise = dataclasses.replace(course.exercise("exercise-3"), timeout=float(TIMEOUT))
    for name in HONEST:
        path = graded.submissions / name / "exercise_3.py"
        monkeypatch.chdir(path.parent)
        single = grading.grade_exercise(course=tight, exercise=exercise, path=path, device="cpu")
        stored_rows = rows(graded.out, "SELECT name, points, status, feedback FROM checks WHERE student = ? "
                                       "ORDER BY position", name)
        assert [(c.name, c.points, c.passed, c.feedback) for c in single.checks] == \
               [(n, p, s == "passed", f) for n, p, s, f in stored_rows], name


# ---------------------------------------------------------------- each attack gains nothing

@pytest.mark.parametrize("stem", known(ATTACKERS, KNOWN_BREACHES))
def test_attack_gains_nothing(graded, stem):
    """0 points in grades.csv, the gradebook and results.json, and no BREACH! in what reaches the attacker."""
    what = header(attack_file(stem).read_text())
    why = f"{stem} breached ({what['attack']}); must hold: {what['holds']}"
    assert graded.grades()[stem] == ["0", "0", "10"], f"{why}: grades.csv {graded.grades()[stem]}"
    stored_rows = rows(graded.out, "SELECT score FROM submissions WHERE student = ?", stem)
    assert stored_rows and all(score == 0 for score, in stored_rows), f"{why}: gradebook {stored_rows}"
    points = rows(graded.out, "SELECT name, points FROM checks WHERE student = ? AND points > 0", stem)
    assert not points, f"{why}: checks passed {points}"
    data = json.loads((exports.student_folder(graded.out, stem) / "results.json").read_text())
    assert data["score"] == 0 and all(t["score"] == 0 for t in data["tests"]), f"{why}: results.json {data['score']}"
    text = graded.texts(stem)
    reported = [line.strip()[:400] for line in text.splitlines() if BREACH in line]
    assert not reported, f"{why}; it reports: {reported[:3]}"


@pytest.mark.parametrize("stem", known(ATTACKERS, KNOWN_GRADER_BLAME))
def test_attack_is_not_blamed_on_the_grader(graded, stem):
    """Whatever an attacker sends back is its own doing: no check of its is a grader failure (or a retry)."""
    blamed = rows(graded.out, "SELECT name, substr(feedback, 1, 200) FROM checks WHERE student = ? "
                              "AND incident = 'grader'", stem)
    assert not blamed, f"{stem}: checks blamed on the grader: {blamed}"
    assert rows(graded.out, "SELECT retry FROM submissions WHERE student = ?", stem) == [(0,)]


@pytest.mark.parametrize("secret", known(["env", "honest_code", "test_file", "checks_source", "solution", "shadow"],
                                         KNOWN_LEAKS))
def test_no_secret_reaches_any_attacker(graded, secret):
    if secret not in graded.secrets:
        pytest.skip(f"no {secret} on this machine")
    value = graded.secrets[secret]
    assert not any(value in source for source in graded.sources.values()), "the secret is in an attack's own text"
    leaked = [stem for stem in ATTACKERS if value in graded.texts(stem)]
    assert not leaked, f"the {secret} secret reached the results of {leaked}"


def test_endless_loop_costs_one_time_limit(graded):
    timings = rows(graded.out, "SELECT name, seconds, incident FROM checks WHERE student = ? ORDER BY position",
                   ENDLESS)
    sgd = [t for t in timings if "sgd" in t[0]]
    assert sgd[0][2] == "timeout" and TIMEOUT * 0.9 <= sgd[0][1] < TIMEOUT + 2, timings
    assert all(seconds < 1.0 for _, seconds, _ in timings[1:]), timings  # later checks do not run it again
    total = sum(seconds for _, seconds, _ in timings)
    assert total < 2 * TIMEOUT < len(timings) * TIMEOUT, f"{total:.1f} s for {len(timings)} checks: {timings}"


@pytest.mark.parametrize("channel", known(CHANNELS, KNOWN_HANDOFFS))
def test_nothing_passes_to_the_next_student(graded, channel):
    """Three consecutive entries each look for an earlier one's handoff, then leave their own; with two
    judges, at least one of them follows another on the same judge."""
    found = {}
    for stem in HANDOFF:
        report = re.search(r"HANDOFF-FOUND\[([a-z_,]*)\]", graded.texts(stem))
        assert report, f"{stem} did not run its attack: {graded.texts(stem)[:500]}"
        found[stem] = set(filter(None, report.group(1).split(",")))
    got = [stem for stem, channels in found.items() if channel in channels]
    assert not got, f"{got} found an earlier student's handoff through {channel}"


# ---------------------------------------------------------------- the world outside the jail

def test_results_do_not_change_after_the_batch(graded):
    assert graded.right_after and graded.after_strike == graded.right_after, \
        "RESULTS changed in the seconds after the batch ended"
    assert rows(graded.out, "PRAGMA integrity_check") == [("ok",)]
    assert graded.after_strike["files"][gradebook.GRADES_NAME] == (graded.out / gradebook.GRADES_NAME).read_bytes()


def test_canary_stays_empty(graded):
    assert list(graded.canary.rglob("*")) == []


def test_submissions_are_unchanged(graded):
    assert tree_hashes(graded.submissions) == graded.hashes_before


def test_listener_received_nothing(graded):
    assert (graded.listener.connections, graded.listener.received) == (0, 0)


def test_no_process_outlives_the_batch(graded):
    left = processes_with(graded.tag)
    assert not left, f"processes started by attackers are still alive: {left}"


def test_no_worker_folder_is_left_behind(graded):
    now = {p.name for p in Path(tempfile.gettempdir()).glob("grader-worker-*")}
    assert not now - graded.worker_folders_before
    assert not list(graded.out.rglob("grader-worker-*")) and not (graded.out / ".scratch").exists()


def test_installed_files_are_unchanged(graded):
    assert installed_snapshot(graded.tag) == graded.installed_before


# ---------------------------------------------------------------- where the jail cannot be built

def test_without_namespaces_the_batch_refuses_unless_allowed(tmp_path, jailed):
    class_, out = tmp_path / "class", tmp_path / "out"
    (class_ / "honest").mkdir(parents=True)
    (class_ / "honest" / "exercise_3.py").write_text(SOLUTION)
    env = dict(os.environ, GRADER_NO_NAMESPACES="1")
    command = [GRADE, "batch", str(class_), "--out", str(out), "--exercise", "exercise-3", "-j", "1", *LIMITS]
    refused = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "--allow-unsandboxed" in refused.stderr, refused.stderr
    assert not (out / gradebook.GRADES_NAME).exists()

    allowed = subprocess.run([*command, "--allow-unsandboxed"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=300)
    assert allowed.returncode == 0, allowed.stderr
    assert (out / gradebook.GRADES_NAME).read_text().endswith("honest,10,10,10\n")
    assert "WARNING" in allowed.stdout and "unjailed" in allowed.stdout
    data = json.loads((exports.student_folder(out, "honest") / "results.json").read_text())
    assert data["score"] == 10 and data["extra_data"]["isolation"]["exercise-3"].startswith("unjailed")
    assert rows(out, "SELECT isolation FROM submissions")[0][0].startswith("unjailed")
    assert not (out / ".scratch").exists() and not list(out.rglob("grader-worker-*"))
