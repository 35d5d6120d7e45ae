"""Working days for England and Wales: weekends, bank holidays and council closures.

Bank holidays come from the `holidays` package (which carries one-off holidays such as the
2022 state funeral and the 2023 coronation), loaded a year at a time when first needed.
Council-specific closure days (e.g. the days between Christmas and New Year) are added
from the committee's configuration.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import holidays

from scrutiny.errors import ScrutinyError

__all__ = ["WorkingDayCalendar"]

_ONE_DAY = timedelta(days=1)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_OBSERVED = " (observed)"


def _resolve_subdivision(subdivision: str) -> str:
    """Turn 'ENG', 'eng' or 'England' into the `holidays` code, or refuse it."""
    country = holidays.country_holidays("GB")
    supported: tuple[str, ...] = tuple(country.subdivisions)
    aliases: dict[str, str] = dict(getattr(country, "subdivisions_aliases", None) or {})
    text = str(subdivision).strip()
    if text.upper() in supported:
        return text.upper()
    for alias, code in aliases.items():
        if alias.casefold() == text.casefold():
            return code
    raise ScrutinyError(
        f"calendar subdivision {subdivision!r} is not a UK subdivision the holidays data "
        f"knows; use one of {', '.join(supported)} (ENG for England and Wales)"
    )


def _holiday_reason(name: str) -> str:
    """'Christmas Day (bank holiday)', 'Boxing Day (substitute bank holiday)'."""
    parts = []
    for part in name.split("; "):
        substitute = part.endswith(_OBSERVED)
        if substitute:
            part = part[: -len(_OBSERVED)]
        if "bank holiday" in part.casefold():
            parts.append(f"{part} (substitute day)" if substitute else part)
        else:
            parts.append(f"{part} ({'substitute ' if substitute else ''}bank holiday)")
    return "; ".join(parts)


class WorkingDayCalendar:
    """Which days count as working days for a committee's timetable.

    A working day is Monday to Friday and neither a bank holiday in the subdivision nor a
    council closure day. All methods are pure: the only state is a per-year cache of
    holiday data that never changes once loaded.
    """

    def __init__(self, subdivision: str = "ENG", extra_closures: Iterable[date] = ()) -> None:
        self.subdivision = _resolve_subdivision(subdivision)
        closures: set[date] = set()
        for item in extra_closures:
            # A datetime is a date subclass but never equals a date, so it would silently
            # never match: refuse it along with anything else that is not a plain date.
            if not isinstance(item, date) or isinstance(item, datetime):
                raise ScrutinyError(f"council closure day {item!r} is not a date (write it as YYYY-MM-DD)")
            closures.add(item)
        self.extra_closures: frozenset[date] = frozenset(closures)
        self._holidays: dict[date, str] = {}
        self._loaded_years: set[int] = set()

    def __repr__(self) -> str:
        return f"WorkingDayCalendar(subdivision={self.subdivision!r}, extra_closures={sorted(self.extra_closures)!r})"

    # -- holiday data -------------------------------------------------------------------

    def _load_year(self, year: int) -> None:
        if year in self._loaded_years:
            return
        data = holidays.country_holidays("GB", subdiv=self.subdivision, years=year)
        for day, name in data.items():
            self._holidays.setdefault(day, name)
        self._loaded_years.add(year)

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name from the data (e.g. 'Christmas Day (observed)'), or None."""
        self._load_year(day.year)
        return self._holidays.get(day)

    def bank_holidays_in(self, year: int) -> list[tuple[date, str]]:
        """The weekday bank holidays of a year (the days actually off), oldest first.

        A holiday that falls at a weekend is left out: its substitute day is listed
        instead, which is how GOV.UK publishes the England and Wales dates.
        """
        self._load_year(year)
        return sorted((day, self._holidays[day]) for day in self._holidays if day.year == year and day.weekday() < 5)

    # -- single days --------------------------------------------------------------------

    def why_not_working(self, day: date) -> str | None:
        """Why a day is not a working day ('Saturday', 'Christmas Day (bank holiday)',
        'council closure'), or None when it is one."""
        if day.weekday() >= 5:
            return _WEEKDAY_NAMES[day.weekday()]
        name = self.holiday_name(day)
        if name is not None:
            return _holiday_reason(name)
        if day in self.extra_closures:
            return "council closure"
        return None

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a bank holiday or council closure."""
        return self.why_not_working(day) is None

    def previous_working_day(self, day: date) -> date:
        """The nearest working day strictly before `day`."""
        day -= _ONE_DAY
        while not self.is_working_day(day):
            day -= _ONE_DAY
        return day

    def next_working_day(self, day: date) -> date:
        """The nearest working day strictly after `day`."""
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def on_or_before(self, day: date) -> date:
        """`day` if it is a working day, else the previous working day."""
        return day if self.is_working_day(day) else self.previous_working_day(day)

    def on_or_after(self, day: date) -> date:
        """`day` if it is a working day, else the next working day."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    # -- counting -----------------------------------------------------------------------

    def subtract_working_days(self, day: date, n: int) -> date:
        """The n-th working day strictly before `day` (n=0: `on_or_before(day)`)."""
        if n < 0:
            raise ValueError(f"n must be non-negative, got {n}")
        if n == 0:
            return self.on_or_before(day)
        for _ in range(n):
            day = self.previous_working_day(day)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day strictly after `day` (n=0: `on_or_after(day)`)."""
        if n < 0:
            raise ValueError(f"n must be non-negative, got {n}")
        if n == 0:
            return self.on_or_after(day)
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie strictly between `start` and `end` ("clear" days)."""
        count = 0
        day = start + _ONE_DAY
        while day < end:
            count += self.is_working_day(day)
            day += _ONE_DAY
        return count

    def non_working_days_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """Every non-working day from `start` to `end` inclusive, oldest first, with the
        reason it is not a working day. Empty when `start` is after `end`."""
        found: list[tuple[date, str]] = []
        day = start
        while day <= end:
            reason = self.why_not_working(day)
            if reason is not None:
                found.append((day, reason))
            day += _ONE_DAY
        return found
