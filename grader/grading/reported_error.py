"""What a worker reported of an error in the student's code, as a type: ``StudentError``.

The worker describes an exception as plain data (``grader.isolation.worker.describe_error``); the
judge trusts none of it, so ``StudentError.reported`` bounds every field again here. ``Feedback``
keeps the error it reports (``grader.grading.feedback``), so that a check reads the error, never
the sentence written about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from grader.grading import untrusted
from grader.isolation.protocol import ErrorKind


@dataclass(frozen=True)
class StudentError:
    """An error the worker reported from the student's code, each text bounded where it is trusted."""

    kind: ErrorKind
    """What stopped the code, as the worker claims it (a word that is no kind: the student's exception)."""
    type: str | None
    """The exception's type name (``RuntimeError``); None if a reply sent none."""
    message: str
    """The exception's message, in the words of the code that raised it (PyTorch's, the student's)."""
    traceback: str
    """The student's frames, formatted (for a syntax error, the line and its caret)."""
    in_student_code: bool
    """Whether the traceback holds a frame of the student's files."""
    found: str = ""
    """For a missing function: the type of what the name holds instead, if anything."""
    module: str = ""
    """For an import the grader cannot satisfy: the module's name."""

    @classmethod
    def reported(cls, error: Mapping) -> StudentError:
        """The worker's description of an error, each text field cut to ``ERROR_LIMITS`` (saying so) and
        writable as UTF-8: a forged reply skips the worker's truncation, and an exception's type name,
        a non-function's type name are as long as the student makes them."""
        bounded = dict(error)
        for key, limit in ERROR_LIMITS.items():
            value = bounded.get(key)
            if value is not None:  # a forged reply may send a list or a number where text belongs
                value = value if isinstance(value, str) else str(value)[:limit + 1]
                bounded[key] = untrusted.cap_line(value, limit) if limit <= 200 else untrusted.cap(value, limit)
        return cls(kind=ErrorKind.claimed(bounded.get("kind")), type=bounded.get("type"),
                   message=str(bounded.get("message", "")), traceback=bounded.get("traceback") or "",
                   in_student_code=bounded.get("in_student_code") is True, found=bounded.get("found") or "",
                   module=bounded.get("module") or "")

    @property
    def raised(self) -> bool:
        """The function, called, raised an exception: not a stub's NotImplementedError, a refused
        allocation, an exit, a missing function, nor a file that could not be loaded."""
        return self.kind == ErrorKind.UNSENDABLE or (self.kind == ErrorKind.EXCEPTION and not self.module)


# What a worker may say about an error, field by field, in characters: its own limits
# (``grader.isolation.worker.describe_error``), enforced again here, where they are trusted.
ERROR_LIMITS = {"kind": 40, "type": 200, "message": 4000, "traceback": 8000, "found": 200, "module": 200}
