"""What a job asks a worker to call: a function named ``module:function``.

The judge names it (``grader.grading.probes``: a probe, which calls the student's
function and records what it did); the fork server imports its module before
forking, since inside the jail a course's folder may not be there to import from;
the worker finds it and calls it with the student's function. This layer knows no
more of it than that: a callable with a ``calls`` attribute (the student function
it takes) that returns plain data.
"""

from __future__ import annotations

import importlib
import sys


def load(modules: tuple[str, ...], root: str | None = None) -> None:
    """Import ``modules`` (with ``root`` on sys.path, if given), and what each lists in
    ``WARM_IMPORTS``: modules torch loads lazily on first use. Imports only: no torch op."""
    if root and root not in sys.path:
        sys.path.insert(0, root)
    for name in modules:
        module = importlib.import_module(name)
        for extra in getattr(module, "WARM_IMPORTS", ()):
            importlib.import_module(extra)


def resolve(key: str):
    """The callable named ``package.module:function``, if it is one a job may name."""
    module_name, _, name = key.partition(":")
    found = getattr(importlib.import_module(module_name), name, None)
    if not callable(found) or not isinstance(getattr(found, "calls", None), str):
        raise LookupError(f"no probe {key!r}")
    return found
