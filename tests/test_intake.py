"""Finding each student's files in a downloaded class: folders, nesting, zips (safely), single files."""

from __future__ import annotations

import stat
import struct
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from grader.batch import intake
from grader.grading import find

SOLUTION = (ROOT / "solutions" / "exercise_3.py").read_text()


@pytest.fixture(scope="module")
def exercises(course):
    return course.exercises


def write(path: Path, text: str = SOLUTION) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def make_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_every_kind_of_entry_gives_a_student_named_after_it(tmp_path, exercises):
    class_ = tmp_path / "class"
    write(class_ / "alice" / "exercise_3.py")
    write(class_ / "bob" / "submission_81723" / "exercise_3.py")  # LMS downloads nest one level
    make_zip(class_ / "carol.zip", {"carol/exercise_3.py": SOLUTION, "carol/exercise_1.py": "x = 1\n"})
    write(class_ / "dave.py")
    write(class_ / "erin.ipynb", "{}")
    write(class_ / ".DS_Store", "junk")
    write(class_ / "notes.txt", "not a submission")
    (class_ / "__MACOSX").mkdir()
    students = intake.open_all(class_, exercises, tmp_path / "scratch")
    assert [s.id for s in students] == ["alice", "bob", "carol", "dave", "erin"]
    by_id = {s.id: s for s in students}
    assert all(s.problem is None for s in students)
    assert by_id["alice"].path_for("exercise-3") == class_ / "alice" / "exercise_3.py"
    assert by_id["alice"].path_for("exercise-1") is None  # not handed in: graded as "not submitted"
    assert by_id["bob"].base == class_ / "bob" / "submission_81723"
    carol = by_id["carol"]
    assert carol.base.is_relative_to(tmp_path / "scratch")
    assert carol.path_for("exercise-3").read_text() == SOLUTION
    assert carol.path_for("exercise-1") is not None
    # A single file is the student's code for every exercise.
    assert {e for e, _ in by_id["dave"].files} == {e.id for e in exercises}
    assert by_id["erin"].path_for("exercise-5") == class_ / "erin.ipynb"


def test_ambiguous_and_duplicate_entries_are_problems_not_crashes(tmp_path, exercises):
    class_ = tmp_path / "class"
    write(class_ / "alice" / "try1" / "exercise_3.py")
    write(class_ / "alice" / "try2" / "exercise_3.py")
    write(class_ / "bob" / "exercise_3.py")
    make_zip(class_ / "bob.zip", {"exercise_3.py": SOLUTION})
    write(class_ / "carol.zip", "this is not a zip file")
    students = {s.id: s for s in intake.open_all(class_, exercises, tmp_path / "scratch")}
    assert "more than one folder" in students["alice"].problem and "try1/" in students["alice"].problem
    assert "more than one entry for bob" in students["bob"].problem
    assert "not a readable zip" in students["carol"].problem


def test_content_hash_follows_the_code_and_nothing_else(tmp_path, exercises):
    one = write(tmp_path / "a" / "alice" / "exercise_3.py").parent
    two = write(tmp_path / "b" / "alice" / "nested" / "exercise_3.py").parent.parent
    scratch = tmp_path / "scratch"
    first = intake.open_entry(one, exercises, scratch / "1").content_hash
    assert intake.open_entry(two, exercises, scratch / "2").content_hash == first  # same files, other nesting
    (one / "notes.txt").write_text("not code")
    assert intake.open_entry(one, exercises, scratch / "3").content_hash == first
    write(one / "helpers.py", "def helper(): pass\n")  # importable by the submission: part of it
    changed = intake.open_entry(one, exercises, scratch / "4").content_hash
    assert changed != first
    (one / "exercise_3.py").write_text(SOLUTION + "\n# one more line\n")
    assert intake.open_entry(one, exercises, scratch / "5").content_hash not in (first, changed)


@pytest.mark.parametrize("member", ["../escaped.py", "../../escaped.py", "/tmp/escaped.py",
                                    "alice/../../escaped.py", "..\\escaped.py"])
def test_zip_slip_is_refused_and_nothing_is_written(tmp_path, member):
    archive = make_zip(tmp_path / "alice.zip", {"alice/exercise_3.py": SOLUTION, member: "print('owned')"})
    dest = tmp_path / "scratch" / "alice"
    with pytest.raises(find.UnsafeZip, match="zip slip"):
        find.unpack(archive, dest)
    assert not dest.exists()
    assert not list(tmp_path.rglob("escaped.py"))
    assert not Path("/tmp/escaped.py").exists()


def test_zip_slip_entry_becomes_the_students_problem(tmp_path, exercises):
    class_ = tmp_path / "class"
    make_zip(class_ / "mallory.zip", {"exercise_3.py": SOLUTION, "../../outside.py": "x = 1"})
    (student,) = intake.open_all(class_, exercises, tmp_path / "scratch")
    assert student.problem.startswith("mallory.zip: member '../../outside.py' would land outside")
    assert student.files == ()
    assert not list(tmp_path.rglob("outside.py"))


def test_zip_bomb_is_refused_by_its_declared_size(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", {"exercise_3.py": SOLUTION, "data.bin": b"\0" * (3 << 20)})
    assert archive.stat().st_size < 50_000  # 3 MB of zeros squeeze into a few KB
    with pytest.raises(find.UnsafeZip, match="zip bomb"):
        find.unpack(archive, tmp_path / "out", max_bytes=1 << 20)
    assert not (tmp_path / "out").exists()


def test_zip_bomb_with_lying_headers_is_stopped_while_unpacking(tmp_path):
    archive = make_zip(tmp_path / "liar.zip", {"data.bin": b"\0" * (3 << 20)})
    data = bytearray(archive.read_bytes())
    # Claim 10 bytes in both the local header and the central directory.
    local = data.index(b"PK\x03\x04")
    data[local + 22:local + 26] = struct.pack("<I", 10)
    central = data.index(b"PK\x01\x02")
    data[central + 24:central + 28] = struct.pack("<I", 10)
    archive.write_bytes(bytes(data))
    with pytest.raises(find.UnsafeZip):
        find.unpack(archive, tmp_path / "out", max_bytes=1 << 20)
    assert not (tmp_path / "out").exists()


def test_links_in_a_zip_are_ignored(tmp_path):
    archive = tmp_path / "links.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("exercise_3.py", SOLUTION)
        link = zipfile.ZipInfo("secrets.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    dest = tmp_path / "out"
    find.unpack(archive, dest)
    assert (dest / "exercise_3.py").read_text() == SOLUTION
    assert not (dest / "secrets.py").exists() and not (dest / "secrets.py").is_symlink()


def test_too_many_members_is_refused(tmp_path):
    archive = make_zip(tmp_path / "many.zip", {f"f{i}.py": "" for i in range(30)})
    with pytest.raises(find.UnsafeZip, match="holds 30 files"):
        find.unpack(archive, tmp_path / "out", max_members=20)


def test_the_batchs_own_output_folder_is_not_a_student(tmp_path, exercises):
    class_ = tmp_path / "class"
    write(class_ / "alice" / "exercise_3.py")
    (class_ / "results" / "alice").mkdir(parents=True)  # grade batch class --out class/results
    students = intake.open_all(class_, exercises, tmp_path / "scratch", skip=(class_ / "results",))
    assert [s.id for s in students] == ["alice"]
