"""Read a committee's meetings from an iCalendar (.ics) export.

The officer exports a calendar from Outlook, Google Calendar, Thunderbird or the council's
committee system and we pick out this committee's meetings. The file is untrusted input:
anything wrong with it becomes one ``ScrutinyError`` naming the file (and the event), and
nothing is returned unless every meeting in the file is usable (all-or-nothing).
"""

from __future__ import annotations

import warnings
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from icalendar import Calendar, Component, vBroken
from icalendar.timezone import tzp
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from scrutiny.dates import in_range, range_problem
from scrutiny.documents.reading import read_regular_file
from scrutiny.errors import ScrutinyError

LONDON = zoneinfo.ZoneInfo("Europe/London")

# Event properties we read; a parse error in any of them makes a meeting event unusable.
_USED_PROPERTIES = (
    "UID",
    "SUMMARY",
    "DTSTART",
    "DTEND",
    "DURATION",
    "LOCATION",
    "STATUS",
    "SEQUENCE",
    "RRULE",
    "RDATE",
    "RECURRENCE-ID",
)
_MAX_DETAIL = 80  # characters of raw input quoted in an error message


@dataclass(frozen=True)
class ImportedMeeting:
    """One meeting of the committee as found in the file (times in Europe/London)."""

    uid: str
    start: datetime
    end: datetime | None  # None for all-day events and events without DTEND/DURATION
    all_day: bool
    venue: str
    title: str
    cancelled: bool
    sequence: int


@dataclass(frozen=True)
class IcsImportResult:
    """The committee's meetings (sorted by start) and the events that were left out."""

    meetings: list[ImportedMeeting]
    skipped: int
    skipped_reasons: list[str] = field(default_factory=list)


class _EventProblem(Exception):
    """Internal: what is wrong with one meeting event; turned into a ScrutinyError."""


def parse_meetings_ics(
    path: Path,
    *,
    committee_match: Sequence[str],
    default_start_time: time,
    default_venue: str,
) -> IcsImportResult:
    """Read the meetings of one committee from an .ics file.

    An event is a meeting of the committee when its SUMMARY contains any of
    ``committee_match`` (case-insensitive). Other events, recurring events (RRULE/RDATE)
    and RECURRENCE-ID overrides are skipped and counted. Raises ScrutinyError (one line,
    naming the file and the event) for an unreadable file or an unusable meeting event.
    """
    source = "".join(c if c.isprintable() else "?" for c in str(path))  # keep it one line
    if isinstance(committee_match, str):  # a bare string would match letter by letter
        committee_match = [committee_match]
    needles = [m.casefold().strip() for m in committee_match if m and m.strip()]
    if not needles:
        raise ScrutinyError(f"{source}: no committee name to match events against")
    start_time = default_start_time.replace(tzinfo=None)
    data = _read_text(path, source)
    try:
        calendars = _parse_calendars(data, source)
        return _extract(
            calendars,
            source=source,
            needles=needles,
            default_start_time=start_time,
            default_venue=default_venue,
        )
    except ScrutinyError:
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary: no raw parser error escapes
        raise ScrutinyError(f"{source}: not a valid iCalendar file ({_describe(exc)})") from exc


MAX_ICS_BYTES = 50 << 20  # years of a whole council's calendar


def _read_text(path: Path, source: str) -> bytes:
    """The file's bytes, checked to be UTF-8 text (BOM removed)."""
    try:
        raw = read_regular_file(Path(path), MAX_ICS_BYTES)
    except FileNotFoundError as exc:
        raise ScrutinyError(f"{source}: file not found") from exc
    except IsADirectoryError as exc:
        raise ScrutinyError(f"{source}: is a directory, not an .ics file") from exc
    except OSError as exc:
        raise ScrutinyError(f"{source}: cannot read the file ({exc.strerror or exc})") from exc
    except ValueError as exc:  # e.g. a NUL byte in the file name
        raise ScrutinyError(f"{source}: not a usable file name ({exc})") from exc
    if not raw.strip():
        raise ScrutinyError(f"{source}: the file is empty")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ScrutinyError(f"{source}: UTF-16 text, not UTF-8; re-export the calendar as UTF-8")
    if b"\x00" in raw:
        raise ScrutinyError(f"{source}: not a text file (contains NUL bytes)")
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # byte order mark some Windows tools write
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScrutinyError(
            f"{source}: not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); re-export the calendar as UTF-8"
        ) from exc
    # Bytes, not str: icalendar treats a one-line str as a file name to open.
    return text.encode("utf-8")


def _parse_calendars(data: bytes, source: str) -> list[Calendar]:
    first = data.lstrip()[:15].upper()
    if not first.startswith(b"BEGIN:VCALENDAR"):
        if first.startswith(b"<"):
            raise ScrutinyError(f"{source}: looks like HTML or XML, not an iCalendar file")
        raise ScrutinyError(f"{source}: does not start with BEGIN:VCALENDAR")
    with warnings.catch_warnings():
        # icalendar warns when it guesses a vendor-prefixed TZID; we resolve TZIDs ourselves.
        warnings.simplefilter("ignore")
        components = Calendar.from_ical(data, multiple=True)
    if not components:
        raise ScrutinyError(f"{source}: no complete VCALENDAR (missing END:VCALENDAR?)")
    for component in components:
        if component.name != "VCALENDAR":
            raise ScrutinyError(f"{source}: top-level component is {_quote(component.name)}, not VCALENDAR")
    return components


def _extract(
    calendars: list[Calendar],
    *,
    source: str,
    needles: list[str],
    default_start_time: time,
    default_venue: str,
) -> IcsImportResult:
    meetings: list[ImportedMeeting] = []
    reasons: list[str] = []
    first_index_of_uid: dict[str, int] = {}
    index = 0
    for calendar in calendars:
        timezones = _TimezoneResolver(calendar)
        method_cancel = str(calendar.get("METHOD", "")).strip().upper() == "CANCEL"
        for event in calendar.subcomponents:
            if event.name != "VEVENT":
                continue
            index += 1
            label = _label(event, index)
            summary = _text(event.get("SUMMARY"))
            if not any(n in summary.casefold() for n in needles):
                reasons.append(f"{label}: not a meeting of this committee")
                continue
            if "RECURRENCE-ID" in event:
                reasons.append(f"{label}: RECURRENCE-ID override of a recurring event (not supported)")
                continue
            if "RRULE" in event or "RDATE" in event:
                reasons.append(f"{label}: recurring event (RRULE/RDATE); export single meetings instead")
                continue
            try:
                meeting = _meeting(
                    event,
                    timezones,
                    default_start_time=default_start_time,
                    default_venue=default_venue,
                    method_cancel=method_cancel,
                )
            except _EventProblem as problem:
                raise ScrutinyError(f"{source}: {label}: {problem}") from problem
            except Exception as exc:  # noqa: BLE001 - name the event, whatever went wrong
                raise ScrutinyError(f"{source}: {label}: could not be read ({_describe(exc)})") from exc
            if meeting.uid in first_index_of_uid:
                raise ScrutinyError(
                    f"{source}: {label}: duplicate UID, already used by event {first_index_of_uid[meeting.uid]}"
                )
            first_index_of_uid[meeting.uid] = index
            meetings.append(meeting)
    meetings.sort(key=lambda m: (m.start.astimezone(UTC), m.uid))
    return IcsImportResult(meetings=meetings, skipped=len(reasons), skipped_reasons=reasons)


def _meeting(
    event: Component,
    timezones: _TimezoneResolver,
    *,
    default_start_time: time,
    default_venue: str,
    method_cancel: bool,
) -> ImportedMeeting:
    _check_parse_errors(event)
    uid = _text(_single(event, "UID")).strip()
    if not uid:
        raise _EventProblem("no UID")
    start_prop = _single(event, "DTSTART")
    if start_prop is None:
        raise _EventProblem("no DTSTART")
    start_value = _date_value(start_prop, "DTSTART", timezones)
    all_day = not isinstance(start_value, datetime)
    end: datetime | None = None
    if all_day:
        start = datetime.combine(start_value, default_start_time, tzinfo=LONDON)
        end_prop = _single(event, "DTEND")
        if end_prop is not None:
            end_value = _date_value(end_prop, "DTEND", timezones)
            if isinstance(end_value, datetime):
                raise _EventProblem("DTSTART is a date but DTEND is a date-time")
            if end_value < start_value:
                raise _EventProblem(f"ends ({end_value}) before it starts ({start_value})")
    else:
        if not isinstance(start_value, datetime):
            raise _EventProblem("DTSTART is neither a date nor a date-time")
        start = start_value.astimezone(LONDON)
        end = _end(event, start, timezones)
    if not in_range(start.date()):
        raise _EventProblem(f"it starts on {range_problem(start.date())}")
    title = _text(_single(event, "SUMMARY")).strip()
    venue = _text(_single(event, "LOCATION")).strip() or default_venue
    status = _text(_single(event, "STATUS")).strip().upper()
    return ImportedMeeting(
        uid=uid,
        start=start,
        end=end,
        all_day=all_day,
        venue=venue,
        title=title,
        cancelled=status == "CANCELLED" or method_cancel,
        sequence=_sequence(event),
    )


def _end(event: Component, start: datetime, timezones: _TimezoneResolver) -> datetime | None:
    end_prop = _single(event, "DTEND")
    if end_prop is not None:
        end_value = _date_value(end_prop, "DTEND", timezones)
        if not isinstance(end_value, datetime):
            raise _EventProblem("DTSTART is a date-time but DTEND is a date")
        end = end_value.astimezone(LONDON)
    else:
        duration_prop = _single(event, "DURATION")
        if duration_prop is None:
            return None
        duration = getattr(duration_prop, "dt", None)
        if not isinstance(duration, timedelta):
            raise _EventProblem(f"DURATION is not a duration: {_quote(duration_prop)}")
        end = (start + duration).astimezone(LONDON)
    # Compare in UTC: within one zone Python compares wall times and ignores the fold, so an
    # end in the repeated hour after the autumn clock change would look earlier than it is.
    if end.astimezone(UTC) < start.astimezone(UTC):
        raise _EventProblem(f"ends ({end:%Y-%m-%d %H:%M}) before it starts ({start:%Y-%m-%d %H:%M})")
    return end


def _date_value(prop: Any, name: str, timezones: _TimezoneResolver) -> date | datetime:
    """A DATE or an aware DATE-TIME from a DTSTART/DTEND property."""
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime):
        tzid = prop.params.get("TZID") if getattr(prop, "params", None) else None
        if tzid:
            # icalendar may have used a zone cached from another file; resolve per file.
            return value.replace(tzinfo=timezones.resolve(str(tzid), name))
        if value.tzinfo is None:
            return value.replace(tzinfo=LONDON)  # floating time: the committee is in London
        return value  # UTC ("Z")
    if isinstance(value, date):
        return value
    raise _EventProblem(f"{name} is not a date or date-time: {_quote(prop)}")


def _sequence(event: Component) -> int:
    prop = _single(event, "SEQUENCE")
    if prop is None:
        return 0
    if isinstance(prop, vBroken) or not isinstance(prop, int) or prop < 0:
        raise _EventProblem(f"SEQUENCE is not a whole number: {_quote(prop)}")
    return int(prop)


def _check_parse_errors(event: Component) -> None:
    """icalendar keeps going past bad lines in an event; a meeting must not have any."""
    for prop_name, message in event.errors:
        if prop_name is None:
            raise _EventProblem(f"a line could not be parsed ({_clean(message)})")
        if prop_name.upper() in _USED_PROPERTIES:
            raw = event.get(prop_name)
            shown = raw[0] if isinstance(raw, list) else raw
            raise _EventProblem(f"bad {prop_name.upper()} value {_quote(shown)}")


def _single(event: Component, name: str) -> Any:
    value = event.get(name)
    if isinstance(value, list):
        raise _EventProblem(f"more than one {name}")
    return value


class _TimezoneResolver:
    """TZIDs of one file: Olson or Windows names, else the file's own VTIMEZONE."""

    def __init__(self, calendar: Calendar) -> None:
        self._components: dict[str, Component] = {}
        for component in calendar.subcomponents:
            if component.name == "VTIMEZONE" and "TZID" in component:
                self._components.setdefault(_text(component.get("TZID")), component)
        self._resolved: dict[str, tzinfo] = {}

    def resolve(self, tzid: str, prop_name: str) -> tzinfo:
        if tzid in self._resolved:
            return self._resolved[tzid]
        zone = _known_zone(tzid)
        if zone is None:
            component = self._components.get(tzid)
            if component is None:
                raise _EventProblem(f"{prop_name} has unknown TZID {_quote(tzid)} and the file has no VTIMEZONE for it")
            try:
                zone = tzp.create_timezone(component)
            except Exception as exc:  # noqa: BLE001 - a broken VTIMEZONE is bad input
                raise _EventProblem(f"VTIMEZONE {_quote(tzid)} is invalid ({_describe(exc)})") from exc
        self._resolved[tzid] = zone
        return zone


def _known_zone(tzid: str) -> tzinfo | None:
    """An IANA zone for a TZID: Olson name, Windows name or vendor-prefixed Olson name."""
    cleaned = tzid.strip().strip("/")
    candidates = [cleaned]
    if cleaned in WINDOWS_TO_OLSON:
        candidates.append(WINDOWS_TO_OLSON[cleaned])
    if tzid.strip().startswith("/"):  # e.g. /freeassociation.sourceforge.net/Europe/London
        parts = cleaned.split("/")
        candidates.extend("/".join(parts[i:]) for i in range(1, len(parts)))
    for candidate in candidates:
        if not candidate or candidate != candidate.strip():
            continue
        try:
            return zoneinfo.ZoneInfo(candidate)
        except Exception:  # noqa: BLE001 - not found, bad key, or a directory name
            continue
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return str(value)


def _label(event: Component, index: int) -> str:
    """How an error names an event: its position, SUMMARY and UID when it has them."""
    parts = []
    summary = _clean(_text(event.get("SUMMARY")).strip())
    if summary:
        parts.append(f'"{_shorten(summary)}"')
    uid = event.get("UID")
    if uid is not None and not isinstance(uid, list) and str(uid).strip():
        parts.append(f"UID {_shorten(_clean(str(uid).strip()))}")
    return f"event {index} ({', '.join(parts)})" if parts else f"event {index}"


def _quote(value: Any) -> str:
    raw = value.to_ical() if hasattr(value, "to_ical") else value
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    return repr(_shorten(str(raw)))


def _describe(exc: BaseException) -> str:
    message = _clean(str(exc))
    name = type(exc).__name__
    return _shorten(f"{name}: {message}" if message else name, 160)


def _clean(text: str) -> str:
    """One printable line: control characters become spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _shorten(text: str, limit: int = _MAX_DETAIL) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
