"""Provisional meetings from a committee's meeting pattern, so the calendar never runs out.

Pure functions, no database: the pattern (scrutiny.config.pattern.MeetingPattern) names a weekday
and, for each month the committee meets in, which week; this module turns that into dated
meetings for the current and the next municipal year, moves or skips the ones that fall on a
bank holiday or council closure, and decides how they give way to real meetings.

Rules (documented in docs/calendar-pattern.md):
- A municipal year starts on the 1st of `pattern.year_starts` (May by default: Hackney's year
  starts at the annual council meeting in May) and runs twelve months.
- A pattern day that is not a working day follows `pattern.on_holiday`: `next_working_day`
  (the default; a Monday bank holiday meeting moves to the Tuesday), `previous_working_day`, or
  `skip` (no meeting that month, with the reason kept). A moved meeting that would land on
  another pattern meeting's day is skipped instead, with the reason.
- A provisional meeting's ID suffix is the ISO date it is held on: the ID a meeting listed
  explicitly on that day gets, so confirming a provisional meeting keeps its identity.
- A real meeting (listed in the committee file or imported from the council's calendar)
  replaces a provisional one on the same day (`merge_with_real`).
- A real calendar covers a month when it has a meeting in that month or in a later month of the
  same municipal year; a provisional meeting in a covered month never gets letters
  (`superseded_by_real_calendar`), because the council's published year says when it meets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scrutiny.config.pattern import LAST_WEEK, MeetingPattern
from scrutiny.dates import weekday_abbreviated_date as short_date
from scrutiny.workdays import WorkingDayCalendar

__all__ = [
    "PatternPlan",
    "ProvisionalMeeting",
    "SkippedPatternDay",
    "merge_with_real",
    "municipal_year_label",
    "municipal_year_of",
    "nth_weekday",
    "plan_pattern",
    "provisional_meetings",
    "superseded_by_real_calendar",
]


@dataclass(frozen=True)
class ProvisionalMeeting:
    """A meeting the pattern expects; `start`/`venue` None mean the committee's defaults."""

    date: dt.date
    start: dt.time | None
    venue: str | None
    id_suffix: str  # the ISO date; the committee prefix is added by the caller
    pattern_date: dt.date  # the day the pattern named, before any holiday move
    municipal_year: int  # the calendar year the municipal year starts in: 2026 for 2026/27
    note: str = ""  # why the meeting is not on its pattern day, else ""

    @property
    def moved(self) -> bool:
        return self.date != self.pattern_date


@dataclass(frozen=True)
class SkippedPatternDay:
    """A pattern day with no meeting, and why."""

    pattern_date: dt.date
    municipal_year: int
    reason: str


@dataclass(frozen=True)
class PatternPlan:
    meetings: list[ProvisionalMeeting]
    skipped: list[SkippedPatternDay]


def municipal_year_of(day: dt.date, year_starts: int = 5) -> int:
    """The calendar year the municipal year containing `day` starts in (2026 for 1 Dec 2026)."""
    return day.year if day.month >= year_starts else day.year - 1


def municipal_year_label(start_year: int, year_starts: int = 5) -> str:
    """'2026/27' for a year starting in May 2026; '2026' for a year starting in January."""
    return str(start_year) if year_starts == 1 else f"{start_year}/{(start_year + 1) % 100:02d}"


def nth_weekday(year: int, month: int, weekday: int, week: int) -> dt.date:
    """The `week`-th `weekday` (0 = Monday) of the month, or its last one for LAST_WEEK."""
    if week == LAST_WEEK:
        next_month = dt.date(year + month // 12, month % 12 + 1, 1)
        last_day = next_month - dt.timedelta(days=1)
        return last_day - dt.timedelta(days=(last_day.weekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week - 1))


def _pattern_dates(pattern: MeetingPattern, start_year: int) -> list[dt.date]:
    dates = []
    for month in pattern.municipal_months():
        year = start_year if month >= pattern.year_starts else start_year + 1
        dates.append(nth_weekday(year, month, pattern.weekday, pattern.months[month]))
    return dates


def plan_pattern(pattern: MeetingPattern, as_of: dt.date, calendar: WorkingDayCalendar) -> PatternPlan:
    """Every pattern day of the municipal year containing `as_of` and of the next one: the
    meetings it gives (oldest first) and the days it skips (with the reason)."""
    first_year = municipal_year_of(as_of, pattern.year_starts)
    slots = [(year, day) for year in (first_year, first_year + 1) for day in _pattern_dates(pattern, year)]
    # Days that are working days keep their place first, so a moved meeting never displaces one.
    taken = {day for _, day in slots if calendar.is_working_day(day)}
    meetings: list[ProvisionalMeeting] = []
    skipped: list[SkippedPatternDay] = []
    for year, day in slots:
        why_not = calendar.why_not_working(day)
        held_on, note = day, ""
        if why_not is not None:
            if pattern.on_holiday == "skip":
                skipped.append(SkippedPatternDay(day, year, f"{short_date(day)} is {why_not}; the pattern skips it"))
                continue
            forward = pattern.on_holiday == "next_working_day"
            held_on = calendar.next_working_day(day) if forward else calendar.previous_working_day(day)
            direction = "next" if forward else "previous"
            if held_on in taken:
                skipped.append(
                    SkippedPatternDay(
                        day,
                        year,
                        f"{short_date(day)} is {why_not} and the {direction} working day already has a meeting",
                    )
                )
                continue
            taken.add(held_on)
            note = f"{short_date(day)} is {why_not}: moved to the {direction} working day"
        meetings.append(
            ProvisionalMeeting(
                date=held_on,
                start=pattern.start,
                venue=pattern.venue,
                id_suffix=held_on.isoformat(),
                pattern_date=day,
                municipal_year=year,
                note=note,
            )
        )
    meetings.sort(key=lambda meeting: meeting.date)
    return PatternPlan(meetings=meetings, skipped=skipped)


def provisional_meetings(
    pattern: MeetingPattern, as_of: dt.date, calendar: WorkingDayCalendar
) -> list[ProvisionalMeeting]:
    """The provisional meetings of the current and the next municipal year, oldest first.

    The same for every `as_of` within one municipal year, so re-running never changes them.
    """
    return plan_pattern(pattern, as_of, calendar).meetings


def merge_with_real(
    provisional: Sequence[ProvisionalMeeting], real_dates: Iterable[dt.date]
) -> list[ProvisionalMeeting]:
    """The provisional meetings still needed once the real ones are known, oldest first: a real
    meeting (listed explicitly or imported) replaces a provisional one on the same day."""
    real = set(real_dates)
    return sorted((meeting for meeting in provisional if meeting.date not in real), key=lambda meeting: meeting.date)


def superseded_by_real_calendar(
    provisional_date: dt.date, real_meeting_dates: Iterable[dt.date], *, year_starts: int = 5
) -> bool:
    """True when a real calendar covers the provisional meeting's month, so it gets no letters.

    A real calendar covers a month when it has a meeting in that month or in a later month of
    the same municipal year: the council publishes its calendar a municipal year at a time, so
    a real year that runs past a provisional meeting's month has already said whether the
    committee meets then. Pass every real meeting date, cancelled ones included.
    """
    year = municipal_year_of(provisional_date, year_starts)
    month = (provisional_date.year, provisional_date.month)
    return any(
        municipal_year_of(real, year_starts) == year and (real.year, real.month) >= month for real in real_meeting_dates
    )
