"""Bad input of every kind: one line on stderr naming the problem, exit 2, no traceback, nothing changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli, state_counts
from tests.factories import bundled_config_data, write_config


def _assert_one_line_error(err: str, *expected: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("scrutiny: error: "), err
    assert "Traceback" not in err
    for text in expected:
        assert text in lines[0], err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["plan", "--as-of", "2026-13-01"], "--as-of '2026-13-01' is not a date"),
        (["responses", "due", "--as-of", "tomorrow"], "--as-of 'tomorrow' is not a date"),
        (["timetable", "--meeting", "1999-01-01"], "meeting '1999-01-01' not found"),
        (["pack", "no-such-meeting"], "meeting 'no-such-meeting' not found"),
        (["letters", "--meeting", "nope"], "meeting 'nope' not found"),
        (["letters", "--reissue", "R99-1-nobody"], "request 'R99-1-nobody' not found"),
        (["responses", "record", "R99-1-nobody", "x.docx"], "request 'R99-1-nobody' not found"),
        (["responses", "due", "--meeting", "nope"], "meeting 'nope' not found"),
        (["plan", "pin", "R99", "2027-01-25"], "commitment 'R99' not found"),
        (["plan", "pin", "R15", "2031-01-01"], "meeting '2031-01-01' not found"),
        (["meetings", "import", "missing.ics"], "missing.ics"),
    ],
)
def test_bad_arguments(sqlite_home: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str) -> None:
    run_cli(capsys, "init")
    before = state_counts(sqlite_home)
    result = run_cli(capsys, *args)
    assert result.code == 2
    _assert_one_line_error(result.err, expected)
    assert state_counts(sqlite_home) == before


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli(capsys, "frobnicate")
    assert caught.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "invalid choice: 'frobnicate'" in err[0]


def test_bad_configuration_changes_nothing(sqlite_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = bundled_config_data()
    data["committee"]["chair"] = "Cllr Nobody"
    bad = write_config(sqlite_home.parent / "bad.yaml", data)
    result = run_cli(capsys, "init", "--config", str(bad))
    assert result.code == 2
    _assert_one_line_error(result.err, "bad.yaml", "committee.chair 'Cllr Nobody' is not one of the members")
    assert not (sqlite_home / "state").exists()

    assert run_cli(capsys, "init").code == 0
    installed_before = state_counts(sqlite_home)
    result = run_cli(capsys, "init", "--config", str(bad))
    assert result.code == 2
    assert state_counts(sqlite_home) == installed_before
    assert not (sqlite_home / "state" / "committee.yaml").exists()


def test_a_good_configuration_is_installed(sqlite_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = bundled_config_data()
    data["committee"]["max_substantive_items"] = 2
    data["meetings"].append({"date": "2027-05-24"})
    good = write_config(sqlite_home.parent / "committee.yaml", data)
    result = run_cli(capsys, "init", "--config", str(good))
    assert result.code == 0, result.err
    assert "11 meetings added" in result.out
    assert (sqlite_home / "state" / "committee.yaml").read_bytes() == good.read_bytes()
    assert "2027-05-24" in run_cli(capsys, "meetings", "list").out


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SCRUTINY_CONFIG", "/nonexistent/committee.yaml", "configuration file not found"),
        ("SCRUTINY_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot connect"),
        ("SCRUTINY_DATABASE_URL", "not a url", "database URL"),
        ("SCRUTINY_SMTP_PORT", "twenty-five", "SCRUTINY_SMTP_PORT"),
    ],
)
def test_bad_environment(
    sqlite_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    expected: str,
) -> None:
    monkeypatch.setenv(variable, value)
    result = run_cli(capsys, "timetable")
    assert result.code == 2
    _assert_one_line_error(result.err, expected)


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"just some notes", "notes.txt", "the response must be a Word document (.docx)"),
        (b"PK\x03\x04 not really a zip", "broken.docx", "not a readable Word document"),
        (b"", "empty.docx", "the file is empty"),
    ],
)
def test_bad_response_documents(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], content: bytes, name: str, expected: str
) -> None:
    from scrutiny.errors import ScrutinyError
    from scrutiny.services.responses import validate_response_document

    path = sqlite_home.parent / name
    path.write_bytes(content)
    with pytest.raises(ScrutinyError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        validate_response_document(path)


def test_no_traceback_reaches_the_terminal(tmp_path: Path) -> None:
    """The real console script, in a fresh process, with a broken database URL and a bad date."""
    env = {**os.environ, "SCRUTINY_HOME": str(tmp_path), "SCRUTINY_DATABASE_URL": "sqlite:////proc/forbidden/x.db"}
    for args in (["timetable"], ["plan", "--as-of", "31/12/2026"], ["meetings", "import", "/dev/null"]):
        done = subprocess.run(
            [sys.executable, "-m", "scrutiny", *args], capture_output=True, text=True, env=env, timeout=120, check=False
        )
        assert done.returncode == 2, done.stderr
        _assert_one_line_error(done.stderr)
