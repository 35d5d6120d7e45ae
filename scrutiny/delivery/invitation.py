"""An iCalendar meeting invitation (METHOD:REQUEST) for the meeting a letter invites to."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

from scrutiny.delivery.addresses import bare_address, header_text
from scrutiny.errors import ScrutinyError

LONDON = ZoneInfo("Europe/London")


def _london_timezone() -> Timezone:
    """A compact VTIMEZONE with the current UK rules (last Sunday of March / October)."""
    zone = Timezone()
    zone.add("tzid", "Europe/London")
    summer = TimezoneDaylight()
    summer.add("tzname", "BST")
    summer.add("dtstart", datetime(1981, 3, 29, 1, 0))
    summer.add("tzoffsetfrom", datetime(2000, 1, 1, tzinfo=UTC).utcoffset())
    summer.add("tzoffsetto", datetime(2000, 7, 1, tzinfo=LONDON).utcoffset())
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = TimezoneStandard()
    winter.add("tzname", "GMT")
    winter.add("dtstart", datetime(1996, 10, 27, 2, 0))
    winter.add("tzoffsetfrom", datetime(2000, 7, 1, tzinfo=LONDON).utcoffset())
    winter.add("tzoffsetto", datetime(2000, 1, 1, tzinfo=UTC).utcoffset())
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


def _in_london(value: datetime) -> datetime:
    # A naive time is a time on the council's clock.
    if value.tzinfo is None:
        return value.replace(tzinfo=LONDON)
    return value.astimezone(LONDON)


def build_meeting_invitation(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    venue: str,
    summary: str,
    organiser_email: str,
    attendee_email: str,
    organiser_name: str | None = None,
    prodid: str,
    sequence: int = 0,
    stamp: datetime | None = None,
) -> bytes:
    """A VCALENDAR with METHOD:REQUEST, one VEVENT and the Europe/London VTIMEZONE.

    ``uid`` must stay the same for the same meeting and attendee so that a re-sent or
    updated invitation (higher ``sequence``) replaces the earlier one in the calendar.
    """
    uid = header_text("invitation uid", uid)
    start_local, end_local = _in_london(start), _in_london(end)
    if end_local <= start_local:
        raise ScrutinyError(f"meeting invitation {uid}: ends ({end}) before it starts ({start})")
    organiser = vCalAddress(f"mailto:{bare_address('organiser', organiser_email)}")
    if organiser_name:
        organiser.params["cn"] = header_text("organiser name", organiser_name)
    attendee = vCalAddress(f"mailto:{bare_address('attendee', attendee_email)}")
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "NEEDS-ACTION"
    attendee.params["rsvp"] = "TRUE"

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", _in_london(stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", start_local)
    event.add("dtend", end_local)
    event.add("summary", header_text("invitation summary", summary))
    event.add("location", header_text("invitation venue", venue))
    event.add("organizer", organiser)
    event.add("attendee", attendee)
    event.add("sequence", sequence)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")

    calendar = Calendar()
    calendar.add("prodid", header_text("invitation prodid", prodid))
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    calendar.add_component(_london_timezone())
    calendar.add_component(event)
    return bytes(calendar.to_ical())
