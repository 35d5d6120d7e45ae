"""One-off agenda items through the CLI and the flows: letters (supplementary once the organisation's
letter has gone), the tracker, chasers and the pack's cover sheet; the planner counting them."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from tests.cli_helpers import CliResult, run_cli
from tests.factories import write_response_docx

pytestmark = pytest.mark.usefixtures("prefect_harness")

MEETING = "lih-2027-01-25"
TITLE = "Serious violence and gang crime"
QUESTION = "How is the Serious Violence Duty Strategy 2024-27 being delivered, and with which partners?"
PRESENTER = "Maurice Mason, Community Safety Manager, Hackney Community Safety Partnership"


def docx_text(path: Path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def one_line_error(result: CliResult) -> str:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scrutiny: error: "), result.err
    assert "Traceback" not in result.err + result.out
    return lines[0]


def items(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict[str, Any]]:
    """The items as 'scrutiny items list --json' gives them, by title."""
    result = run_cli(capsys, "items", "list", "--json", *args)
    assert result.code == 0, result.err
    return {row["title"]: row for row in result.json()}


def due(capsys: pytest.CaptureFixture[str], as_of: str) -> dict[str, dict[str, Any]]:
    rows = run_cli(capsys, "responses", "due", "--as-of", as_of, "--json").json()
    return {row["request_id"]: row for row in rows}


def test_an_officers_item_gets_a_supplementary_letter_chasers_the_tracker_and_a_cover_sheet(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "run", "--as-of", "2026-11-21").code == 0  # the CSP's letter for R16 has gone out

    added = run_cli(
        capsys, "items", "add", MEETING, "--title", TITLE, "--respondent", "hackney-csp", "--question", QUESTION,
        "--presenter", PRESENTER, "--as-of", "2026-11-23",
    )  # fmt: skip
    assert added.code == 0, added.err
    item = items(capsys, "--meeting", MEETING)[TITLE]
    assert added.out.startswith(f"Added {item['item_id']} “{TITLE}” to {MEETING} (Monday 25 January 2027).")
    assert "hackney-csp already had its letter for lih-2027-01-25: it gets a supplementary letter" in added.out
    assert (item["kind"], item["respondents"], item["status"]) == ("one-off", ["hackney-csp"], "planned")
    assert item["questions"] == [QUESTION] and item["presenters"] == [PRESENTER]
    assert item["item_id"].startswith("lih-item-")
    again = one_line_error(run_cli(capsys, "items", "add", MEETING, "--title", TITLE.upper(), "--as-of", "2026-11-23"))
    assert f"already has “{TITLE}” ({item['item_id']})" in again

    # The window is open, so the next run writes it at once: a supplementary letter, just this item.
    letters = run_cli(capsys, "letters", "--as-of", "2026-11-23")
    assert letters.code == 0, letters.err
    assert "1 letter(s) written" in letters.out and "lih-2027-01-25-hackney-csp-2" in letters.out
    supplementary = home / "letters" / MEETING / "lih-2027-01-25-hackney-csp-2-v1.docx"
    text = docx_text(supplementary)
    assert TITLE in text and QUESTION in text and text.count("Our request") == 1
    assert "Recommendation 16" not in text and "Dear Jason Davis" in text
    assert "21 November 2026" in text  # it refers to the letter that went first
    first = docx_text(home / "letters" / MEETING / "lih-2027-01-25-hackney-csp-v1.docx")
    assert TITLE not in first  # the letter already sent is never re-sent or rewritten
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in (home / "outbox").glob("*.eml")]
    [mail] = [m for m in mails if "(ref lih-2027-01-25-hackney-csp-2)" in str(m["Subject"])]
    assert "jason.davis@hackney.example" in str(mail["To"])
    assert "No letters to write" in run_cli(capsys, "letters", "--as-of", "2026-11-24").out

    # The tracker follows it like any request.
    request_id = f"{item['item_id']}-hackney-csp"
    tracked = due(capsys, "2026-11-23")[request_id]
    assert (tracked["item"], tracked["status"], tracked["letter_id"]) == (
        TITLE,
        "issued",
        "lih-2027-01-25-hackney-csp-2",
    )
    assert tracked["due_date"] == "2027-01-08"
    assert items(capsys)[TITLE]["status"] == "letters out"

    # Chasers: the supplementary letter has its own ladder, listing only this item.
    assert run_cli(capsys, "remind", "--as-of", "2027-01-04").code == 0
    reminder = docx_text(next((home / "letters" / MEETING).glob("lih-2027-01-25-hackney-csp-2-reminder-*.docx")))
    assert TITLE in reminder and "Recommendation 16" not in reminder
    assert due(capsys, "2027-01-04")[request_id]["status"] == "reminded"

    # The pack: its own item with a cover sheet naming the presenter, and the response appended.
    response = write_response_docx(
        home.parent / "csp-serious-violence.docx", organisation="Hackney CSP", meeting_date="25 January 2027",
        body="The partnership's response on serious violence and gang crime.",
    )  # fmt: skip
    recorded = run_cli(
        capsys, "responses", "record", request_id, str(response), "--received", "2027-01-06", "--as-of", "2027-01-06"
    )
    assert recorded.code == 0, recorded.err
    pack = run_cli(capsys, "pack", MEETING, "--as-of", "2027-01-15")
    assert pack.code == 0, pack.err
    assert f"{TITLE}: written response" not in pack.out  # received: not to follow
    [built] = (home / "packs" / MEETING).glob("*agenda-pack-v1.docx")
    body = docx_text(built)
    assert TITLE in body and PRESENTER in body
    assert "The partnership's response on serious violence and gang crime." in body
    assert items(capsys)[TITLE]["responses"] == "1 of 1 received"


def test_an_item_added_before_the_window_shares_the_letter_and_the_planner_counts_it(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "plan", "--as-of", "2026-11-01").code == 0  # R15 and R16 on 25 January, window shut
    first = run_cli(capsys, "items", "add", MEETING, "--title", TITLE, "--respondent", "mopac", "--as-of", "2026-11-01")
    assert first.code == 0, first.err
    assert "its letters go when the letter window opens on 2026-11-13" in first.out
    assert "max_substantive_items" not in first.out  # three items: at capacity, not beyond
    second = run_cli(
        capsys, "items", "add", MEETING, "--title", "Cabinet Member question time", "--as-of", "2026-11-01"
    )
    assert second.code == 0, second.err
    [capacity] = [line for line in second.out.splitlines() if "max_substantive_items" in line]
    assert capacity == (
        "Note: lih-2027-01-25 now has 4 substantive items, more than the 3 of max_substantive_items: "
        "allowed for a one-off item, the officer decides."
    )
    assert "no respondents: no letters" in second.out

    # The planner counts both: one annual update no longer fits and goes to the next meeting.
    plan = {row["commitment"]: row for row in run_cli(capsys, "plan", "--as-of", "2026-11-01", "--json").json()}
    assert plan["R15"]["meeting_id"] == MEETING
    assert plan["R16"]["meeting_id"] == "lih-2027-02-22" and "25 Jan 2027 (full: 3 of 3 items)" in plan["R16"]["reason"]

    # MOPAC gets one letter for the meeting: the R15 section and this item's, each with its request list.
    assert run_cli(capsys, "letters", "--as-of", "2026-11-21").code == 0
    mopac = docx_text(sqlite_home / "letters" / MEETING / "lih-2027-01-25-mopac-v1.docx")
    assert "Stop and search annual update (Recommendation 15)" in mopac and TITLE in mopac
    assert mopac.count("Our request") == 2
    assert f"Please give the Commission a written update on {TITLE}." in mopac  # no --question: the default one
    assert not list((sqlite_home / "letters" / MEETING).glob("*-mopac-2-*"))
    listed = items(capsys, "--meeting", MEETING)
    assert listed["Cabinet Member question time"]["status"] == "no requests"
    assert listed[TITLE]["status"] == "letters out"


def _cancel(capsys: pytest.CaptureFixture[str], folder: Path, meeting_id: str, day: str) -> None:
    """The council's calendar cancels one of our meetings (its UID as our own export writes it)."""
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Test//EN", "BEGIN:VEVENT",
        f"UID:meeting-{meeting_id}@living-in-hackney.scrutiny.example", "DTSTAMP:20270101T000000Z",
        f"DTSTART;TZID=Europe/London:{day.replace('-', '')}T190000", "SUMMARY:Living in Hackney",
        "LOCATION:Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA", "STATUS:CANCELLED",
        "END:VEVENT", "END:VCALENDAR",
    ]  # fmt: skip
    path = folder / f"cancel-{meeting_id}.ics"
    path.write_text("\r\n".join(lines) + "\r\n")
    result = run_cli(capsys, "meetings", "import", str(path))
    assert result.code == 0 and "1 cancelled" in result.out, (result.out, result.err)


def test_move_and_remove_follow_the_rules_for_locked_items_and_past_meetings(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    day = ["--as-of", "2026-11-01"]
    assert run_cli(capsys, "plan", *day).code == 0
    assert run_cli(capsys, "items", "add", MEETING, "--title", TITLE, "--respondent", "hackney-csp", *day).code == 0
    item = items(capsys)[TITLE]["item_id"]
    number = item.rsplit("-", 1)[1]
    request_id = f"{item}-hackney-csp"
    r16 = items(capsys)["Trust and Confidence Action Plan annual update"]["item_id"]

    # Nothing has gone out: it moves, and its request follows with the new meeting's dates.
    moved = run_cli(capsys, "items", "move", number, "lih-2027-02-22", *day)  # the bare number works too
    assert moved.code == 0, moved.err
    assert moved.out.startswith(f"Moved {item} “{TITLE}” to lih-2027-02-22 (Monday 22 February 2027).")
    [timetable] = run_cli(capsys, "timetable", "--meeting", "lih-2027-02-22", "--json").json()
    tracked = due(capsys, "2026-11-01")[request_id]
    assert (tracked["meeting_id"], tracked["due_date"]) == ("lih-2027-02-22", timetable["response_due_date"])
    same = run_cli(capsys, "items", "move", item, "lih-2027-02-22", *day)
    assert same.code == 0 and "already on lih-2027-02-22: nothing changed" in same.out

    errors = {
        ("items", "move", item, "lih-2026-06-22", *day): "meeting lih-2026-06-22 has already taken place",
        ("items", "move", item, "lih-2099-01-01", *day): "meeting 'lih-2099-01-01' not found",
        ("items", "move", r16, "lih-2027-02-22", *day): "is the R16 annual update, placed by the planner",
        ("items", "remove", r16, *day): "use 'scrutiny plan pin R16 MEETING_ID' to move it",
        ("items", "move", "lih-item-999", MEETING, *day): "item 'lih-item-999' not found",
        ("items", "remove", "xyz", *day): "item 'xyz' is not an item ID (e.g. lih-item-12 or 12)",
        ("items", "move", f"hih-item-{number}", MEETING, *day): f"item 'hih-item-{number}' not found",
        ("items", "add", MEETING, "--title", " ", *day): "--title: must not be empty",
        ("items", "add", MEETING, "--title", "Two\nlines", *day): "must be one line",
        ("items", "add", MEETING, "--title", "X", "--respondent", "nobody", *day): "--respondent 'nobody': no such",
        ("items", "add", "lih-2026-07-13", "--title", "X", *day): "lih-2026-07-13 has already taken place",
        ("items", "list", "--committee", "nope"): "committee 'nope' not found",
    }
    for args, expected in errors.items():
        assert expected in one_line_error(run_cli(capsys, *args)), args

    # Its letter goes out (an officer issues the meeting's letters early): now it stays where it is.
    assert run_cli(capsys, "letters", "--meeting", "lih-2027-02-22", *day).code == 0
    locked = one_line_error(run_cli(capsys, "items", "move", item, "lih-2027-03-22", *day))
    assert f"{item} is on meeting lih-2027-02-22 and its letters have gone out" in locked

    # ... unless the meeting is cancelled: then it moves, and the next run writes the new letter.
    _cancel(capsys, sqlite_home.parent, "lih-2027-02-22", "2027-02-22")
    assert items(capsys)[TITLE]["status"] == "meeting cancelled"
    cancelled_target = one_line_error(run_cli(capsys, "items", "add", "lih-2027-02-22", "--title", "Y", *day))
    assert "meeting lih-2027-02-22 is cancelled" in cancelled_target
    assert run_cli(capsys, "items", "move", item, "lih-2027-03-22", *day).code == 0
    history = run_cli(capsys, "responses", "history", request_id, "--json").json()
    assert history[-1]["cause"] == "re-timing" and "a new letter is owed" in history[-1]["detail"]
    assert run_cli(capsys, "letters", *day).code == 0
    assert due(capsys, "2026-11-01")[request_id]["letter_id"] == "lih-2027-03-22-hackney-csp"
    assert (sqlite_home / "letters" / "lih-2027-03-22" / "lih-2027-03-22-hackney-csp-v1.docx").exists()

    # Removing it with letters out keeps the record and withdraws the request, with a history entry.
    removed = run_cli(capsys, "items", "remove", item, *day)
    assert removed.code == 0, removed.err
    assert f"1 request(s) withdrawn ({request_id}): no more chasers" in removed.out
    history = run_cli(capsys, "responses", "history", request_id, "--json").json()
    assert (history[-1]["new_status"], history[-1]["cause"]) == ("withdrawn", "withdrawal")
    assert TITLE in history[-1]["detail"]
    listed = items(capsys)[TITLE]
    assert (listed["status"], listed["meeting_id"]) == ("removed", "lih-2027-03-22")
    assert TITLE not in str(run_cli(capsys, "meetings", "list", "--json").json())
    assert "taken off the agenda already" in one_line_error(run_cli(capsys, "items", "remove", item, *day))
    assert "taken off the agenda already" in one_line_error(run_cli(capsys, "items", "move", item, MEETING, *day))
    assert "No chasers due" in run_cli(capsys, "remind", "--as-of", "2027-02-15").out

    # An item nothing was sent for goes with its planned requests; a past meeting keeps its items.
    other = "Community safety and the night-time economy"
    assert run_cli(capsys, "items", "add", "lih-2027-04-19", "--title", other, "--respondent", "mopac", *day).code == 0
    other_id = items(capsys)[other]["item_id"]
    dropped = run_cli(capsys, "items", "remove", other_id, *day)
    assert "1 planned request(s) dropped" in dropped.out
    assert f"{other_id}-mopac" not in due(capsys, "2026-11-01")
    kept = "Youth services"
    assert run_cli(capsys, "items", "add", "lih-2027-04-19", "--title", kept, *day).code == 0
    kept_id = items(capsys)[kept]["item_id"]
    past = one_line_error(run_cli(capsys, "items", "remove", kept_id, "--as-of", "2027-04-20"))
    assert past == f"scrutiny: error: meeting lih-2027-04-19 has already taken place: {kept_id} stays on its record"

    # Listing: every committee by default, one committee or one meeting when asked.
    everything = run_cli(capsys, "items", "list").out
    assert TITLE in everything and "removed" in everything and "ITEM_ID" in everything
    only = items(capsys, "--committee", "lih", "--meeting", "lih-2027-04-19")
    assert set(only) == {other, kept}
