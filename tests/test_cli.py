"""The grade command as students and scripts use it, through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import ROOT
from grader.cli import cli

SOLUTION = ROOT / "solutions" / "exercise_3.py"


@pytest.fixture
def run(monkeypatch):
    monkeypatch.chdir(ROOT / "exercises")  # "from anywhere inside the course"
    monkeypatch.delenv("NO_COLOR", raising=False)

    def invoke(*args, **kw):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kw)

    return invoke


def test_list_shows_every_exercise_with_points(run, course):
    result = run("list")
    assert result.exit_code == 0
    for exercise in course.exercises:  # from course.toml: adding an exercise needs no edit here
        assert exercise.id in result.output and exercise.title in result.output
    assert f"{course.max_points:g} points" in result.output


def test_unknown_exercise_is_a_usage_error_naming_the_known_ones(run):
    result = run("exercise-9")
    assert result.exit_code == 2
    assert "exercise-9 is not in course.toml; known: exercise-1, exercise-2" in result.output


def test_correct_submission_exits_0_with_full_score(run):
    result = run("exercise-3", "--submission", str(SOLUTION))
    assert result.exit_code == 0, result.output
    assert "Score: 10/10" in result.output and "✗" not in result.output


def test_stub_exits_1_with_feedback_under_each_check(run):
    result = run("exercise-3")
    assert result.exit_code == 1
    # Said once per function (exercise-3 has two), under the first check that calls it; the other
    # checks point back to it.
    assert result.output.count("not implemented yet") == 2
    assert result.output.count("Same problem as in “") == result.output.count("✗") - 2
    assert "Score: 0/10" in result.output


def test_public_runs_no_hidden_check(run):
    result = run("exercise-3", "--public", "--submission", str(SOLUTION), "--json")
    data = json.loads(result.output)
    assert data["max_score"] == 8 and all(t["visibility"] == "visible" for t in data["tests"])


def test_json_is_gradescope_shaped_and_alone_on_stdout(run, tmp_path):
    wrong = tmp_path / "exercise_3.py"
    wrong.write_text(SOLUTION.read_text().replace("p -= lr * p.grad", "p += lr * p.grad"))
    result = run("exercise-3", "--submission", str(tmp_path), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)  # nothing but the JSON object
    assert set(data) == {"score", "max_score", "tests", "extra_data"}
    assert data["extra_data"]["isolation"] == "jail"
    assert data["max_score"] == 10 and 0 < data["score"] < 10
    for test in data["tests"]:
        assert {"name", "score", "max_score", "status", "output"} <= set(test)
        assert test["status"] in ("passed", "failed")
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    assert any("gradient ascent" in t["output"] for t in failed)


def test_no_colour_off_a_terminal_and_with_no_color(run, monkeypatch):
    plain = run("exercise-3", "--submission", str(SOLUTION))
    assert "\x1b[" not in plain.output
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    from grader.grading import report

    assert report.use_colour(True) is False
    monkeypatch.delenv("NO_COLOR")
    assert report.use_colour(True) is True


def test_submission_folder_without_the_exercise_is_a_usage_error(run, tmp_path):
    result = run("exercise-3", "--submission", str(tmp_path))
    assert result.exit_code == 2 and "no exercise_3.py or exercise_3.ipynb" in result.output


def test_cuda_without_a_gpu_is_a_usage_error(run):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    result = run("exercise-3", "--device", "cuda")
    assert result.exit_code == 2 and "no CUDA GPU" in result.output


def test_outside_a_course_says_where_to_run(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["exercise-3"])
    assert result.exit_code == 2 and "no course.toml" in result.output  # a usage problem


def test_a_mistyped_exercise_gets_the_closest_one_suggested(run):
    result = run("exercise-33")
    assert result.exit_code == 2 and "did you mean exercise-3?" in result.output
    assert "known: exercise-1" in result.output


def test_the_domain_raises_its_own_errors_and_only_the_cli_knows_click():
    for module in ROOT.joinpath("grader").rglob("*.py"):
        if module.relative_to(ROOT / "grader").parts[0] != "cli":
            text = module.read_text()
            assert "click.ClickException" not in text and "click.UsageError" not in text, module.name
            assert "click.BadParameter" not in text, module.name


def test_help_explains_usage(run):
    result = run("--help")
    assert result.exit_code == 0 and "grade exercise-3" in result.output
    check = run("check", "--help")
    assert "--submission" in check.output and "--public" in check.output and "--json" in check.output
