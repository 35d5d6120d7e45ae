"""The one place dates and times are written out for people, in the council's styles."""

from __future__ import annotations

import datetime as dt


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
