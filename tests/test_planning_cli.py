"""The annual-update planner through the CLI: placements, pins, locks, the work programme, and
the next cycle's window across a simulated year (on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.planner import Commitment, MeetingSlot, plan_placements
from tests.cli_helpers import install_bundled_without_pattern, run_cli
from tests.factories import bundled_config_data, write_config

pytestmark = pytest.mark.usefixtures("prefect_harness")

LIH = "Living in Hackney Scrutiny Commission"


def plan(capsys: pytest.CaptureFixture[str], as_of: str) -> dict[str, dict[str, object]]:
    result = run_cli(capsys, "plan", "--as-of", as_of, "--json")
    assert result.code == 0, result.err
    return {row["commitment"]: row for row in result.json()}


def placements(capsys: pytest.CaptureFixture[str]) -> dict[str, tuple[str, bool, str]]:
    """Where the work programme has each commitment's latest item: (meeting, pinned, reason).
    Meetings come in date order, so a later cycle's item replaces an earlier one."""
    result = run_cli(capsys, "programme", "--json")
    assert result.code == 0, result.err
    return {
        item["commitment"]: (meeting["meeting_id"], item["pinned"], item["reason"])
        for meeting in result.json()
        for item in meeting["items"]
    }


def one_line_error(result: object, *words: str) -> None:
    code, out, err = result.code, result.out, result.err  # type: ignore[attr-defined]
    assert code == 2, (out, err)
    assert len(err.splitlines()) == 1 and err.startswith("scrutiny: error: "), err
    assert "Traceback" not in out + err
    for word in words:
        assert word in err


def test_bundled_committee_placements_pins_and_locks(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    first = run_cli(capsys, "plan", "--as-of", "2026-11-21", "--json")
    assert first.code == 0, first.err
    placed = {row["commitment"]: row for row in first.json()}
    for key, due in (("R15", "9 Nov 2021"), ("R16", "9 Dec 2025")):
        row = placed[key]
        assert (row["committee"], row["meeting_id"], row["meeting_date"], row["pinned"], row["locked"]) == (
            "living-in-hackney",
            "lih-2027-01-25",
            "2027-01-25",
            False,
            False,
        )
        assert str(row["reason"]).startswith(f"due {due}, overdue; first meeting leaving 6 weeks")
        assert "25 Jan 2027" in str(row["reason"]) and "7 Dec 2026 (request deadline" in str(row["reason"])
    assert run_cli(capsys, "plan", "--as-of", "2026-11-21", "--json").out == first.out  # stable

    before_pin = placements(capsys)

    pinned = run_cli(capsys, "plan", "pin", "R16", "lih-2027-02-22", "--as-of", "2026-11-21")
    assert pinned.code == 0, pinned.err
    moved = placements(capsys)
    assert moved["R16"][:2] == ("lih-2027-02-22", True)
    assert "pinned by an officer to 22 Feb 2027" in moved["R16"][2]
    assert moved["R15"] == before_pin["R15"]
    due = run_cli(capsys, "responses", "due", "--as-of", "2026-11-21", "--json").json()
    assert {r["meeting_id"] for r in due if r["request_id"].startswith("lih-R16-")} == {"lih-2027-02-22"}
    assert {r["meeting_id"] for r in due if r["request_id"].startswith("lih-R15-")} == {"lih-2027-01-25"}

    assert run_cli(capsys, "plan", "unpin", "R16", "--as-of", "2026-11-21").code == 0
    assert placements(capsys) == before_pin

    one_line_error(run_cli(capsys, "plan", "pin", "R16", "lih-2099-01-01"), "meeting 'lih-2099-01-01' not found")
    one_line_error(run_cli(capsys, "plan", "pin", "R99", "lih-2027-02-22"), "commitment 'R99' not found", "R15, R16")
    assert placements(capsys) == before_pin

    letters = run_cli(capsys, "letters", "--as-of", "2026-11-21")
    assert letters.code == 0, letters.err
    assert letters.out.startswith("5 letter(s) written")  # one per organisation for the meeting
    # 10 Dec is past the meeting's request-by date (27 Nov): unlocked items would move on;
    # these stay where their letters sent the respondents.
    [january] = run_cli(capsys, "timetable", "--meeting", "lih-2027-01-25", "--json").json()
    assert january["request_by_date"] < "2026-12-10"
    later = plan(capsys, "2026-12-10")
    for key in ("R15", "R16"):
        assert (later[key]["meeting_id"], later[key]["locked"]) == ("lih-2027-01-25", True)
        assert later[key]["reason"] == placed[key]["reason"]

    programme = run_cli(capsys, "programme", "--json")
    assert programme.code == 0, programme.err
    meetings = {m["meeting_id"]: m for m in programme.json()}
    assert set(meetings["lih-2027-01-25"]) == {"committee", "meeting_id", "date", "cancelled", "items"}
    assert {m["committee"] for m in meetings.values()} == {"living-in-hackney"}
    assert all(not m["items"] for mid, m in meetings.items() if mid != "lih-2027-01-25")
    items = {i["commitment"]: i for i in meetings["lih-2027-01-25"]["items"]}
    assert set(items) == {"R15", "R16"}
    r15 = items["R15"]
    assert r15["title"] == "Stop and search annual update"
    assert r15["source"].startswith("Recommendation 15 of the 2019 ")
    assert r15["reason"] == placed["R15"]["reason"] and r15["pinned"] is False
    assert {r["organisation"] for r in r15["requests"]} == {
        "Mayor's Office for Policing and Crime (MOPAC)",
        "Metropolitan Police Service, Central East BCU (Hackney and Tower Hamlets)",
        "Hackney Local Policing Scrutiny Panel",
        "Young People's Stop and Search Monitoring Group",
    }
    assert {(r["status"], r["due_date"]) for r in r15["requests"]} == {("issued", "2027-01-08")}
    assert all(r["request_id"].startswith("lih-R15-") for r in r15["requests"])
    assert len(items["R16"]["requests"]) == 3
    text = run_cli(capsys, "programme").out
    assert "Mon 25 Jan 2027" in text and "source: Recommendation 16 of the 2019" in text
    assert "lih-R15-1-mopac: Mayor's Office for Policing and Crime (MOPAC), issued, due 2027-01-08" in text


def calendar_2027_28(path: Path) -> Path:
    """The council's 2027/28 meetings, as its committee system publishes them in the spring."""
    events = [
        (f"mg-7{n:03d}@hackney.moderngov.example", LIH, day)
        for n, day in enumerate(["20270621", "20270913", "20271115", "20280124", "20280320"], start=1)
    ]
    events.append(("mg-7901@hackney.moderngov.example", "Cabinet", "20280124"))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Civica UK Ltd//ModernGov//EN"]
    for uid, summary, day in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20270401T080000Z",
            f"DTSTART;TZID=Europe/London:{day}T190000",
            f"DTEND;TZID=Europe/London:{day}T213000",
            f"SUMMARY:{summary}",
            "END:VEVENT",
        ]
    path.write_text("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n", encoding="utf-8")
    return path


def cycle(capsys: pytest.CaptureFixture[str], as_of: str) -> str:
    result = run_cli(capsys, "run", "--as-of", as_of)
    assert result.code == 0, result.err
    return result.out


def test_next_cycle_lands_a_year_after_the_held_meeting(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    install_bundled_without_pattern(capsys, home.parent)  # the calendar ends with 2026/27's meetings
    plan(capsys, "2026-11-21")  # R15 and R16 on 25 Jan 2027
    assert run_cli(capsys, "letters", "--as-of", "2026-11-21").code == 0

    # The day after the meeting both were taken; the next updates are due 25 Jan 2028. The
    # 2026/27 calendar ends on 19 Apr 2027, weeks later: too early, so they wait.
    day_after = plan(capsys, "2027-01-26")
    for row in day_after.values():
        assert (row["due_date"], row["meeting_id"]) == ("2028-01-25", None)
        assert "not placed: the calendar does not yet have a meeting in its window" in str(row["reason"])
    waiting = run_cli(capsys, "programme").out.split("Not yet on a meeting:")[1]
    for title in ("Stop and search annual update", "Trust and Confidence Action Plan annual update"):
        assert f"{title} (due 2028-01-25): due 25 Jan 2028; not placed" in waiting
    assert "from 25 Oct 2027, 3 months before it is due" in waiting

    out = run_cli(capsys, "meetings", "import", str(calendar_2027_28(home / "lih-2027-28.ics")))
    assert out.code == 0 and "5 added" in out.out and "1 skipped" in out.out

    cycle(capsys, "2027-11-20")  # places them on 24 Jan 2028, whose letter window is open
    dates = {m["meeting_id"]: dt.date.fromisoformat(m["date"]) for m in run_cli(capsys, "programme", "--json").json()}
    placed = placements(capsys)
    assert set(placed) == {"R15", "R16"}
    for meeting_id, pinned, reason in placed.values():
        assert (meeting_id, pinned) == ("lih-2028-01-24", False)
        assert 330 <= (dates[meeting_id] - dates["lih-2027-01-25"]).days <= 400  # a year on, not weeks
        assert reason == "due 25 Jan 2028; last meeting before it with time for a response and room: 24 Jan 2028"
    due = run_cli(capsys, "responses", "due", "--as-of", "2027-11-20", "--json").json()
    assert len(due) == 7
    assert {(r["meeting_id"], r["status"]) for r in due} == {("lih-2028-01-24", "issued")}
    assert sorted(p.name for p in (home / "letters").iterdir()) == ["lih-2027-01-25", "lih-2028-01-24"]
    assert len(list((home / "letters" / "lih-2028-01-24").glob("*.docx"))) == 5  # one per organisation

    # After the 2028 meeting, the cycle after that (due 24 Jan 2029) waits for 2028/29's calendar.
    after = cycle(capsys, "2028-01-25")
    assert after.count("not placed: the calendar does not yet have a meeting in its window (from 24 Oct 2028") == 2
    programme = {m["meeting_id"]: m for m in run_cli(capsys, "programme", "--json").json()}
    assert [i["commitment"] for i in programme["lih-2027-01-25"]["items"]] == ["R15", "R16"]
    assert [i["commitment"] for i in programme["lih-2028-01-24"]["items"]] == ["R15", "R16"]
    assert all(
        not programme[m]["items"] for m in ("lih-2027-02-22", "lih-2027-03-22", "lih-2027-04-19", "lih-2027-11-15")
    )


def test_earliest_months_before_due_is_a_committee_setting(
    sqlite_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bundled_config_data()
    data.pop("meeting_pattern", None)  # the calendar ends with 2026/27's meetings
    data["committee"]["earliest_months_before_due"] = -1
    one_line_error(
        run_cli(capsys, "init", "--config", str(write_config(tmp_path / "bad.yaml", data))),
        "earliest_months_before_due",
    )
    data["committee"]["earliest_months_before_due"] = 12
    assert run_cli(capsys, "init", "--config", str(write_config(tmp_path / "wide.yaml", data))).code == 0
    assert plan(capsys, "2026-11-21")["R15"]["meeting_id"] == "lih-2027-01-25"
    # A twelve-month window lets the next update go on the last 2026/27 meeting before it
    # is due that still has time for letters: the early placement the default prevents.
    after = plan(capsys, "2027-01-26")
    assert {(row["due_date"], row["meeting_id"]) for row in after.values()} == {("2028-01-25", "lih-2027-04-19")}


# -- the window rule in the pure planner ---------------------------------------------------


def _slot(day: dt.date, *, cancelled: bool = False) -> MeetingSlot:
    return MeetingSlot(day.isoformat(), day, cancelled, 0, 3, day - dt.timedelta(weeks=9))


def test_window_skips_meetings_too_soon_after_the_last_one() -> None:
    item = Commitment("R15", "Stop and search", "policing", dt.date(2027, 1, 25), earliest_months_before_due=3)
    assert item.earliest == dt.date(2027, 10, 25)
    slots = [
        _slot(dt.date(2027, 4, 19)),
        _slot(dt.date(2027, 9, 13)),
        _slot(dt.date(2027, 11, 15)),
        _slot(dt.date(2028, 3, 20)),
    ]
    [placement] = plan_placements([item], slots, dt.date(2027, 2, 1))
    assert placement.meeting_id == "2027-11-15"  # the only one in the window before it is due
    [early] = plan_placements([item], slots[:2], dt.date(2027, 2, 1))
    assert early.meeting_id is None
    [unguarded] = plan_placements(
        [Commitment("R15", "Stop and search", "policing", dt.date(2027, 1, 25))], slots[:2], dt.date(2027, 2, 1)
    )
    assert unguarded.meeting_id == "2027-09-13"  # what the window prevents: four months after the last
    assert "does not yet have a meeting in its window (from 25 Oct 2027, 3 months before it is due)" in early.reason
    [cancelled] = plan_placements(
        [item], [*slots[:2], _slot(dt.date(2027, 11, 15), cancelled=True)], dt.date(2027, 2, 1)
    )
    assert cancelled.meeting_id is None and "window" in cancelled.reason
    [late] = plan_placements([item], [*slots[:2], slots[3]], dt.date(2027, 2, 1))
    assert late.meeting_id == "2028-03-20" and "so the first one after" in late.reason


def test_window_never_opens_before_the_last_meeting_and_a_pin_overrides_it() -> None:
    short = Commitment("X", "Six-monthly", "general", dt.date(2027, 1, 25), 2, earliest_months_before_due=3)
    assert short.earliest == dt.date(2027, 1, 26)
    slots = [_slot(dt.date(2027, 1, 25)), _slot(dt.date(2027, 3, 22))]
    [placement] = plan_placements([short], slots, dt.date(2026, 11, 1))
    assert placement.meeting_id == "2027-03-22"
    pinned = Commitment("R15", "Stop and search", "policing", dt.date(2027, 1, 25), 12, "2027-04-19", 3)
    [placement] = plan_placements([pinned], [_slot(dt.date(2027, 4, 19))], dt.date(2027, 2, 1))
    assert placement.meeting_id == "2027-04-19" and placement.pinned
    assert "note this is before 25 Oct 2027, 3 months before it is due" in placement.reason


@settings(max_examples=150, deadline=None)
@given(
    last_taken=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31)),
    interval=st.sampled_from([3, 6, 12, 18]),
    window=st.integers(min_value=0, max_value=24),
    days=st.lists(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31)), max_size=10, unique=True),
    as_of=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2029, 12, 31)),
)
def test_an_unpinned_item_never_lands_before_its_window(
    last_taken: dt.date, interval: int, window: int, days: list[dt.date], as_of: dt.date
) -> None:
    item = Commitment("K", "Update", "general", last_taken, interval, earliest_months_before_due=window)
    earliest = item.earliest
    assert earliest is not None and earliest > last_taken
    [placement] = plan_placements([item], [_slot(day) for day in days], as_of)
    if placement.meeting_date is None:
        assert "not placed" in placement.reason
        if not any(day >= earliest for day in days):
            assert "does not yet have a meeting in its window" in placement.reason
    else:
        assert placement.meeting_date >= earliest and placement.meeting_date > last_taken
