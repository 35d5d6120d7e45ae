"""Writing the committee calendar: structure, stable UIDs, reproducible bytes, round trip."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event
from icalendar.timezone import tzp

from scrutiny.errors import ScrutinyError
from scrutiny.ics_export import (
    DEADLINE_KINDS,
    ExportMeeting,
    build_calendar,
    deadline_uid,
    meeting_uid,
)
from scrutiny.ics_import import parse_meetings_ics

LONDON = ZoneInfo("Europe/London")
COMMITTEE = "Living in Hackney Scrutiny Commission"
DOMAIN = "scrutiny.hackney.example"
GENERATED = datetime(2024, 9, 2, 8, 30, tzinfo=UTC)


def meetings() -> list[ExportMeeting]:
    return [
        ExportMeeting(
            meeting_id="lih-2024-12-09",
            start=datetime(2024, 12, 9, 19, 0, tzinfo=LONDON),
            end=datetime(2024, 12, 9, 22, 0, tzinfo=LONDON),
            venue="Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA",
            title=COMMITTEE,
            agenda_items=[
                "Trust and Confidence Action Plan: annual update (Recommendation 16)",
                "Serious violence and gang crime",
            ],
            cancelled=False,
            request_by_date=date(2024, 10, 7),
            response_due_date=date(2024, 11, 18),
            publication_date=date(2024, 11, 29),
        ),
        ExportMeeting(  # given in UTC: 18:00Z in July is 19:00 London
            meeting_id="lih-2025-07-07",
            start=datetime(2025, 7, 7, 18, 0, tzinfo=UTC),
            end=datetime(2025, 7, 7, 20, 30, tzinfo=UTC),
            venue="Committee Room 102, Hackney Town Hall",
            title="Stop and search annual update",
            agenda_items=["Stop and search: annual update (Recommendation 15)"],
            cancelled=False,
            request_by_date=date(2025, 5, 9),
            response_due_date=date(2025, 6, 16),
            publication_date=date(2025, 6, 27),
        ),
        ExportMeeting(
            meeting_id="lih-2025-04-28",
            start=datetime(2025, 4, 28, 19, 0, tzinfo=LONDON),
            end=datetime(2025, 4, 28, 21, 0, tzinfo=LONDON),
            venue="Council Chamber, Hackney Town Hall",
            title=COMMITTEE,
            agenda_items=[],
            cancelled=True,
            request_by_date=date(2025, 2, 27),
            response_due_date=date(2025, 4, 4),
            publication_date=date(2025, 4, 17),
        ),
    ]


def build(
    items: list[ExportMeeting] | None = None, *, deadlines: bool = True, generated_at: datetime = GENERATED
) -> bytes:
    return build_calendar(
        committee_name=COMMITTEE,
        meetings=meetings() if items is None else items,
        deadlines=deadlines,
        uid_domain=DOMAIN,
        generated_at=generated_at,
    )


def events_by_uid(data: bytes) -> dict[str, Event]:
    return {str(e["UID"]): e for e in Calendar.from_ical(data).events}


def test_calendar_header_and_one_event_per_meeting() -> None:
    data = build(deadlines=False)
    calendar = Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//scrutiny-workflow//")
    assert str(calendar["X-WR-CALNAME"]) == COMMITTEE
    assert [str(e["UID"]) for e in calendar.events] == [
        "meeting-lih-2024-12-09@scrutiny.hackney.example",
        "meeting-lih-2025-04-28@scrutiny.hackney.example",
        "meeting-lih-2025-07-07@scrutiny.hackney.example",
    ]
    for event in calendar.events:
        assert event.DTSTAMP == GENERATED
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert event["DTEND"].params["TZID"] == "Europe/London"
    assert b"DTSTART;TZID=Europe/London:20250707T190000\r\n" in data
    assert b"DTEND;TZID=Europe/London:20250707T213000\r\n" in data
    assert b"DTSTAMP:20240902T083000Z\r\n" in data


def test_vtimezone_is_present_and_correct_for_the_meetings() -> None:
    calendar = Calendar.from_ical(build())
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    assert calendar.get_missing_tzids() == set()
    zone: Any = tzp.create_timezone(calendar.timezones[0])  # the file's own rules, not zoneinfo
    assert zone.utcoffset(datetime(2025, 7, 7, 19)) == timedelta(hours=1)
    assert zone.utcoffset(datetime(2024, 12, 9, 19)) == timedelta(0)
    assert zone.utcoffset(datetime(2025, 4, 28, 19)) == timedelta(hours=1)


def test_meeting_event_content() -> None:
    events = events_by_uid(build())
    december = events[meeting_uid("lih-2024-12-09", DOMAIN)]
    assert str(december["SUMMARY"]) == COMMITTEE
    assert str(december["LOCATION"]).startswith("Council Chamber, Hackney Town Hall")
    assert str(december["STATUS"]) == "CONFIRMED"
    description = str(december["DESCRIPTION"])
    assert "1. Trust and Confidence Action Plan: annual update (Recommendation 16)" in description
    assert "2. Serious violence and gang crime" in description
    assert "Monday 9 December 2024 at 19:00" in description
    assert "Written responses due: Monday 18 November 2024" in description
    july = events[meeting_uid("lih-2025-07-07", DOMAIN)]
    assert str(july["SUMMARY"]) == f"{COMMITTEE}: Stop and search annual update"
    assert july.start == datetime(2025, 7, 7, 19, 0, tzinfo=LONDON)


def test_cancelled_meeting_is_marked_cancelled() -> None:
    events = events_by_uid(build())
    april = events[meeting_uid("lih-2025-04-28", DOMAIN)]
    assert str(april["STATUS"]) == "CANCELLED"
    assert str(april["SUMMARY"]).startswith("CANCELLED: ")
    assert "Agenda: to be confirmed." in str(april["DESCRIPTION"])
    for kind in DEADLINE_KINDS:
        deadline = events[deadline_uid(kind, "lih-2025-04-28", DOMAIN)]
        assert str(deadline["STATUS"]) == "CANCELLED"
        assert deadline.subcomponents == []  # no reminder for a deadline that lapsed


def test_deadline_events_are_all_day_with_display_alarm() -> None:
    events = events_by_uid(build())
    assert len(events) == 3 * 4
    expected = {
        "request-by": date(2024, 10, 7),
        "response-due": date(2024, 11, 18),
        "publication": date(2024, 11, 29),
    }
    assert set(DEADLINE_KINDS) == set(expected)
    for kind, day in expected.items():
        event = events[f"deadline-{kind}-lih-2024-12-09@{DOMAIN}"]
        assert event.start == day and not isinstance(event.start, datetime)
        assert event.end == day + timedelta(days=1)
        assert "Monday 9 December 2024 meeting" in str(event["SUMMARY"])
        assert COMMITTEE.lower() not in str(event["SUMMARY"]).lower()
        [alarm] = event.subcomponents
        assert alarm.name == "VALARM"
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert str(alarm["DESCRIPTION"])
        assert alarm["TRIGGER"].dt == timedelta(hours=-15)  # 09:00 the day before
    assert len(events_by_uid(build(deadlines=False))) == 3


def test_output_is_reproducible_and_order_independent() -> None:
    first = build()
    assert build() == first
    assert build(list(reversed(meetings()))) == first
    later = build(generated_at=datetime(2025, 1, 1, 12, 0, tzinfo=LONDON))
    differing = [(a, b) for a, b in zip(first.split(b"\r\n"), later.split(b"\r\n"), strict=True) if a != b]
    assert differing and all(a.startswith(b"DTSTAMP:") for a, _ in differing)


def test_uids_stay_the_same_when_a_meeting_changes() -> None:
    changed = meetings()
    changed[0] = dataclasses.replace(
        changed[0],
        start=datetime(2024, 12, 10, 18, 30, tzinfo=LONDON),
        end=datetime(2024, 12, 10, 21, 0, tzinfo=LONDON),
        venue="Room 118, Hackney Town Hall",
    )
    assert set(events_by_uid(build(changed))) == set(events_by_uid(build()))


def test_two_committees_meeting_on_the_same_evening_have_their_own_uids() -> None:
    lih = meetings()[0]
    hih = dataclasses.replace(lih, meeting_id="hih-2024-12-09", title="Health in Hackney Scrutiny Commission")
    uids = set(events_by_uid(build([lih, hih])))
    assert {meeting_uid("lih-2024-12-09", DOMAIN), meeting_uid("hih-2024-12-09", DOMAIN)} <= uids
    assert len(uids) == 2 * (1 + len(DEADLINE_KINDS))  # nothing shared between them


def test_lines_are_crlf_and_folded() -> None:
    data = build()
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 75


def test_empty_calendar_is_valid() -> None:
    calendar = Calendar.from_ical(build([]))
    assert calendar.events == [] and calendar.timezones == []


def test_round_trip_through_the_importer(tmp_path: Path) -> None:
    path = tmp_path / "export.ics"
    path.write_bytes(build())
    result = parse_meetings_ics(path, committee_match=[COMMITTEE], default_start_time=time(19), default_venue="x")
    got = {(m.uid, m.start, m.end, m.venue, m.cancelled) for m in result.meetings}
    want = {
        (meeting_uid(m.meeting_id, DOMAIN), m.start.astimezone(LONDON), m.end.astimezone(LONDON), m.venue, m.cancelled)
        for m in meetings()
    }
    assert got == want
    assert result.skipped == 9  # the deadline events are not meetings
    assert all(m.start.tzinfo == LONDON and not m.all_day for m in result.meetings)


@pytest.mark.parametrize(
    "change, words",
    [
        ({"start": datetime(2024, 12, 9, 19, 0)}, "start has no timezone"),
        ({"end": datetime(2024, 12, 9, 18, 0, tzinfo=LONDON)}, "ends before it starts"),
        ({"meeting_id": "lih 2024"}, "meeting_id 'lih 2024' must be non-empty"),
        ({"meeting_id": "a@b"}, "without spaces or '@'"),
        ({"meeting_id": ""}, "must be non-empty"),
    ],
)
def test_bad_meetings_raise_scrutiny_error(change: dict[str, object], words: str) -> None:
    bad = [dataclasses.replace(meetings()[0], **change)]  # type: ignore[arg-type]
    with pytest.raises(ScrutinyError, match="calendar export") as info:
        build(bad)
    assert words in str(info.value)


def test_other_bad_arguments() -> None:
    with pytest.raises(ScrutinyError, match="used twice"):
        build([meetings()[0], meetings()[0]])
    with pytest.raises(ScrutinyError, match="generated_at has no timezone"):
        build(generated_at=datetime(2024, 9, 2, 8, 30))
    with pytest.raises(ScrutinyError, match="uid_domain"):
        build_calendar(
            committee_name=COMMITTEE, meetings=[], deadlines=False, uid_domain="bad domain", generated_at=GENERATED
        )
    with pytest.raises(ScrutinyError, match="committee name is empty"):
        build_calendar(committee_name=" ", meetings=[], deadlines=False, uid_domain=DOMAIN, generated_at=GENERATED)
