"""The shape of a committee's `meeting_pattern`: how an officer writes "Mondays at 19:00 in the
fourth week of June, the second week of July, …" so the product can draft the years nobody has
published yet.

    meeting_pattern:
      weekday: Monday
      start: "19:00"          # quoted: YAML reads 19:00 without quotes as a number
      venue: Council Chamber, Hackney Town Hall   # optional; else the committee's default venue
      year_starts: May        # first month of the municipal year (default May)
      on_holiday: next_working_day                # or previous_working_day, or skip
      months:                 # month: which of its Mondays (1-4, or last)
        June: 4
        July: 2

Week n of a month means the n-th such weekday in it (days 7n-6 to 7n), so "the second week of
July" is the second Monday of July. A fifth weekday exists only in some months, so it is written
`last` instead.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["LAST_WEEK", "MeetingPattern", "month_name", "parse_month", "parse_week", "parse_weekday"]

LAST_WEEK = -1  # how `last` is stored in `MeetingPattern.months`

HolidayPolicy = Literal["next_working_day", "previous_working_day", "skip"]

_MONTHS = {name.casefold(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.casefold(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_WEEKDAYS = {name.casefold(): number for number, name in enumerate(calendar.day_name)}
_WEEKDAYS |= {name.casefold(): number for number, name in enumerate(calendar.day_abbr)}
_WEEK_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": LAST_WEEK}
_WEEK_HELP = "write 1, 2, 3, 4 (or first … fourth) or last"


class _Strict(BaseModel):
    # The same strictness as scrutiny.config.schema: unknown keys are mistakes, values never change.
    model_config = ConfigDict(extra="forbid", frozen=True)


def month_name(month: int) -> str:
    """'June' for 6."""
    return calendar.month_name[month]


def parse_month(value: Any) -> int:
    """'June', 'jun', 'Sept' or 6 -> 6; anything else is a ValueError naming the value."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12:
        return value
    if isinstance(value, str) and value.strip().casefold() in _MONTHS:
        return _MONTHS[value.strip().casefold()]
    raise ValueError(f"{value!r} is not a month (write January … December, Jan … Dec or 1 … 12)")


def parse_weekday(value: Any) -> int:
    """'Monday' or 'mon' -> 0 (Python's weekday numbering); weekends are refused."""
    if isinstance(value, str) and value.strip().casefold() in _WEEKDAYS:
        number = _WEEKDAYS[value.strip().casefold()]
        if number >= 5:
            raise ValueError(f"{value!r} is not a working day; committees meet Monday to Friday")
        return number
    raise ValueError(f"{value!r} is not a weekday (write Monday … Friday)")


def parse_week(value: Any) -> int:
    """1-4, 'second' or 'last' -> 1-4 or LAST_WEEK."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= 4:
            return value
        if value == 5:
            raise ValueError("week 5 exists only in some months; write last for the last one")
    elif isinstance(value, str):
        text = value.strip().casefold()
        if text in _WEEK_WORDS:
            return _WEEK_WORDS[text]
        if text.isdigit():
            return parse_week(int(text))
    raise ValueError(f"week {value!r} is not a week of the month; {_WEEK_HELP}")


class MeetingPattern(_Strict):
    """When the committee usually meets: one weekday, one start time, one week per month."""

    weekday: int = Field(description="0 = Monday … 4 = Friday; written as a name in the file")
    start: dt.time | None = None  # None: the committee's default_start
    venue: str | None = Field(default=None, min_length=1)  # None: the committee's default_venue
    year_starts: int = 5  # first month of the municipal year; written as a name or number
    on_holiday: HolidayPolicy = "next_working_day"
    months: dict[int, int] = Field(description="month number -> week (1-4, or LAST_WEEK)")

    @field_validator("weekday", mode="before")
    @classmethod
    def _weekday(cls, value: Any) -> int:
        return parse_weekday(value)

    @field_validator("year_starts", mode="before")
    @classmethod
    def _year_starts(cls, value: Any) -> int:
        return parse_month(value)

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads 19:00 as 1140 (base 60); pydantic would take it as 00:19:00.
            raise ValueError("write the time in quotes, like '19:00' (YAML reads 19:00 without quotes as a number)")
        return value

    @field_validator("months", mode="before")
    @classmethod
    def _months(cls, value: Any) -> dict[int, int]:
        if not isinstance(value, dict) or not value:
            raise ValueError("give at least one month and its week, e.g. June: 2 (the second Monday of June)")
        months: dict[int, int] = {}
        for key, week in value.items():
            month = parse_month(key)
            if month in months:
                raise ValueError(f"{month_name(month)} is given twice")
            try:
                months[month] = parse_week(week)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        return months

    def municipal_months(self) -> list[int]:
        """The pattern's months in municipal-year order (May, June, …, April by default)."""
        return sorted(self.months, key=lambda month: (month - self.year_starts) % 12)

    def describe(self) -> str:
        """'Mondays at 19:00: 4th Monday of June, 2nd Monday of July, …' for explanations."""
        day = calendar.day_name[self.weekday]
        at = f" at {self.start:%H:%M}" if self.start else ""
        weeks = ", ".join(f"{_ordinal(self.months[m])} {day} of {month_name(m)}" for m in self.municipal_months())
        return f"{day}s{at}: {weeks}"


def _ordinal(week: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", LAST_WEEK: "last"}[week]
