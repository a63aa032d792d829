"""Grading a class on a Dask cluster: ``grade batch SUBMISSIONS --out RESULTS --cluster tcp://HOST:8786``.

Shape::

    instructor's machine: main (intake, gradebook, students' files: the single writer, as in a local batch)
      │  one task per student, carrying their files as bytes (no shared filesystem)
      ▼
    dask scheduler ──► dask worker × N, each with the batch's ``Judges`` plugin (``grader.batch.on_worker``):
                       one warm judge per thread ── jailed fork server ── worker per submission

Dask does the distributing. The plugin keeps each worker's judges warm across
students; a Dask resource named after the batch keeps tasks off workers that
were refused (another grader, torch or course); a task whose worker dies,
``kill -9`` included, is run again on another worker by Dask's scheduler. What
comes back is the judge's JSON as text, read by ``Records`` as in a local batch.
Students are sent a few at a time (``IN_FLIGHT`` per judge), so a class of
20,000 never sits in the scheduler's memory at once. Dask is imported only here
and in ``on_worker``: a local batch never loads it.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from grader.errors import GraderProblem, UsageProblem
from grader.grading.submission import read_capped
from grader.isolation.jail import OWN_BYTES, OWN_FILES

IN_FLIGHT = 2              # students sent per judge ready on the cluster: one graded, one waiting
WORKER_WAIT = 120.0        # seconds with no worker able to grade before the batch gives up
POLL = 1.0                 # seconds between looks at the cluster while waiting for results


class ClusterProblem(GraderProblem):
    """The cluster cannot grade this batch: unreachable, or no worker can grade it."""


@dataclasses.dataclass
class Cluster:
    """One batch's view of the cluster: which workers grade, which were refused and why."""

    address: str
    name: str                                            # the plugin's name and the tasks' resource
    ready: dict[str, int] = dataclasses.field(default_factory=dict)     # worker → judges
    refused: dict[str, str] = dataclasses.field(default_factory=dict)   # worker → why
    notice: Callable[[str], None] | None = None

    @property
    def judges(self) -> int:
        return sum(self.ready.values())

    def look(self, client) -> None:
        """Learn which workers can grade (their resource is up) and ask new others why not."""
        workers = client.scheduler_info(n_workers=-1)["workers"]
        self.ready = {a: int(w.get("resources", {}).get(self.name, 0)) for a, w in workers.items()
                      if w.get("resources", {}).get(self.name)}
        unknown = [a for a in workers if a not in self.ready and a not in self.refused]
        if not unknown:
            return
        from grader.batch import on_worker

        for address, state in client.run(on_worker.report, self.name, workers=unknown, on_error="return").items():
            if isinstance(state, dict) and state.get("state") == "refused":
                self.refused[address] = state["why"]
                if self.notice:
                    self.notice(f"worker {address} refused: {state['why']}")

    def summary(self) -> list[str]:
        lines = [f"Cluster {self.address}: {len(self.ready)} workers grading at the end, {self.judges} judges."]
        for address, why in sorted(self.refused.items()):
            lines.append(f"  refused {address}: {why}")
        return lines


def connect(address: str):
    """A Dask client of the scheduler at ``address``; a one-line error if Dask or the scheduler is missing."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageProblem("needs Dask's distributed package: pip install 'optim-grader[cluster]'",
                           "--cluster") from None
    try:
        return Client(address)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ClusterProblem(f"cannot reach the Dask scheduler at {address} ({reason}). Is `dask scheduler` "
                             "running there, and can this machine reach its port?") from None


def grade(plan, runnable, done: Callable, graded: Callable | None, fingerprints: dict[str, str],
          salt: str | None = None) -> tuple[int, Cluster]:
    """Grade ``runnable`` [(student, exercises)] on ``plan.cluster``, calling ``done(job, reply, why)`` for
    each student as their result comes (``pool.Pool.grade``'s contract), then ``graded(student id)``.
    ``fingerprints``: the chosen exercises', as this run computed them (the workers must match them);
    ``salt``: the batch's, sent in each student's task (never in the plugin, never as a file)."""
    from distributed import wait
    from distributed.client import FIRST_COMPLETED

    from grader.batch import on_worker

    client = connect(plan.cluster)
    expected = on_worker.identity(plan.course, plan.chosen, plan.settings.device, fingerprints)
    settings = dict(dataclasses.asdict(plan.settings), hidden=())
    # The same RESULTS, course, settings and grader give the same name, so a rerun replaces what a
    # killed run left on the workers; batches into other RESULTS folders share the cluster beside it.
    name = "optim-grader-" + hashlib.sha256(json.dumps([str(plan.out), settings, expected], sort_keys=True)
                                            .encode()).hexdigest()[:16]
    cluster = Cluster(plan.cluster, name, notice=plan.notice)
    count = 0
    pending = collections.deque(runnable)
    running: dict = {}  # future -> its job
    try:
        # Runs the plugin's setup (vetting, judges) on every worker now, and on each that joins later.
        client.register_plugin(on_worker.Judges(name=name, settings=settings, expected=expected,
                                                allow_unsandboxed=plan.allow_unsandboxed), name=name)
        idle_since = time.monotonic()
        while pending or running:
            if client.status != "running":
                raise ClusterProblem(_lost_scheduler(cluster, count))
            cluster.look(client)
            if cluster.ready:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > WORKER_WAIT:
                raise ClusterProblem(_no_worker(cluster, count))
            while pending and len(running) < IN_FLIGHT * cluster.judges:
                job = pending.popleft()
                student, wanted = job
                future = client.submit(on_worker.grade_student, name, pack(student, wanted, salt=salt),
                                       resources={name: 1}, key=f"grade-{student.id}-{os.urandom(4).hex()}", pure=False)
                running[future] = job
            if not running:
                time.sleep(POLL)
                continue
            try:
                finished = wait(list(running), timeout=POLL, return_when=FIRST_COMPLETED).done
            except TimeoutError:
                continue
            for future in finished:
                job = running.pop(future)
                if future.status == "cancelled":  # by the scheduler, not by a result: send it again
                    if client.status != "running":
                        raise ClusterProblem(_lost_scheduler(cluster, count))
                    pending.appendleft(job)
                    continue
                done(job, *_answer(future))
                future.release()
                count += 1
                if graded is not None:
                    graded(job[0].id, len(cluster.ready), "workers")
    finally:
        for future in running:
            future.cancel()
        try:
            client.unregister_worker_plugin(name)  # the judges stay warm a while for a rerun, then stop
        except Exception:  # noqa: BLE001 - the scheduler may be gone; its workers then stop the judges
            pass
        client.close()
    return count, cluster


def _answer(future) -> tuple[dict | None, str | None]:
    """(reply, why lost) from a finished task."""
    if future.status != "finished":
        exc = future.exception()
        return None, f"its Dask task failed: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    try:
        answer = json.loads(future.result())
        return answer.get("reply"), answer.get("lost")
    except (ValueError, AttributeError) as exc:
        return None, f"the worker sent back something unreadable ({exc})"


def _lost_scheduler(cluster: Cluster, count: int) -> str:
    return (f"lost the Dask scheduler at {cluster.address}; the {count} students graded in this run are kept "
            "(each one whole). Run the same command again, once the scheduler is back, to grade the rest.")


def _no_worker(cluster: Cluster, count: int) -> str:
    kept = f"{count} students graded in this run are kept; run the same command again to grade the rest."
    if cluster.refused:
        why = "; ".join(f"{a}: {w}" for a, w in sorted(cluster.refused.items()))
        return f"no worker of {cluster.address} can grade this batch ({why}). {kept}"
    return (f"no Dask worker of {cluster.address} has been able to grade for {WORKER_WAIT:.0f} s; start some "
            f"with `dask worker {cluster.address}`. {kept}")


def pack(student, wanted, salt: str | None = None) -> dict:
    """One student's task: their files as bytes, laid out as below their base folder here, and the
    batch's ``salt`` (the judge mixes every check's seeds with it; no worker is told it).

    What is sent is what a jailed worker would be shown of them anyway: a
    single-file entry alone; otherwise the base folder's files, not following
    links, hidden files and ``__pycache__`` left out, within the jail's budget.
    """
    base = student.base
    single = base is not None and (base / student.entry).is_file()
    exercises, paths = [], []
    for exercise in wanted:
        path = student.path_for(exercise.id)
        exercises.append({"id": exercise.id, "path": None if path is None else
                          (student.entry if single else path.relative_to(base).as_posix())})
        paths += [] if path is None else [path]
    files: dict[str, bytes] = {}
    for path in paths:  # the exercise files first: they are sent whatever the budget, up to their cap
        files.setdefault(student.entry if single else path.relative_to(base).as_posix(), read_capped(path))
    if base is not None and not single:
        budget = OWN_BYTES - sum(map(len, files.values()))
        for folder, dirs, names in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            for fname in sorted(names):
                path = Path(folder, fname)
                name = path.relative_to(base).as_posix()
                if name in files or fname.startswith(".") or path.is_symlink() or not path.is_file():
                    continue
                size = path.stat().st_size
                if size > budget or len(files) >= OWN_FILES:
                    continue
                budget -= size
                files[name] = path.read_bytes()
    return {"student": student.id, "single": single, "files": files, "exercises": exercises, "salt": salt}
