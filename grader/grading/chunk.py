"""A piece of student code to run: what a submission (``.py`` or notebook) is read into.

The type is the job's own (``grader.isolation.protocol.Chunk``): what is read is what a worker
runs, with no copy to convert. Its own module so that ``submission`` (which finds and reads a
file) and ``notebook`` (which reads a notebook's cells) both use it without importing each other.
"""

from __future__ import annotations

from grader.isolation.protocol import Chunk

__all__ = ["MAX_SOURCE", "Chunk"]

# Bytes of code a submission may hand in: a .py file, or a notebook's graded and import cells together.
MAX_SOURCE = 1 << 20
