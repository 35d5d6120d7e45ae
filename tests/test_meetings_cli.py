"""Meeting calendars through the CLI: import (adopt, add, cancel, move), refusals, export to khal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scrutiny.timetable import TimetableRules, compute_timetable
from scrutiny.workdays import WorkingDayCalendar
from tests.cli_helpers import install_bundled_without_pattern, run_cli
from tests.khal_helpers import Khal, khal_executable, make_khal

BAD = Path(__file__).parent / "data" / "ics" / "bad"
UID_DOMAIN = "living-in-hackney.scrutiny.example"  # the bundled committee's uid_domain
CHAMBER = r"Council Chamber\, Hackney Town Hall\, Mare Street\, London E8 1EA"
LIH = "Living in Hackney Scrutiny Commission"

# The council's committee system export for 2026/27: four of the bundled committee's meetings
# (same dates), one new one, and two other committees' events (one on a meeting day).
COUNCIL_EVENTS: dict[str, tuple[str, str, str]] = {
    "mg-6101@hackney.moderngov.example": (LIH, "20260914T190000", CHAMBER),
    "mg-6102@hackney.moderngov.example": (LIH, "20270125T190000", CHAMBER),
    "mg-6103@hackney.moderngov.example": (LIH, "20270222T190000", r"Committee Room 102\, Hackney Town Hall"),
    "mg-6104@hackney.moderngov.example": (LIH, "20270322T190000", CHAMBER),
    "mg-6105@hackney.moderngov.example": (LIH, "20270517T183000", r"Committee Room 103\, Hackney Town Hall"),
    "mg-6201@hackney.moderngov.example": ("Health in Hackney Scrutiny Commission", "20270127T190000", CHAMBER),
    "mg-6301@hackney.moderngov.example": ("Cabinet", "20270125T183000", CHAMBER),
}
CONFIGURED = [
    "lih-2026-06-22",
    "lih-2026-07-13",
    "lih-2026-09-14",
    "lih-2026-10-12",
    "lih-2026-11-09",
    "lih-2026-12-07",
    "lih-2027-01-25",
    "lih-2027-02-22",
    "lih-2027-03-22",
    "lih-2027-04-19",
]
RETIMED = "new letter version to go (meeting moved)"  # what 'responses due' says a moved letter needs


def council_ics(
    path: Path,
    *,
    cancelled: frozenset[str] = frozenset(),
    moved: dict[str, str] | None = None,
    extra: dict[str, tuple[str, str, str]] | None = None,
) -> Path:
    """Write the council's export; `cancelled` UIDs get STATUS:CANCELLED, `moved` new DTSTARTs,
    `extra` adds events."""
    moved = moved or {}
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Civica UK Ltd//ModernGov//EN", "METHOD:PUBLISH"]
    for uid, (summary, start, location) in {**COUNCIL_EVENTS, **(extra or {})}.items():
        start = moved.get(uid, start)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20260501T070000Z",
            f"DTSTART;TZID=Europe/London:{start}",
            "DURATION:PT3H",
            f"SUMMARY:{summary}",
            f"LOCATION:{location}",
            f"STATUS:{'CANCELLED' if uid in cancelled else 'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def listed_meetings_only(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The committee's ten listed meetings and what the calendars add: no provisional ones."""
    install_bundled_without_pattern(capsys, home.parent)


def meetings(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    result = run_cli(capsys, "meetings", "list", "--json")
    assert result.code == 0, result.err
    return result.json()


def imported(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    result = run_cli(capsys, "meetings", "import", str(path))
    assert result.code == 0, result.err
    return result.out


def by_commitment(rows: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {row["commitment"]: row for row in rows}


def test_import_adopts_configured_meetings_adds_new_ones_and_is_idempotent(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert [m["meeting_id"] for m in meetings(capsys)] == CONFIGURED
    path = council_ics(home / "council.ics")

    out = imported(capsys, path)
    assert "1 added, 4 updated, 0 moved, 0 cancelled, 0 unchanged, 2 skipped" in out
    after = meetings(capsys)
    assert [m["meeting_id"] for m in after] == sorted([*CONFIGURED, "lih-2027-05-17"])
    assert len({m["date"] for m in after}) == len(after)  # adopted, not duplicated
    assert {m["committee"] for m in after} == {"living-in-hackney"}
    by_id = {m["meeting_id"]: m for m in after}
    assert by_id["lih-2027-05-17"]["start"] == "18:30"
    assert by_id["lih-2027-05-17"]["venue"] == "Committee Room 103, Hackney Town Hall"
    assert by_id["lih-2027-02-22"]["venue"] == "Committee Room 102, Hackney Town Hall"
    assert not any(m["cancelled"] for m in after)

    again = imported(capsys, path)
    assert "0 added, 0 updated, 0 moved, 0 cancelled, 5 unchanged, 2 skipped" in again
    assert meetings(capsys) == after


@pytest.mark.usefixtures("prefect_harness")
def test_cancelled_meeting_sends_its_items_and_requests_elsewhere(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported(capsys, council_ics(home / "council.ics"))
    plan = by_commitment(run_cli(capsys, "plan", "--as-of", "2026-11-21", "--json").json())
    assert plan["R15"]["meeting_id"] == plan["R16"]["meeting_id"] == "lih-2027-01-25"
    due = run_cli(capsys, "responses", "due", "--as-of", "2026-11-21", "--json").json()
    assert {(r["meeting_id"], r["status"]) for r in due} == {("lih-2027-01-25", "planned")}

    out = imported(
        capsys, council_ics(home / "council.ics", cancelled=frozenset({"mg-6102@hackney.moderngov.example"}))
    )
    assert "1 cancelled" in out and "Cancelled: lih-2027-01-25;" in out
    assert {m["meeting_id"]: m["cancelled"] for m in meetings(capsys)}["lih-2027-01-25"] is True

    replanned = by_commitment(run_cli(capsys, "plan", "--as-of", "2026-11-21", "--json").json())
    for key in ("R15", "R16"):
        assert replanned[key]["meeting_id"] == "lih-2027-02-22"
        assert "25 Jan 2027 (cancelled)" in str(replanned[key]["reason"])
    due = run_cli(capsys, "responses", "due", "--as-of", "2026-11-21", "--json").json()
    assert len(due) == 7
    assert {(r["meeting_id"], r["status"], r["action_needed"]) for r in due} == {("lih-2027-02-22", "planned", "")}
    assert {r["letter_id"] for r in due} == {None}  # nothing gathered into a letter yet
    assert run_cli(capsys, "responses", "due", "--meeting", "lih-2027-01-25", "--json").json() == []
    [cancelled] = run_cli(capsys, "timetable", "--meeting", "lih-2027-01-25", "--json").json()
    assert cancelled["cancelled"] is True

    # Every meeting that could take them cancelled: the items wait, and their planned requests
    # (nothing sent yet) no longer show as due for a meeting that will not happen.
    april = {"mg-6106@hackney.moderngov.example": (LIH, "20270419T190000", CHAMBER)}
    imported(
        capsys,
        council_ics(
            home / "council.ics",
            extra=april,
            cancelled=frozenset(
                {
                    "mg-6102@hackney.moderngov.example",
                    "mg-6103@hackney.moderngov.example",
                    "mg-6104@hackney.moderngov.example",
                    "mg-6105@hackney.moderngov.example",
                    *april,
                }
            ),
        ),
    )
    stranded = by_commitment(run_cli(capsys, "plan", "--as-of", "2026-11-21", "--json").json())
    for key in ("R15", "R16"):
        assert stranded[key]["meeting_id"] is None and "not placed" in str(stranded[key]["reason"])
    assert run_cli(capsys, "responses", "due", "--as-of", "2026-11-21", "--json").json() == []
    assert (
        "Stop and search annual update (due 2021-11-09): due 9 Nov 2021, overdue; not placed"
        in run_cli(capsys, "programme").out
    )


@pytest.mark.usefixtures("prefect_harness")
def test_moved_meeting_retimes_requests_and_flags_letters_already_sent(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    imported(capsys, council_ics(home / "council.ics"))
    # R16 on 22 March (letters not yet due), R15 on 25 January (letters go out on 21 Nov).
    assert run_cli(capsys, "plan", "pin", "R16", "lih-2027-03-22", "--as-of", "2026-11-21").code == 0
    letters = run_cli(capsys, "letters", "--as-of", "2026-11-21")
    assert letters.code == 0, letters.err
    assert letters.out.startswith("4 letter(s) written")  # R15's four respondents, one letter each
    [january] = run_cli(capsys, "timetable", "--meeting", "lih-2027-01-25", "--json").json()

    out = imported(
        capsys,
        council_ics(
            home / "council.ics",
            moved={
                "mg-6102@hackney.moderngov.example": "20270128T190000",
                "mg-6104@hackney.moderngov.example": "20270324T190000",
            },
        ),
    )
    assert "2 moved" in out, out
    [flagged_line] = [
        line for line in out.splitlines() if line.startswith("Due dates changed for letters already sent")
    ]
    flagged_ids = flagged_line.split(": ", 1)[1].removesuffix(".").split(", ")
    assert len(flagged_ids) == 4 and all(r.startswith("lih-R15-") for r in flagged_ids), flagged_line

    calendar = WorkingDayCalendar(subdivision="ENG")
    expected = {
        day: compute_timetable(day, TimetableRules(), calendar) for day in (dt.date(2027, 1, 28), dt.date(2027, 3, 24))
    }
    [moved] = run_cli(capsys, "timetable", "--meeting", "lih-2027-01-25", "--json").json()
    assert moved["date"] == "2027-01-28"
    assert moved["response_due_date"] == expected[dt.date(2027, 1, 28)].response_due_date.isoformat()
    assert moved["response_due_date"] != january["response_due_date"]
    assert moved["publication_date"] == expected[dt.date(2027, 1, 28)].publication_date.isoformat()

    due = run_cli(capsys, "responses", "due", "--as-of", "2026-11-21", "--json").json()
    r15 = [r for r in due if r["request_id"].startswith("lih-R15-")]
    r16 = [r for r in due if r["request_id"].startswith("lih-R16-")]
    assert len(r15) == 4 and len(r16) == 3
    assert sorted(r["request_id"] for r in r15) == sorted(flagged_ids)
    for row in r15:  # letters already sent named the old date: a new version goes with the next 'letters'
        assert (row["meeting_date"], row["status"], row["action_needed"]) == ("2027-01-28", "issued", RETIMED)
        assert row["due_date"] == expected[dt.date(2027, 1, 28)].response_due_date.isoformat()
    for row in r16:  # nothing sent yet: the request simply follows the meeting
        assert (row["meeting_date"], row["status"], row["action_needed"]) == ("2027-03-24", "planned", "")
        assert row["due_date"] == expected[dt.date(2027, 3, 24)].response_due_date.isoformat()
    table = run_cli(capsys, "responses", "due", "--as-of", "2026-11-21").out.splitlines()
    flagged = [line for line in table if RETIMED in line]
    assert len(flagged) == 4 and all(" lih-R15-" in line for line in flagged)

    # Re-planning keeps R15 where its letters went, and R16 on its pin.
    plan = by_commitment(run_cli(capsys, "plan", "--as-of", "2026-11-21", "--json").json())
    assert (plan["R15"]["meeting_id"], plan["R15"]["locked"]) == ("lih-2027-01-25", True)
    assert (plan["R16"]["meeting_id"], plan["R16"]["meeting_date"], plan["R16"]["pinned"]) == (
        "lih-2027-03-22",
        "2027-03-24",
        True,
    )

    # The next 'scrutiny letters' writes each flagged letter again (a new version, the first kept).
    rewritten = run_cli(capsys, "letters", "--as-of", "2026-11-23")
    assert rewritten.code == 0 and rewritten.out.startswith("4 letter(s) written"), rewritten.err
    names = sorted(p.name for p in (home / "letters" / "lih-2027-01-25").glob("*.docx"))
    assert [n for n in names if n.endswith("-v2.docx")] == [n.replace("-v1.", "-v2.") for n in names if "-v1." in n]
    assert len(names) == 8
    due = run_cli(capsys, "responses", "due", "--as-of", "2026-11-23", "--json").json()
    assert {r["action_needed"] for r in due} == {""}


def test_every_bad_calendar_is_refused_in_one_line_and_changes_nothing(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported(capsys, council_ics(home / "council.ics"))
    before = meetings(capsys)
    files = sorted(BAD.glob("*.ics"))
    assert len(files) >= 20
    for path in [*files, home / "no-such-file.ics", home]:
        result = run_cli(capsys, "meetings", "import", str(path))
        assert result.code == 2, (path.name, result.out, result.err)
        lines = result.err.splitlines()
        assert len(lines) == 1, (path.name, result.err)
        assert lines[0].startswith("scrutiny: error: ") and str(path) in lines[0], (path.name, lines[0])
        assert "Traceback" not in result.out + result.err and result.out == ""
        assert meetings(capsys) == before, path.name


@pytest.mark.usefixtures("prefect_harness")
def test_export_is_read_back_by_khal_stable_and_reimports_without_change(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported(capsys, council_ics(home / "council.ics", cancelled=frozenset({"mg-6104@hackney.moderngov.example"})))
    assert run_cli(capsys, "plan", "--as-of", "2026-11-21").code == 0
    listed = meetings(capsys)
    timetable = {row["meeting_id"]: row for row in run_cli(capsys, "timetable", "--json").json()}
    programme = run_cli(capsys, "programme", "--json").json()

    export = home / "exports" / "lih.ics"
    missing = run_cli(capsys, "calendar", "export", str(export), "--deadlines")
    assert missing.code == 2 and len(missing.err.splitlines()) == 1
    assert "does not exist" in missing.err and str(export.parent) in missing.err
    export.parent.mkdir()
    result = run_cli(capsys, "calendar", "export", str(export), "--deadlines")
    assert result.code == 0, result.err
    assert "11 meetings (1 cancelled) and 33 deadline events" in result.out
    first = export.read_bytes()
    assert run_cli(capsys, "calendar", "export", str(export), "--deadlines").code == 0
    assert export.read_bytes() == first
    assert not [p for p in export.parent.iterdir() if p != export]  # no temporary files left
    assert "Stop and search annual update" in first.decode()

    client: Khal = make_khal(khal_executable(), tmp_path / "khal")
    client.import_file(export)
    events = {e["uid"]: e for e in client.events("2026-01-01", "2027-12-31")}
    assert len(events) == 44
    for meeting in listed:
        event = events[f"meeting-{meeting['meeting_id']}@{UID_DOMAIN}"]
        assert event["start"] == f"{meeting['date']} {meeting['start']}"
        assert event["location"] == meeting["venue"]
        assert event["all-day"] == "False"
        assert event["status"] == ("CANCELLED" if meeting["cancelled"] else "CONFIRMED")
        dates = timetable[str(meeting["meeting_id"])]
        for kind, key in (
            ("request-by", "request_by_date"),
            ("response-due", "response_due_date"),
            ("publication", "publication_date"),
        ):
            deadline = events[f"deadline-{kind}-{meeting['meeting_id']}@{UID_DOMAIN}"]
            assert (deadline["start"], deadline["all-day"]) == (dates[key], "True")
    assert events[f"deadline-response-due-lih-2027-01-25@{UID_DOMAIN}"]["title"] == (
        "Written responses due (Monday 25 January 2027 meeting)"
    )

    # Reading our own export back changes nothing, and leaves the council's UIDs in charge.
    again = imported(capsys, export)
    assert "0 added, 0 updated, 0 moved, 0 cancelled, 11 unchanged, 33 skipped" in again
    assert meetings(capsys) == listed
    assert run_cli(capsys, "programme", "--json").json() == programme
    assert "0 added, 0 updated, 0 moved, 0 cancelled, 5 unchanged" in imported(
        capsys, council_ics(home / "council.ics", cancelled=frozenset({"mg-6104@hackney.moderngov.example"}))
    )
