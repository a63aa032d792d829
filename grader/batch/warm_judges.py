"""A Dask worker's judges, kept warm between batches (``grader.batch.on_worker`` uses them).

One judge per thread of the worker, for one course and settings, each started and fed by a feeder
thread of its own. Batches with the same settings share them, and they stay warm ``IDLE_LIMIT``
seconds after the last one ends, so a rerun (a resumed batch, the next exercise) pays no torch
import. Nothing here imports Dask.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import os
import queue
import shutil
import threading
from pathlib import Path, PurePosixPath

from grader.batch.intake import Student
from grader.batch.judge import Settings

IDLE_LIMIT = 120.0  # seconds a worker's judges stay warm after their last batch ends, for the next one
_lock = threading.Lock()
_warm: dict[tuple, WarmJudges] = {}  # by (settings, what the course's files hash to)


class JudgesDown(Exception):
    """A worker's judges could not start."""


class WarmJudges:
    """One judge per thread of the Dask worker, for one course and settings, each kept by a thread.

    The judge is its feeder thread's child for all its life: Linux kills a judge when the *thread*
    that started it ends (so a dead Dask worker leaves no judge behind), and Dask's task threads may
    come and go. Batches with the same settings share them: a rerun finds them warm.
    """

    def __init__(self, key: tuple, settings: Settings, size: int, scratch: Path):
        self.key, self.settings, self.size, self.scratch = key, settings, size, scratch
        self.jobs: queue.Queue = queue.Queue()
        self.users = 0
        self.retiring: threading.Timer | None = None
        self.count = itertools.count()
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        started: queue.Queue = queue.Queue()
        self.feeders = [threading.Thread(target=self._feed, args=(n, started), daemon=True,
                                         name=f"optim-grader-judge-{n}") for n in range(size)]
        for feeder in self.feeders:
            feeder.start()
        failures = [why for why in (started.get() for _ in self.feeders) if why]
        if failures:
            self.close()
            raise JudgesDown(failures[0])

    def _feed(self, n: int, started: queue.Queue) -> None:
        from grader.batch.pool import Pool

        try:
            scratch = self.scratch / f"judge-{n}"
            scratch.mkdir()
            course, chosen = self.settings.resolve()
            by_id = {e.id: e for e in chosen}
            pool = Pool(settings=self.settings, course=course, chosen=chosen, size=1, fork_judges=False,
                        scratch=scratch)
        except Exception as exc:  # noqa: BLE001 - told to the instructor as this worker's refusal
            started.put(f"{type(exc).__name__}: {exc}")
            return
        try:
            pool.ready()  # it has imported torch and forked its jailed fork server
            started.put("")
            while (item := self.jobs.get()) is not None:
                payload, answer = item
                try:
                    answer.set_result(self._grade(pool, by_id, payload))
                except Exception as exc:  # noqa: BLE001 - the task's failure, reported by Dask
                    answer.set_exception(exc)
        except Exception as exc:  # noqa: BLE001
            started.put(f"{type(exc).__name__}: {exc}")
        finally:
            pool.close()

    def grade(self, payload: dict) -> dict:
        answer: concurrent.futures.Future = concurrent.futures.Future()
        self.jobs.put((payload, answer))
        return answer.result()

    def _grade(self, pool, by_id: dict, payload: dict) -> dict:
        """Write the student's files, grade them on ``pool``'s judge, remove them: the judge's reply
        ({"reply": …}) or why it was lost ({"lost": …})."""
        folder = self.scratch / "students" / str(next(self.count))
        folder.mkdir(parents=True)
        try:
            student = write_student(payload, folder)
            wanted = [by_id[item["id"]] for item in payload["exercises"]]
            answer: dict = {}
            pool.grade([(student, wanted)], lambda job, reply, why: answer.update(reply=reply, lost=why),
                       salt=payload.get("salt"))
            return answer
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        for _ in self.feeders:
            self.jobs.put(None)
        for feeder in self.feeders:
            feeder.join(timeout=60)
        shutil.rmtree(self.scratch, ignore_errors=True)


def warm_judges(settings: Settings, version: str, size: int, folder: Path) -> WarmJudges:
    """This worker's judges for ``settings``: the warm ones of an earlier batch, or new ones.
    ``version``: what the course's files and the grader hash to now; judges warm from other files
    (the checks were edited since) are not reused."""
    key = (settings, version)
    with _lock:
        judges = _warm.get(key)
        if judges is not None and judges.size == size and all(k.is_alive() for k in judges.feeders):
            judges.users += 1
            if judges.retiring is not None:
                judges.retiring.cancel()
                judges.retiring = None
            return judges
        if judges is not None:
            del _warm[key]
            threading.Thread(target=judges.close, daemon=True).start()
        judges = WarmJudges(key, settings, size, folder / f"optim-grader-{os.getpid()}-{next(_made)}")
        judges.users = 1
        _warm[key] = judges
        return judges


_made = itertools.count()


def release(judges: WarmJudges) -> None:
    """A batch is done with ``judges``: they stay warm ``IDLE_LIMIT`` seconds for the next, then stop."""
    def retire() -> None:
        with _lock:
            if judges.users or _warm.get(judges.key) is not judges:
                return
            del _warm[judges.key]
        judges.close()

    with _lock:
        judges.users -= 1
        if judges.users == 0:
            judges.retiring = threading.Timer(IDLE_LIMIT, retire)
            judges.retiring.daemon = True
            judges.retiring.start()


def write_student(payload: dict, folder: Path) -> Student:
    """The student's files under ``folder``, laid out as on the instructor's machine below their base."""
    for name, data in payload["files"].items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise ValueError(f"a file path that leaves the student's folder: {name!r}")
        path = folder.joinpath(*relative.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    files = tuple((item["id"], str(folder.joinpath(*PurePosixPath(item["path"]).parts)))
                  for item in payload["exercises"] if item["path"] is not None)
    # A single-file entry is that file alone (``pool`` shows the worker only it); a folder, all of it.
    entry = next(iter(payload["files"])) if payload["single"] else ""
    return Student(id=payload["student"], entry=entry, base=folder, files=files, content_hash="")
