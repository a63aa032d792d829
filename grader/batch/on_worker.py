"""What a batch runs on a Dask worker (``grade batch --cluster``): warm judges, and the task that uses them.

Shape, on each worker::

    dask worker (Dask's process: trusted, runs no student code)
      └── Judges, a Dask worker plugin: ``setup`` when the batch registers it, ``teardown`` when it ends
            └── warm judges (``grader.batch.warm_judges``, shared by batches of the same settings):
                  feeder thread × the worker's threads, each the parent of one judge for its whole life
                  └── judge (python -m grader.batch.judge) ── jailed fork server ── worker per submission

The plugin first vets the worker: its grader, torch, course and jail must be the
ones the instructor's machine grades with (the same ``fingerprint`` a resumed
batch trusts). A worker that passes starts its judges (or finds them warm from the
last batch of the same settings) and only then advertises
the Dask *resource* the batch's tasks ask for, so the scheduler never hands a
student to a worker that was refused. ``grade_student`` is the task: it queues
the student for the next free judge, whose feeder writes the student's files
(sent as bytes: no shared filesystem) under the worker's own folder, grades them
as a local batch does (``grader.batch.pool``, with the batch's salt the task carries) and removes
them. The judge's JSON goes back as text; the instructor's machine reads it as JSON.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import os
from pathlib import Path

from distributed import WorkerPlugin, get_worker

import grader
from grader.batch.fingerprint import fingerprint
from grader.batch.judge import Settings
from grader.batch.warm_judges import JudgesDown, release, warm_judges

PROTOCOL = 2                   # what a task and its result look like; both sides must agree (2: the salt)
COURSE_ENV = "GRADER_COURSE"   # where the course is on a worker, if not at the instructor's path


def identity(course, chosen, device: str, fingerprints: dict[str, str] | None = None) -> dict:
    """What must be equal on the instructor's machine and a worker for grades to be the same
    (``fingerprints``: the exercises' fingerprints, when already computed)."""
    return {"protocol": PROTOCOL, "grader": grader.__version__, "torch": importlib.metadata.version("torch"),
            "fingerprints": fingerprints or {e.id: fingerprint(course, e, device) for e in chosen}}


def differences(mine: dict, theirs: dict) -> list[str]:
    """How the worker's ``mine`` differs from the instructor's ``theirs``, in words."""
    found = []
    if mine["protocol"] != theirs["protocol"]:
        found.append(f"batch protocol {mine['protocol']}, not {theirs['protocol']}")
    if mine["grader"] != theirs["grader"]:
        found.append(f"optim-grader {mine['grader']}, not {theirs['grader']}")
    if mine["torch"] != theirs["torch"]:
        found.append(f"torch {mine['torch']}, not {theirs['torch']}")
    changed = [eid for eid, digest in theirs["fingerprints"].items() if mine["fingerprints"].get(eid) != digest]
    if changed:
        found.append(f"its grader or course differs for {', '.join(changed)} (checks, probes, reference "
                     "solution, limits or grader code)")
    return found


class Judges(WorkerPlugin):
    """One warm judge per thread of this Dask worker, for one batch's course and settings.

    Pickled by Dask from the instructor's machine: it carries only plain data
    (the settings, the identity to match, the resource name); everything else
    is made in ``setup``, on the worker.
    """

    def __init__(self, *, name: str, settings: dict, expected: dict, allow_unsandboxed: bool):
        self.name = name                    # the plugin's name, and the resource the batch's tasks need
        self.settings = settings            # ``Settings`` as a dict, course_root as on the instructor's machine
        self.expected = expected            # ``identity`` on the instructor's machine
        self.allow_unsandboxed = allow_unsandboxed
        self.state, self.why = "starting", ""

    async def setup(self, worker) -> None:
        # Vetting hashes the course and a judge imports torch: seconds of work kept off the worker's
        # event loop, which must keep answering the scheduler's heartbeats.
        await worker.loop.run_in_executor(None, self._start, worker)
        if self.state == "ready":
            await worker.set_resources(**{self.name: self._judges.size})

    def _start(self, worker) -> None:
        refusal = self._vet(worker)
        if refusal:
            self.state, self.why = "refused", refusal
            return
        try:
            self._judges = warm_judges(self._settings, json.dumps(self.expected, sort_keys=True),
                                       max(1, worker.state.nthreads), Path(worker.local_directory))
            self.state = "ready"
        except JudgesDown as exc:
            self.state, self.why = "refused", f"its judges could not start ({exc})"

    def _vet(self, worker) -> str:
        """Why this worker must not grade for this batch, or ''."""
        from grader import course as courses
        from grader.errors import GraderProblem

        root = os.environ.get(COURSE_ENV) or self.settings["course_root"]
        try:
            course = courses.load(Path(root))
        except GraderProblem as exc:
            return (f"no usable course at {root} ({exc}); put the course there, or start the worker with "
                    f"{COURSE_ENV}=/path/to/course")
        raw = dict(self.settings, course_root=str(course.root), hidden=())
        raw["exercises"] = tuple(raw["exercises"])
        self._settings = Settings(**raw)
        course, chosen = self._settings.resolve()
        found = differences(identity(course, chosen, self._settings.device), self.expected)
        if found:
            return "; ".join(found) + ". Install the instructor's grader and course on it."
        if self._settings.device == "cuda" and not _has_cuda():
            return "the batch grades on cuda and this worker has no CUDA GPU"
        if not self.allow_unsandboxed:
            from grader.isolation import doctor

            jail = doctor.available()
            if not jail.ok:
                return f"student code cannot be jailed there ({jail.reason}); run `grade doctor` on it"
        # Nothing of Dask's (other tasks' data, spilled to disk) is ever shown to student code.
        self._settings = dataclasses.replace(self._settings, hidden=(str(Path(worker.local_directory)),))
        return ""

    async def teardown(self, worker) -> None:
        if self.state == "ready":
            self.state, self.why = "closed", "the batch has ended"
            release(self._judges)

    def grade(self, payload: dict) -> dict:
        """One student, graded by the next free judge (called from Dask's task threads)."""
        return self._judges.grade(payload)


def grade_student(name: str, payload: dict) -> str:
    """The task: one student graded by this worker's ``Judges`` plugin ``name``; JSON text."""
    plugin = get_worker().plugins.get(name)
    if not isinstance(plugin, Judges) or plugin.state != "ready":
        # The batch's resource keeps tasks off such a worker; this is the last line of defence.
        raise RuntimeError(f"this worker cannot grade for the batch ({getattr(plugin, 'why', 'not set up')})")
    return json.dumps(plugin.grade(payload))


def report(name: str, dask_worker=None) -> dict:
    """This worker's state for the batch ``name``: ``starting``, ``ready`` or ``refused`` (with why)."""
    plugin = dask_worker.plugins.get(name)
    if plugin is None:
        return {"state": "starting", "why": ""}
    return {"state": plugin.state, "why": plugin.why}


def _has_cuda() -> bool:
    import subprocess
    import sys

    probe = subprocess.run([sys.executable, "-c", "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    return probe.returncode == 0
