"""WorkingDayCalendar: England and Wales working days, checked against known dates and
against GOV.UK's published bank holidays (the cached copy in govuk-bank-holidays)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.dates import abbreviated_date, weekday_abbreviated_date
from scrutiny.errors import ScrutinyError
from scrutiny.workdays import WorkingDayCalendar

CAL = WorkingDayCalendar()


# -- single days -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2022, 6, 2),  # Thu: spring bank holiday moved for the Platinum Jubilee
        date(2022, 6, 3),  # Fri: Platinum Jubilee (one-off)
        date(2022, 9, 19),  # Mon: state funeral of Queen Elizabeth II (one-off)
        date(2023, 5, 8),  # Mon: coronation of King Charles III (one-off)
        date(2023, 5, 1),  # Mon: early May bank holiday
        date(2026, 4, 3),  # Good Friday 2026
        date(2026, 4, 6),  # Easter Monday 2026
        date(2026, 5, 25),  # spring bank holiday 2026
        date(2026, 12, 25),  # Fri: Christmas Day
        date(2026, 12, 28),  # Mon: Boxing Day (26th is a Saturday) substitute
        date(2027, 1, 1),  # Fri: New Year's Day
        date(2027, 3, 26),  # Good Friday 2027
        date(2027, 3, 29),  # Easter Monday 2027
        date(2027, 12, 27),  # Mon: Christmas Day (Sat 25th) substitute
        date(2027, 12, 28),  # Tue: Boxing Day (Sun 26th) substitute
        date(2015, 12, 28),  # Mon: Boxing Day 2015 (Sat 26th) substitute
        date(2035, 12, 25),  # Tue: Christmas Day, far future
        date(2027, 1, 23),  # Saturday
        date(2027, 1, 24),  # Sunday
    ],
)
def test_non_working_days(day: date) -> None:
    assert not CAL.is_working_day(day)
    assert CAL.why_not_working(day) is not None


@pytest.mark.parametrize(
    "day",
    [
        date(2022, 6, 1),  # Wed before the jubilee weekend
        date(2022, 5, 30),  # Mon: in 2022 the spring bank holiday was moved off this day
        date(2023, 5, 9),  # Tue after the coronation
        date(2023, 5, 29) + timedelta(days=1),  # Tue after the spring bank holiday
        date(2026, 12, 24),  # Thu: Christmas Eve is a working day
        date(2026, 12, 29),  # Tue between Christmas and New Year
        date(2027, 12, 29),  # Wed: after the two 2027 substitute days
        date(2027, 1, 25),  # ordinary Monday
    ],
)
def test_working_days(day: date) -> None:
    assert CAL.is_working_day(day)
    assert CAL.why_not_working(day) is None


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2027, 1, 23), "Saturday"),
        (date(2027, 1, 24), "Sunday"),
        (date(2026, 12, 25), "Christmas Day (bank holiday)"),
        (date(2026, 12, 28), "Boxing Day (substitute bank holiday)"),
        (date(2023, 5, 8), "Coronation of Charles III (bank holiday)"),
        (date(2022, 9, 19), "State Funeral of Queen Elizabeth II (bank holiday)"),
        (date(2026, 5, 25), "Spring Bank Holiday"),
        (date(2026, 4, 3), "Good Friday (bank holiday)"),
        # Christmas 2027 is a Saturday: the weekend is the reason that day, and the
        # substitute Monday carries the holiday.
        (date(2027, 12, 25), "Saturday"),
        (date(2027, 12, 27), "Christmas Day (substitute bank holiday)"),
    ],
)
def test_why_not_working(day: date, reason: str) -> None:
    assert CAL.why_not_working(day) == reason


def test_date_formats() -> None:
    assert abbreviated_date(date(2021, 11, 9)) == "9 Nov 2021"
    assert weekday_abbreviated_date(date(2027, 1, 25)) == "Mon 25 Jan 2027"


# -- stepping ----------------------------------------------------------------------------


def test_previous_and_next_working_day_step_over_christmas_2026() -> None:
    # Thu 24 Dec 2026 is working; Fri 25 (Christmas), Sat 26, Sun 27, Mon 28 (Boxing Day
    # substitute) are not; Tue 29 is working.
    assert CAL.previous_working_day(date(2026, 12, 29)) == date(2026, 12, 24)
    assert CAL.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    # Strictly before / after, even from a working day.
    assert CAL.previous_working_day(date(2026, 12, 24)) == date(2026, 12, 23)
    assert CAL.next_working_day(date(2026, 12, 29)) == date(2026, 12, 30)


def test_on_or_before_and_on_or_after() -> None:
    assert CAL.on_or_before(date(2026, 12, 26)) == date(2026, 12, 24)
    assert CAL.on_or_after(date(2026, 12, 26)) == date(2026, 12, 29)
    assert CAL.on_or_before(date(2026, 12, 24)) == date(2026, 12, 24)
    assert CAL.on_or_after(date(2026, 12, 24)) == date(2026, 12, 24)
    # Coronation weekend 2023: Sat 6, Sun 7, Mon 8 May.
    assert CAL.on_or_before(date(2023, 5, 8)) == date(2023, 5, 5)
    assert CAL.on_or_after(date(2023, 5, 6)) == date(2023, 5, 9)


def test_subtract_and_add_working_days() -> None:
    # Mon 4 Jan 2027 minus 1: Sun 3, Sat 2, Fri 1 (New Year) skipped -> Thu 31 Dec 2026.
    assert CAL.subtract_working_days(date(2027, 1, 4), 1) == date(2026, 12, 31)
    # Tue 29 Dec 2026 minus 3: Thu 24 (1), Wed 23 (2), Tue 22 (3).
    assert CAL.subtract_working_days(date(2026, 12, 29), 3) == date(2026, 12, 22)
    # Thu 24 Dec 2026 plus 1 -> Tue 29 Dec; plus 4 -> 29, 30, 31 Dec, (1 Jan holiday,
    # weekend) Mon 4 Jan 2027.
    assert CAL.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert CAL.add_working_days(date(2026, 12, 24), 4) == date(2027, 1, 4)
    # Fri 2 Jun 2022 is the moved spring bank holiday; Fri 3 the jubilee: Wed 1 Jun + 1
    # is Mon 6 Jun.
    assert CAL.add_working_days(date(2022, 6, 1), 1) == date(2022, 6, 6)
    # n = 0 means "this day if it works, else the nearest one in that direction".
    assert CAL.subtract_working_days(date(2026, 12, 26), 0) == date(2026, 12, 24)
    assert CAL.add_working_days(date(2026, 12, 26), 0) == date(2026, 12, 29)
    with pytest.raises(ValueError):
        CAL.subtract_working_days(date(2026, 12, 26), -1)
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 12, 26), -1)


def test_non_working_days_between_is_inclusive_and_explained() -> None:
    found = CAL.non_working_days_between(date(2026, 12, 25), date(2027, 1, 4))
    assert found == [
        (date(2026, 12, 25), "Christmas Day (bank holiday)"),
        (date(2026, 12, 26), "Saturday"),
        (date(2026, 12, 27), "Sunday"),
        (date(2026, 12, 28), "Boxing Day (substitute bank holiday)"),
        (date(2027, 1, 1), "New Year's Day (bank holiday)"),
        (date(2027, 1, 2), "Saturday"),
        (date(2027, 1, 3), "Sunday"),
    ]
    assert CAL.non_working_days_between(date(2027, 1, 4), date(2026, 12, 25)) == []
    assert CAL.working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 3


# -- configuration -----------------------------------------------------------------------


def test_council_closures() -> None:
    cal = WorkingDayCalendar(
        extra_closures=[date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31), date(2026, 12, 26)]
    )
    assert cal.why_not_working(date(2026, 12, 29)) == "council closure"
    # A closure that is also a weekend or bank holiday gives the stronger reason.
    assert cal.why_not_working(date(2026, 12, 26)) == "Saturday"
    assert cal.why_not_working(date(2026, 12, 25)) == "Christmas Day (bank holiday)"
    # 24 Dec -> next: 25-28 holidays and weekend, 29-31 closures, 1 Jan holiday, weekend.
    assert cal.next_working_day(date(2026, 12, 24)) == date(2027, 1, 4)
    # The default calendar is unaffected.
    assert CAL.is_working_day(date(2026, 12, 29))


@pytest.mark.parametrize("name", ["ENG", "eng", "England", "WLS", "Wales"])
def test_known_subdivisions(name: str) -> None:
    cal = WorkingDayCalendar(name)
    assert cal.subdivision in {"ENG", "WLS"}
    assert not cal.is_working_day(date(2023, 5, 8))


def test_scotland_differs() -> None:
    # 2 Jan is a Scottish bank holiday, not an English one.
    assert not WorkingDayCalendar("SCT").is_working_day(date(2026, 1, 2))
    assert CAL.is_working_day(date(2026, 1, 2))


@pytest.mark.parametrize("name", ["XYZ", "", "London"])
def test_unknown_subdivision(name: str) -> None:
    with pytest.raises(ScrutinyError, match="subdivision") as info:
        WorkingDayCalendar(name)
    assert repr(name) in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("bad", ["2026-12-29", datetime(2026, 12, 29, 9, 0), 20261229])
def test_closure_must_be_a_date(bad: object) -> None:
    with pytest.raises(ScrutinyError, match="council closure day"):
        WorkingDayCalendar(extra_closures=[bad])  # type: ignore[list-item]


def test_holidays_are_loaded_lazily_per_year(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = holidays.country_holidays

    def counting(*args: object, **kwargs: object) -> object:
        if "years" in kwargs:
            calls.append(kwargs["years"])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(holidays, "country_holidays", counting)
    cal = WorkingDayCalendar()
    assert calls == []
    cal.is_working_day(date(2026, 12, 25))
    cal.is_working_day(date(2026, 12, 28))
    assert calls == [2026]
    cal.next_working_day(date(2026, 12, 31))
    assert calls == [2026, 2027]


# -- cross-check with GOV.UK -------------------------------------------------------------


@pytest.fixture(scope="module")
def govuk() -> object:
    from govuk_bank_holidays import bank_holidays as module

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("govuk-bank-holidays tried to use the network")

    original = module.requests.get
    module.requests.get = no_network  # type: ignore[assignment]
    try:
        yield module.BankHolidays(use_cached_holidays=True)
    finally:
        module.requests.get = original  # type: ignore[assignment]


def test_bank_holidays_agree_with_govuk(govuk: object) -> None:
    division = govuk.ENGLAND_AND_WALES  # type: ignore[attr-defined]
    published = govuk.get_holidays(division=division)  # type: ignore[attr-defined]
    years = sorted({item["date"].year for item in published})
    # The cached file covers at least 2012-2028; the one-offs must be among them.
    assert {2022, 2023} <= set(years) and len(years) >= 10
    for cal in (WorkingDayCalendar("ENG"), WorkingDayCalendar("WLS")):
        for year in years:
            theirs = {item["date"] for item in published if item["date"].year == year}
            ours = {day for day, _ in cal.bank_holidays_in(year)}
            assert ours == theirs, f"{cal.subdivision} {year}: differs by {sorted(ours ^ theirs)}"


def test_working_days_agree_with_govuk_day_by_day(govuk: object) -> None:
    division = govuk.ENGLAND_AND_WALES  # type: ignore[attr-defined]
    published = govuk.get_holidays(division=division)  # type: ignore[attr-defined]
    day = date(min(item["date"].year for item in published), 1, 1)
    last = date(max(item["date"].year for item in published), 12, 31)
    while day <= last:
        assert CAL.is_working_day(day) == govuk.is_work_day(day, division=division), day  # type: ignore[attr-defined]
        day += timedelta(days=1)


# -- properties --------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


def _count_working_strictly_between(start: date, end: date) -> int:
    return sum(CAL.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days))


@settings(max_examples=200, deadline=None)
@given(day=DAYS, n=st.integers(min_value=1, max_value=40))
def test_subtract_working_days_property(day: date, n: int) -> None:
    result = CAL.subtract_working_days(day, n)
    assert result < day
    assert CAL.is_working_day(result)
    # Exactly n-1 working days lie strictly between the result and the start.
    assert _count_working_strictly_between(result, day) == n - 1


@settings(max_examples=200, deadline=None)
@given(day=DAYS, n=st.integers(min_value=1, max_value=40))
def test_add_working_days_property(day: date, n: int) -> None:
    result = CAL.add_working_days(day, n)
    assert result > day
    assert CAL.is_working_day(result)
    assert _count_working_strictly_between(day, result) == n - 1


@settings(max_examples=200, deadline=None)
@given(day=DAYS, n=st.integers(min_value=0, max_value=40))
def test_add_undoes_subtract_on_working_days(day: date, n: int) -> None:
    start = CAL.on_or_before(day)
    assert CAL.add_working_days(CAL.subtract_working_days(start, n), n) == start


@settings(max_examples=200, deadline=None)
@given(day=DAYS)
def test_nearest_working_days(day: date) -> None:
    before, after = CAL.previous_working_day(day), CAL.next_working_day(day)
    assert before < day < after
    assert _count_working_strictly_between(before, day) == 0
    assert _count_working_strictly_between(day, after) == 0
    assert CAL.on_or_before(day) == (day if CAL.is_working_day(day) else before)
    assert CAL.on_or_after(day) == (day if CAL.is_working_day(day) else after)
