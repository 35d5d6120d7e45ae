"""The one place dates and times are written out for people, in the council's styles, and the
range of days the workflow works in."""

from __future__ import annotations

import datetime as dt

# The days a meeting, a deadline or an --as-of may fall on. Date rules step years back and
# forward (working days, municipal years, chaser ladders), so the calendar's own ends
# (0001-01-01, 9999-12-31) would overflow; no committee meets outside these.
EARLIEST = dt.date(1970, 1, 1)
LATEST = dt.date(2199, 12, 31)


def in_range(day: dt.date) -> bool:
    return EARLIEST <= day <= LATEST


def range_problem(day: dt.date) -> str:
    """Why a day is refused, for a one-line error: '0001-01-01 is outside 1970-01-01..2199-12-31'."""
    return (
        f"{day.isoformat()} is outside the days the workflow works in ({EARLIEST.isoformat()} to {LATEST.isoformat()})"
    )


def full_date(day: dt.date) -> str:
    """'25 January 2027': letters, e-mails and packs."""
    return f"{day.day} {day:%B %Y}"


def weekday_full_date(day: dt.date) -> str:
    """'Monday 25 January 2027': meeting dates and deadlines in letters and agendas."""
    return f"{day:%A} {full_date(day)}"


def abbreviated_date(day: dt.date) -> str:
    """'25 Jan 2027': reasons and explanations in tables."""
    return f"{day.day} {day:%b %Y}"


def weekday_abbreviated_date(day: dt.date) -> str:
    """'Mon 25 Jan 2027': timetable explanations."""
    return f"{day:%a} {abbreviated_date(day)}"


def day_and_month(day: dt.date) -> str:
    """'25 Dec': lists of days stepped over, where the year is already clear."""
    return f"{day.day} {day:%b}"


def clock_time(time: dt.time) -> str:
    """'7.00 pm', as agendas and letters give a start time."""
    hour = time.hour % 12 or 12
    return f"{hour}.{time.minute:02d} {'am' if time.hour < 12 else 'pm'}"
