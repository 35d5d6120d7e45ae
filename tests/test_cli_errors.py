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
        (["timetable", "--meeting", "lih-1999-01-01"], "meeting 'lih-1999-01-01' not found"),
        (["timetable", "--meeting", "2027-01-25"], "meeting '2027-01-25' not found"),  # IDs carry the prefix
        (["pack", "no-such-meeting"], "meeting 'no-such-meeting' not found"),
        (["letters", "--meeting", "nope"], "meeting 'nope' not found"),
        (["letters", "--reissue", "lih-R99-1-nobody"], "'lih-R99-1-nobody' is neither a letter nor a request"),
        (["letters", "preview", "lih-2027-01-25-nobody"], "'lih-2027-01-25-nobody' is neither a letter nor a"),
        (["responses", "record", "lih-R99-1-nobody", "x.docx"], "request 'lih-R99-1-nobody' not found"),
        (["responses", "history", "lih-R99-1-nobody"], "request 'lih-R99-1-nobody' not found"),
        (["responses", "withdraw", "lih-R99-1-nobody"], "request 'lih-R99-1-nobody' not found"),
        (["responses", "due", "--meeting", "nope"], "meeting 'nope' not found"),
        (["responses", "due", "--committee", "nope"], "committee 'nope' not found (known: living-in-hackney)"),
        (["plan", "--committee", "nope"], "committee 'nope' not found"),
        (["plan", "pin", "R99", "lih-2027-01-25"], "commitment 'R99' not found in living-in-hackney"),
        (["plan", "pin", "R15", "lih-2031-01-01"], "meeting 'lih-2031-01-01' not found"),
        (["committees", "remove", "nope"], "committee 'nope' not found"),
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
    installed = sqlite_home / "committees" / "living-in-hackney" / "committee.yaml"
    installed_file = installed.read_bytes()
    installed_before = state_counts(sqlite_home)
    result = run_cli(capsys, "init", "--config", str(bad))
    assert result.code == 2
    assert state_counts(sqlite_home) == installed_before
    assert installed.read_bytes() == installed_file
    assert [p.name for p in (sqlite_home / "committees").iterdir()] == ["living-in-hackney"]


def test_a_good_configuration_is_installed(sqlite_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = bundled_config_data()
    data["committee"]["max_substantive_items"] = 2
    data["meetings"].append({"date": "2027-05-24"})
    good = write_config(sqlite_home.parent / "committee.yaml", data)
    result = run_cli(capsys, "init", "--config", str(good))
    assert result.code == 0, result.err
    assert "Committee living-in-hackney added (IDs start lih-)" in result.out
    assert "11 meetings added" in result.out and "Other committees: 0." in result.out
    assert (sqlite_home / "committees" / "living-in-hackney" / "committee.yaml").read_bytes() == good.read_bytes()
    assert "lih-2027-05-24" in run_cli(capsys, "meetings", "list").out

    # The same file again updates the committee in place: nothing added twice.
    again = run_cli(capsys, "init", "--config", str(good))
    assert again.code == 0 and "Committee living-in-hackney updated" in again.out and "0 meetings added" in again.out
    assert len(run_cli(capsys, "meetings", "list", "--json").json()) == 11


def _second_committee(folder: Path, **committee: str) -> Path:
    """Another commission of the same council, meeting on the same evenings."""
    data = bundled_config_data()
    data["committee"].update(
        {"id": "health-in-hackney", "prefix": "hih", "name": "Health in Hackney Scrutiny Commission"} | committee
    )
    data["committee"]["short_name"] = "HiH"
    data["committee"]["calendar_match"] = ["Health in Hackney"]
    return write_config(folder / f"{data['committee']['id']}.yaml", data)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda folder: folder / "nonexistent" / "committee.yaml", "configuration file not found"),
        (lambda folder: folder, "is a folder, not a configuration file"),
        (lambda folder: _second_committee(folder, prefix="lih"), "prefix 'lih' is already used by committee"),
        (lambda folder: _second_committee(folder, id="living-in-hackney", prefix="liv"), "keep the prefix"),
        (
            lambda folder: write_config(folder / "bad.yaml", {**bundled_config_data(), "members": []}),
            "members: List should have at least 1 item",
        ),
    ],
    ids=["missing", "a-folder", "prefix-taken", "prefix-changed", "invalid"],
)
def test_a_bad_init_config_file_is_one_line_and_changes_nothing(
    sqlite_home: Path,
    capsys: pytest.CaptureFixture[str],
    make,
    expected: str,  # type: ignore[no-untyped-def]
) -> None:
    assert run_cli(capsys, "init").code == 0
    before = state_counts(sqlite_home)
    path = make(sqlite_home.parent)
    result = run_cli(capsys, "init", "--config", str(path))
    assert result.code == 2, result.out
    _assert_one_line_error(result.err, expected)
    assert state_counts(sqlite_home) == before
    assert [p.name for p in (sqlite_home / "committees").iterdir()] == ["living-in-hackney"]
    listed = run_cli(capsys, "committees", "list", "--json").json()
    assert [(c["committee_id"], c["prefix"]) for c in listed] == [("living-in-hackney", "lih")]
    assert run_cli(capsys, "timetable").code == 0  # the home still works


def test_with_two_committees_a_command_for_one_must_say_which(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "init").code == 0
    added = run_cli(capsys, "init", "--config", str(_second_committee(sqlite_home.parent)))
    assert added.code == 0 and "Committee health-in-hackney added (IDs start hih-)" in added.out, added.err
    assert "Other committees: 1." in added.out
    listed = {c["committee_id"]: c for c in run_cli(capsys, "committees", "list", "--json").json()}
    assert {k: (c["prefix"], c["meetings"], c["letters"]) for k, c in listed.items()} == {
        "health-in-hackney": ("hih", 10, 0),
        "living-in-hackney": ("lih", 10, 0),
    }
    before = state_counts(sqlite_home)
    for args in (["plan"], ["remind"], ["letters"], ["calendar", "export", "x.ics"], ["plan", "pin", "R15", "x"]):
        result = run_cli(capsys, *args)
        assert result.code == 2, args
        _assert_one_line_error(
            result.err, "this home has 2 committees: say which with --committee (health-in-hackney, living-in-hackney)"
        )
    # An ID says its committee; a --committee that disagrees is refused.
    mismatch = run_cli(capsys, "letters", "--meeting", "lih-2027-01-25", "--committee", "hih")
    _assert_one_line_error(mismatch.err, "lih-2027-01-25 belongs to committee living-in-hackney, not health-in-hackney")
    other = run_cli(capsys, "plan", "pin", "R15", "lih-2027-01-25", "--committee", "hih")
    _assert_one_line_error(other.err, "meeting 'lih-2027-01-25' not found")
    assert state_counts(sqlite_home) == before

    # Listings cover both and say whose each row is; --committee scopes them.
    meetings = run_cli(capsys, "meetings", "list", "--json").json()
    assert len(meetings) == 20 and {m["committee"] for m in meetings} == set(listed)
    same_evening = {m["meeting_id"] for m in meetings if m["date"] == "2027-01-25"}
    assert same_evening == {"hih-2027-01-25", "lih-2027-01-25"}
    scoped = run_cli(capsys, "timetable", "--committee", "hih", "--json").json()
    assert len(scoped) == 10 and all(row["meeting_id"].startswith("hih-") for row in scoped)

    # Removing the new committee (it has no letters) leaves the other as it was.
    removed = run_cli(capsys, "committees", "remove", "health-in-hackney")
    assert removed.code == 0 and "Committee health-in-hackney removed" in removed.out, removed.err
    assert [c["committee_id"] for c in run_cli(capsys, "committees", "list", "--json").json()] == ["living-in-hackney"]
    assert {m["committee"] for m in run_cli(capsys, "meetings", "list", "--json").json()} == {"living-in-hackney"}


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
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


@pytest.mark.usefixtures("prefect_harness")
def test_a_received_date_or_a_file_that_cannot_be_a_response_is_refused(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.factories import write_response_docx

    monkeypatch.setenv("SCRUTINY_PDF", "false")
    response = write_response_docx(sqlite_home.parent / "r.docx", organisation="MOPAC", meeting_date="x", body="R.")
    assert run_cli(capsys, "plan", "--as-of", "2026-11-01").code == 0  # planned: no letter yet
    unsent = run_cli(capsys, "responses", "record", "lih-R15-1-mopac", str(response), "--as-of", "2026-11-02")
    _assert_one_line_error(unsent.err, "request lih-R15-1-mopac: no letter has gone out yet")
    assert run_cli(capsys, "letters", "--as-of", "2026-11-21").code == 0
    before = state_counts(sqlite_home)
    for received, as_of, expected in (
        ("2019-01-01", "2026-11-25", "received date 2019-01-01 is before the request letter went out on 2026-11-21"),
        ("2030-06-01", "2026-11-25", "received date 2030-06-01 is after today (2026-11-25)"),
        ("2026-11-26", "2026-11-25", "received date 2026-11-26 is after today (2026-11-25)"),
        ("1 June", "2026-11-25", "--received '1 June' is not a date"),
    ):
        args = ["responses", "record", "lih-R15-1-mopac", str(response), "--received", received, "--as-of", as_of]
        result = run_cli(capsys, *args)
        assert result.code == 2, (received, result.out)
        _assert_one_line_error(result.err, expected)
        assert state_counts(sqlite_home) == before

    # A file that is not a usable response: one line naming it and the problem; nothing recorded, the file kept.
    # (The problem in the words of the Word-only check, or of the intake that reads the file's bytes.)
    for content, name, problems in (
        (b"just some notes", "notes.txt", ("must be a Word document", "not a Word document or PDF (plain text)")),
        (b"PK\x03\x04 not really a zip", "broken.docx", ("not a readable Word document", "damaged zip container")),
        (b"", "empty.docx", ("the file is empty",)),
    ):
        bad = sqlite_home.parent / name
        bad.write_bytes(content)
        args = ["responses", "record", "lih-R15-1-mopac", str(bad), "--received", "2026-11-24", "--as-of", "2026-11-25"]
        result = run_cli(capsys, *args)
        assert result.code == 2, (name, result.out)
        _assert_one_line_error(result.err, name)
        assert any(problem in result.err for problem in problems), result.err
        assert state_counts(sqlite_home) == before and bad.read_bytes() == content

    ok = run_cli(capsys, "responses", "record", "lih-R15-1-mopac", str(response), "--received", "2026-11-21",
                 "--as-of", "2026-11-25")  # fmt: skip
    assert ok.code == 0 and "response recorded as received" in ok.out, ok.err


def test_no_traceback_reaches_the_terminal(tmp_path: Path) -> None:
    """The real console script, in a fresh process, with a broken database URL and a bad date."""
    env = {**os.environ, "SCRUTINY_HOME": str(tmp_path), "SCRUTINY_DATABASE_URL": "sqlite:////proc/forbidden/x.db"}
    for args in (["timetable"], ["plan", "--as-of", "31/12/2026"], ["meetings", "import", "/dev/null"]):
        done = subprocess.run(
            [sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=env, timeout=120, check=False
        )
        assert done.returncode == 2, done.stderr
        _assert_one_line_error(done.stderr)
