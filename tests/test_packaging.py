"""What a wheel of this repository holds: the grader, its data and checks, and never the solutions."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_has_the_grader_and_no_solutions(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "grader/cli/__init__.py" in names and "grader/lesson/data/fakedata.grdr" in names
    assert "grader/lesson/exercise_3/checks.py" in names and "grader/lesson/exercise_3/probes.py" in names
    assert not [n for n in names if n.startswith(("solutions/", "exercises/", "tests/"))]
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "grade = grader.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_stored_fakedata_is_what_torchvision_makes():
    """grader/lesson/data/fakedata.grdr is torchvision FakeData with the fixed seed, byte for byte."""
    import torch

    from grader.lesson import fakedata

    fresh = fakedata.generate()
    stored = fakedata.load()
    assert torch.equal(fresh["images"], stored["images"]) and torch.equal(fresh["labels"], stored["labels"])
