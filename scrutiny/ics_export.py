"""Write a committee's meetings (and optionally their deadlines) as an iCalendar file.

The output is meant to be published and subscribed to, or imported into a calendar
client, again and again: every event has a UID derived from the meeting ID, so a client
updates the events it already has instead of adding copies, and the same data with the
same ``generated_at`` always gives the same bytes.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event, Timezone

from scrutiny import __version__
from scrutiny.errors import ScrutinyError

LONDON = zoneinfo.ZoneInfo("Europe/London")
PRODID = f"-//scrutiny-workflow//Scrutiny calendar {__version__}//EN"

# All-day deadline events start at 00:00 London; 15 hours earlier is 09:00 the day before.
DEADLINE_ALARM_TRIGGER = timedelta(hours=-15)


@dataclass(frozen=True)
class ExportMeeting:
    """A meeting and its timetable dates, as the calendar should show them."""

    meeting_id: str
    start: datetime  # timezone-aware
    end: datetime  # timezone-aware
    venue: str
    title: str
    agenda_items: Sequence[str]
    cancelled: bool
    request_by_date: date
    response_due_date: date
    publication_date: date


@dataclass(frozen=True)
class _DeadlineKind:
    kind: str  # goes into the UID: never change it, or subscribers get duplicates
    summary: str
    description: str
    alarm: str


_DEADLINE_KINDS: tuple[tuple[_DeadlineKind, str], ...] = (
    (
        _DeadlineKind(
            "request-by",
            "Send request letters",
            "Last day to send the request letters for the {committee} meeting on {meeting}.",
            "Request letters for the {meeting} meeting must go out tomorrow.",
        ),
        "request_by_date",
    ),
    (
        _DeadlineKind(
            "response-due",
            "Written responses due",
            "Written responses (reports) for the {committee} meeting on {meeting} are due.",
            "Written responses for the {meeting} meeting are due tomorrow.",
        ),
        "response_due_date",
    ),
    (
        _DeadlineKind(
            "publication",
            "Publish agenda",
            "Agenda and reports for the {committee} meeting on {meeting} must be published"
            " (five clear working days before the meeting).",
            "The agenda for the {meeting} meeting must be published tomorrow.",
        ),
        "publication_date",
    ),
)
DEADLINE_KINDS: tuple[str, ...] = tuple(k.kind for k, _ in _DEADLINE_KINDS)


def meeting_uid(meeting_id: str, uid_domain: str) -> str:
    """The UID of a meeting's event, e.g. ``meeting-2024-12-09@scrutiny.example.org``."""
    return f"meeting-{meeting_id}@{uid_domain}"


def deadline_uid(kind: str, meeting_id: str, uid_domain: str) -> str:
    """The UID of a deadline's event, e.g. ``deadline-response-due-2024-12-09@...``."""
    if kind not in DEADLINE_KINDS:
        raise ValueError(f"unknown deadline kind {kind!r}; expected one of {DEADLINE_KINDS}")
    return f"deadline-{kind}-{meeting_id}@{uid_domain}"


def build_calendar(
    *,
    committee_name: str,
    meetings: Sequence[ExportMeeting],
    deadlines: bool,
    uid_domain: str,
    generated_at: datetime,
) -> bytes:
    """The committee's calendar as iCalendar bytes.

    One event per meeting (times in Europe/London, with its VTIMEZONE); with
    ``deadlines``, also an all-day event with a reminder for each meeting's request-by,
    response-due and publication dates. ``generated_at`` (timezone-aware) becomes every
    event's DTSTAMP, so the output depends only on the arguments.
    """
    committee = committee_name.strip()
    if not committee:
        raise ScrutinyError("calendar export: the committee name is empty")
    _check_identifier(uid_domain, "uid_domain")
    if generated_at.tzinfo is None or generated_at.utcoffset() is None:
        raise ScrutinyError("calendar export: generated_at has no timezone")
    stamp = generated_at.astimezone(UTC).replace(microsecond=0)
    ordered = _validated(meetings)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.calendar_name = committee
    calendar.add("x-wr-timezone", "Europe/London")
    calendar.refresh_interval = timedelta(hours=12)
    calendar.add("x-published-ttl", "PT12H")  # Outlook's name for the refresh interval
    if ordered:
        # Cover only the years we use: the full 1970-2038 table is long and adds nothing.
        years = [m.start.astimezone(LONDON).year for m in ordered]
        years += [m.end.astimezone(LONDON).year for m in ordered]
        calendar.add_component(
            Timezone.from_tzid(
                "Europe/London",
                first_date=date(min(years), 1, 1),
                last_date=date(max(years) + 1, 1, 1),
            )
        )
    for meeting in ordered:
        calendar.add_component(_meeting_event(meeting, committee, uid_domain, stamp))
        if deadlines:
            for kind, attribute in _DEADLINE_KINDS:
                day: date = getattr(meeting, attribute)
                calendar.add_component(_deadline_event(meeting, kind, day, committee, uid_domain, stamp))
    return bytes(calendar.to_ical())


def _validated(meetings: Sequence[ExportMeeting]) -> list[ExportMeeting]:
    seen: set[str] = set()
    for meeting in meetings:
        name = f"calendar export: meeting {meeting.meeting_id!r}"
        _check_identifier(meeting.meeting_id, "meeting_id")
        if meeting.meeting_id in seen:
            raise ScrutinyError(f"{name}: meeting_id is used twice")
        seen.add(meeting.meeting_id)
        for field_name in ("start", "end"):
            value: datetime = getattr(meeting, field_name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ScrutinyError(f"{name}: {field_name} has no timezone")
        if meeting.end < meeting.start:  # aware datetimes in different zones compare in UTC
            raise ScrutinyError(f"{name}: ends before it starts")
    return sorted(meetings, key=lambda m: (m.start.astimezone(UTC), m.meeting_id))


def _check_identifier(value: str, what: str) -> None:
    """UIDs are built from these, so they must be plain tokens."""
    if not value or any(c.isspace() or not c.isprintable() or c == "@" for c in value):
        raise ScrutinyError(f"calendar export: {what} {value!r} must be non-empty, without spaces or '@'")


def _meeting_event(meeting: ExportMeeting, committee: str, uid_domain: str, stamp: datetime) -> Event:
    title = meeting.title.strip() or committee
    if committee.casefold() not in title.casefold():
        title = f"{committee}: {title}"  # so the event says whose meeting it is
    if meeting.cancelled:
        title = f"CANCELLED: {title}"
    event = Event()
    event.add("uid", meeting_uid(meeting.meeting_id, uid_domain))
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.start.astimezone(LONDON))
    event.add("dtend", meeting.end.astimezone(LONDON))
    event.add("summary", title)
    event.add("location", meeting.venue)
    event.add("description", _meeting_description(meeting, committee))
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if meeting.cancelled else "OPAQUE")
    return event


def _meeting_description(meeting: ExportMeeting, committee: str) -> str:
    lines = []
    if meeting.cancelled:
        lines += ["This meeting has been cancelled.", ""]
    lines.append(
        f"{committee}, {_long_date(meeting.start.astimezone(LONDON).date())}"
        f" at {meeting.start.astimezone(LONDON):%H:%M}"
    )
    lines.append(f"Venue: {meeting.venue}")
    lines.append("")
    items = [item.strip() for item in meeting.agenda_items if item.strip()]
    if items:
        lines.append("Agenda:")
        lines += [f"{number}. {item}" for number, item in enumerate(items, start=1)]
    else:
        lines.append("Agenda: to be confirmed.")
    lines.append("")
    lines.append(f"Request letters out by: {_long_date(meeting.request_by_date)}")
    lines.append(f"Written responses due: {_long_date(meeting.response_due_date)}")
    lines.append(f"Agenda published: {_long_date(meeting.publication_date)}")
    return "\n".join(lines)


def _deadline_event(
    meeting: ExportMeeting,
    kind: _DeadlineKind,
    day: date,
    committee: str,
    uid_domain: str,
    stamp: datetime,
) -> Event:
    meeting_day = _long_date(meeting.start.astimezone(LONDON).date())
    # The SUMMARY leaves out the committee name so that re-importing this file with the
    # committee's name as the match does not mistake a deadline for a meeting.
    summary = f"{kind.summary} ({meeting_day} meeting)"
    description = kind.description.format(committee=committee, meeting=meeting_day)
    if meeting.cancelled:
        summary = f"CANCELLED: {summary}"
        description = f"The meeting has been cancelled; this deadline no longer applies.\n\n{description}"
    event = Event()
    event.add("uid", deadline_uid(kind.kind, meeting.meeting_id, uid_domain))
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    if not meeting.cancelled:
        event.add_component(Alarm.new_display(kind.alarm.format(meeting=meeting_day), trigger=DEADLINE_ALARM_TRIGGER))
    return event


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _long_date(day: date) -> str:
    """``Monday 9 December 2024``, whatever the process locale (strftime's %A is not)."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"
