"""Provisional meetings from a meeting pattern: the bundled committee's dates, bank holidays,
real meetings replacing provisional ones, and the properties that hold for any pattern."""

from __future__ import annotations

import calendar as cal
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.calendar_pattern import (
    merge_with_real,
    municipal_year_label,
    municipal_year_of,
    nth_weekday,
    plan_pattern,
    provisional_meetings,
    superseded_by_real_calendar,
)
from scrutiny.config import load_committee_config
from scrutiny.config.pattern import LAST_WEEK, MeetingPattern
from scrutiny.errors import ScrutinyError
from scrutiny.ics_import import parse_meetings_ics
from scrutiny.settings import BUNDLED_CONFIG
from scrutiny.workdays import WorkingDayCalendar
from tests.factories import bundled_config_data, write_config

ENGLAND = WorkingDayCalendar("ENG")
LISTED_2026_27 = [
    dt.date(2026, 6, 22),
    dt.date(2026, 7, 13),
    dt.date(2026, 9, 14),
    dt.date(2026, 10, 12),
    dt.date(2026, 11, 9),
    dt.date(2026, 12, 7),
    dt.date(2027, 1, 25),
    dt.date(2027, 2, 22),
    dt.date(2027, 3, 22),
    dt.date(2027, 4, 19),
]


def _pattern(**fields: Any) -> MeetingPattern:
    return MeetingPattern.model_validate({"weekday": "Monday", "start": "19:00", **fields})


@pytest.fixture(scope="module")
def bundled() -> Any:
    return load_committee_config(BUNDLED_CONFIG)


# -- the bundled committee -----------------------------------------------------------------


def test_bundled_pattern_gives_exactly_the_listed_2026_27_dates(bundled: Any) -> None:
    assert [m.date for m in bundled.meetings] == LISTED_2026_27
    meetings = provisional_meetings(bundled.meeting_pattern, dt.date(2026, 12, 1), ENGLAND)
    this_year = [m for m in meetings if m.municipal_year == 2026]
    assert [m.date for m in this_year] == LISTED_2026_27
    assert [m.id_suffix for m in this_year] == [d.isoformat() for d in LISTED_2026_27]  # the listed meetings' IDs
    assert all(m.start == dt.time(19, 0) and m.venue is None and not m.moved for m in this_year)


@pytest.mark.parametrize("as_of", [dt.date(2026, 5, 1), dt.date(2026, 12, 1), dt.date(2027, 4, 30)])
def test_bundled_meetings_are_the_same_with_the_pattern(bundled: Any, as_of: dt.date) -> None:
    listed = [m.date for m in bundled.meetings]
    remaining = merge_with_real(provisional_meetings(bundled.meeting_pattern, as_of, ENGLAND), listed)
    # Every 2026/27 provisional meeting is replaced by its listed twin; what remains is 2027/28.
    assert remaining and {m.municipal_year for m in remaining} == {2027}
    assert not set(listed) & {m.date for m in remaining}


def test_bundled_committee_still_meets_in_2031(bundled: Any) -> None:
    as_of = dt.date(2031, 3, 1)
    listed = [m.date for m in bundled.meetings]
    meetings = merge_with_real(provisional_meetings(bundled.meeting_pattern, as_of, ENGLAND), listed)
    assert {m.municipal_year for m in meetings} == {2030, 2031}
    in_2031 = [m.date for m in meetings if m.date.year == 2031]
    assert dt.date(2031, 3, 24) in in_2031 and any(d > as_of for d in in_2031)
    assert len(in_2031) == 10  # Jan-Apr of 2030/31, Jun-Dec of 2031/32 (no August meeting)
    # The listed 2026/27 calendar says nothing about 2030/31, so these meetings still get letters.
    assert not any(superseded_by_real_calendar(m.date, listed) for m in meetings)


def test_easter_monday_moves_the_april_meeting_to_tuesday(bundled: Any) -> None:
    plan = plan_pattern(bundled.meeting_pattern, dt.date(2025, 1, 1), ENGLAND)
    april = next(m for m in plan.meetings if m.pattern_date == dt.date(2025, 4, 21))
    assert april.date == dt.date(2025, 4, 22) and april.id_suffix == "2025-04-22" and april.moved
    assert april.note == "Mon 21 Apr 2025 is Easter Monday (bank holiday): moved to the next working day"
    assert plan.skipped == []


# -- bank holidays and closures ------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "held_on"),
    [("next_working_day", dt.date(2026, 9, 1)), ("previous_working_day", dt.date(2026, 8, 28))],
)
def test_bank_holiday_moves_by_policy(policy: str, held_on: dt.date) -> None:
    pattern = _pattern(months={"August": "last"}, on_holiday=policy)
    (meeting,) = [m for m in provisional_meetings(pattern, dt.date(2026, 6, 1), ENGLAND) if m.municipal_year == 2026]
    assert meeting.pattern_date == dt.date(2026, 8, 31) and meeting.date == held_on
    assert "Late Summer Bank Holiday" in meeting.note


def test_bank_holiday_skipped_with_the_reason() -> None:
    pattern = _pattern(months={"Aug": "last", "Sep": 1}, on_holiday="skip")
    plan = plan_pattern(pattern, dt.date(2026, 6, 1), ENGLAND)
    (skipped,) = [s for s in plan.skipped if s.municipal_year == 2026]
    assert skipped.pattern_date == dt.date(2026, 8, 31)
    assert skipped.reason == "Mon 31 Aug 2026 is Late Summer Bank Holiday; the pattern skips it"
    assert dt.date(2026, 9, 7) in [m.date for m in plan.meetings]


def test_a_moved_meeting_never_lands_on_another_pattern_meeting() -> None:
    # 28 Dec 2026 is the Boxing Day substitute; with the office shut until the New Year the
    # next working day is 4 Jan 2027, which is already January's meeting.
    closures = [dt.date(2026, 12, 29), dt.date(2026, 12, 30), dt.date(2026, 12, 31)]
    calendar = WorkingDayCalendar("ENG", closures)
    plan = plan_pattern(_pattern(months={"December": "last", "January": 1}), dt.date(2026, 6, 1), calendar)
    assert dt.date(2027, 1, 4) in [m.date for m in plan.meetings]
    (skipped,) = [s for s in plan.skipped if s.municipal_year == 2026]
    assert skipped.pattern_date == dt.date(2026, 12, 28)
    assert skipped.reason.endswith("and the next working day already has a meeting")


def test_council_closure_moves_a_meeting() -> None:
    calendar = WorkingDayCalendar("ENG", [dt.date(2026, 7, 13)])
    meetings = provisional_meetings(_pattern(months={"July": 2}), dt.date(2026, 6, 1), calendar)
    assert meetings[0].date == dt.date(2026, 7, 14) and "council closure" in meetings[0].note


# -- real meetings -------------------------------------------------------------------------


def test_imported_calendar_replaces_provisional_meetings(bundled: Any, tmp_path: Path) -> None:
    # The council publishes 2027/28: June as the pattern says, July a week later than the pattern.
    events = [("a1", "20270628T190000"), ("a2", "20270719T190000"), ("a3", "20270913T190000")]
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{uid}@hackney.example\r\nDTSTAMP:20270501T090000Z\r\n"
        f"DTSTART;TZID=Europe/London:{start}\r\nSUMMARY:Living in Hackney Scrutiny Commission\r\nEND:VEVENT\r\n"
        for uid, start in events
    )
    path = tmp_path / "council.ics"
    path.write_text(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n")
    imported = parse_meetings_ics(
        path, committee_match=["Living in Hackney"], default_start_time=dt.time(19), default_venue="Town Hall"
    )
    real = [m.date for m in bundled.meetings] + [m.start.date() for m in imported.meetings]
    provisional = provisional_meetings(bundled.meeting_pattern, dt.date(2027, 8, 1), ENGLAND)
    remaining = merge_with_real(provisional, real)
    dates = [m.date for m in remaining]
    assert dt.date(2027, 6, 28) not in dates and dt.date(2027, 9, 13) not in dates  # replaced by the real ones
    assert dt.date(2027, 7, 12) in dates  # a different day: kept, but ...
    letters = [m.date for m in remaining if not superseded_by_real_calendar(m.date, real)]
    assert dt.date(2027, 7, 12) not in letters  # ... the real calendar covers July: no letters
    assert letters[0] == dt.date(2027, 10, 11)  # after the real calendar's last month, letters again
    assert all(d > dt.date(2027, 9, 30) for d in letters)


@pytest.mark.parametrize(
    ("real", "expected"),
    [
        ([], False),
        ([dt.date(2027, 7, 19)], True),  # same month, another day
        ([dt.date(2027, 7, 1)], True),  # same month, earlier day
        ([dt.date(2027, 7, 12)], True),  # the same day
        ([dt.date(2028, 3, 27)], True),  # a later month of the same municipal year
        ([dt.date(2027, 6, 28)], False),  # only an earlier month: the real year stops before July
        ([dt.date(2028, 6, 26)], False),  # only a later municipal year
        ([dt.date(2027, 4, 19)], False),  # only the previous municipal year
    ],
)
def test_superseded_when_a_real_calendar_covers_the_month(real: list[dt.date], expected: bool) -> None:
    assert superseded_by_real_calendar(dt.date(2027, 7, 12), real) is expected


def test_superseded_follows_the_configured_year_start() -> None:
    real = [dt.date(2027, 2, 1)]
    assert superseded_by_real_calendar(dt.date(2026, 12, 7), real)  # May years: Dec 2026 and Feb 2027 share 2026/27
    assert not superseded_by_real_calendar(dt.date(2026, 12, 7), real, year_starts=1)  # calendar years do not


# -- municipal years -----------------------------------------------------------------------


def test_year_start_is_configurable() -> None:
    pattern = _pattern(months={"January": 2, "December": 1}, year_starts="January")
    dates = [m.date for m in provisional_meetings(pattern, dt.date(2027, 3, 1), ENGLAND)]
    assert dates == [dt.date(2027, 1, 11), dt.date(2027, 12, 6), dt.date(2028, 1, 10), dt.date(2028, 12, 4)]
    assert municipal_year_label(2027, 1) == "2027" and municipal_year_label(2026) == "2026/27"
    assert municipal_year_label(2099) == "2099/00"


def test_describe_reads_like_the_officer_wrote_it(bundled: Any) -> None:
    text = bundled.meeting_pattern.describe()
    assert text.startswith("Mondays at 19:00: 4th Monday of June, 2nd Monday of July")
    assert text.endswith("3rd Monday of April")


# -- the configuration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"June": "second", "jul": 2, "Sept": "2", 10: "last"}, {6: 2, 7: 2, 9: 2, 10: LAST_WEEK}),
        ({"DECEMBER": "First", "feb": "fourth"}, {12: 1, 2: 4}),
    ],
)
def test_months_accept_names_numbers_and_words(value: dict[Any, Any], expected: dict[int, int]) -> None:
    assert _pattern(months=value).months == expected


def _load_with_pattern(tmp_path: Path, pattern: dict[str, Any]) -> Any:
    data = bundled_config_data()
    data["meeting_pattern"] = pattern
    return load_committee_config(write_config(tmp_path / "committee.yaml", data))


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"wekday": "Monday", "months": {"June": 2}}, "meeting_pattern.weekday: Field required"),
        ({"weekday": "Monday", "months": {"June": 2}, "colour": "red"}, "meeting_pattern.colour: Extra inputs"),
        ({"weekday": "Saturday", "months": {"June": 2}}, "meeting_pattern.weekday: 'Saturday' is not a working day"),
        ({"weekday": "Mondy", "months": {"June": 2}}, "meeting_pattern.weekday: 'Mondy' is not a weekday"),
        ({"weekday": "Monday", "months": {"Jnue": 2}}, "meeting_pattern.months: 'Jnue' is not a month"),
        ({"weekday": "Monday", "months": {"June": 5}}, "meeting_pattern.months: June: week 5 exists only in some"),
        ({"weekday": "Monday", "months": {"June": "2nd"}}, "meeting_pattern.months: June: week '2nd' is not a week"),
        ({"weekday": "Monday", "months": {}}, "meeting_pattern.months: give at least one month"),
        ({"weekday": "Monday", "months": {"June": 2, "jun": 3}}, "meeting_pattern.months: June is given twice"),
        ({"weekday": "Monday", "months": {"June": 2}, "start": 1140}, "meeting_pattern.start: write the time in quot"),
        ({"weekday": "Monday", "months": {"June": 2}, "on_holiday": "cancel"}, "meeting_pattern.on_holiday: Input"),
        ({"weekday": "Monday", "months": {"June": 2}, "year_starts": "Spring"}, "meeting_pattern.year_starts: 'Spr"),
        ({"weekday": "Monday", "months": {"June": 2}, "venue": ""}, "meeting_pattern.venue: String should have"),
    ],
)
def test_pattern_mistakes_are_one_line_naming_the_key(tmp_path: Path, pattern: dict[str, Any], expected: str) -> None:
    with pytest.raises(ScrutinyError) as caught:
        _load_with_pattern(tmp_path, pattern)
    message = str(caught.value)
    assert "\n" not in message and expected in message, message


def test_unquoted_yaml_time_is_refused_not_misread(tmp_path: Path) -> None:
    text = BUNDLED_CONFIG.read_text(encoding="utf-8").replace(
        'start: "19:00"\n  year_starts', "start: 19:00\n  year_starts"
    )
    assert "start: 19:00\n" in text
    path = tmp_path / "committee.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScrutinyError, match=r"meeting_pattern\.start: write the time in quotes"):
        load_committee_config(path)


def test_a_committee_without_a_pattern_still_loads(tmp_path: Path) -> None:
    data = bundled_config_data()
    del data["meeting_pattern"]
    assert load_committee_config(write_config(tmp_path / "committee.yaml", data)).meeting_pattern is None


# -- properties ----------------------------------------------------------------------------

WEEKS = st.sampled_from([1, 2, 3, 4, "last"])
patterns = st.builds(
    lambda weekday, months, policy, starts, start: _pattern(
        weekday=weekday, months=months, on_holiday=policy, year_starts=starts, start=start
    ),
    st.sampled_from(list(cal.day_name)[:5]),
    st.dictionaries(st.integers(1, 12), WEEKS, min_size=1),
    st.sampled_from(["next_working_day", "previous_working_day", "skip"]),
    st.integers(1, 12),
    st.sampled_from(["09:30", "14:00", "19:00"]),
)
days = st.dates(dt.date(2020, 1, 1), dt.date(2040, 12, 31))
closure_sets = st.lists(st.dates(dt.date(2019, 12, 1), dt.date(2042, 12, 31)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(patterns, days, closure_sets)
def test_every_pattern_day_is_a_meeting_or_a_skip_with_a_reason(
    pattern: MeetingPattern, as_of: dt.date, closures: list[dt.date]
) -> None:
    calendar = WorkingDayCalendar("ENG", closures)
    plan = plan_pattern(pattern, as_of, calendar)
    first_year = municipal_year_of(as_of, pattern.year_starts)
    assert len(plan.meetings) + len(plan.skipped) == 2 * len(pattern.months)
    dates = [m.date for m in plan.meetings]
    assert dates == sorted(set(dates))  # oldest first, never two on one day
    for meeting in plan.meetings:
        assert calendar.is_working_day(meeting.date)
        assert meeting.id_suffix == meeting.date.isoformat()
        assert meeting.municipal_year in (first_year, first_year + 1)
        assert municipal_year_of(meeting.pattern_date, pattern.year_starts) == meeting.municipal_year
        assert meeting.pattern_date.weekday() == pattern.weekday
        assert meeting.pattern_date.month in pattern.months
        assert meeting.moved == bool(meeting.note) == (not calendar.is_working_day(meeting.pattern_date))
        if pattern.on_holiday == "skip":
            assert not meeting.moved
        elif pattern.on_holiday == "next_working_day":
            assert meeting.date >= meeting.pattern_date
        else:
            assert meeting.date <= meeting.pattern_date
    for skipped in plan.skipped:
        assert not calendar.is_working_day(skipped.pattern_date) and skipped.reason


@settings(max_examples=100, deadline=None)
@given(patterns, days, st.integers(0, 364))
def test_the_same_for_every_day_of_a_municipal_year(pattern: MeetingPattern, as_of: dt.date, shift: int) -> None:
    start = dt.date(municipal_year_of(as_of, pattern.year_starts), pattern.year_starts, 1)
    other = start + dt.timedelta(days=shift)
    if municipal_year_of(other, pattern.year_starts) != municipal_year_of(start, pattern.year_starts):
        other = start
    assert provisional_meetings(pattern, as_of, ENGLAND) == provisional_meetings(pattern, other, ENGLAND)


@settings(max_examples=100, deadline=None)
@given(st.integers(2000, 2100), st.integers(1, 12), st.integers(0, 4), WEEKS)
def test_nth_weekday_is_that_weekday_of_that_month(year: int, month: int, weekday: int, week: int | str) -> None:
    number = LAST_WEEK if week == "last" else int(week)
    day = nth_weekday(year, month, weekday, number)
    assert (day.year, day.month, day.weekday()) == (year, month, weekday)
    if number == LAST_WEEK:
        assert (day + dt.timedelta(days=7)).month != month
    else:
        assert (day.day - 1) // 7 + 1 == number


@settings(max_examples=100, deadline=None)
@given(patterns, days, st.lists(days, max_size=30))
def test_merge_keeps_exactly_the_provisional_meetings_on_days_without_a_real_one(
    pattern: MeetingPattern, as_of: dt.date, real: list[dt.date]
) -> None:
    provisional = provisional_meetings(pattern, as_of, ENGLAND)
    extra_real = real + [m.date for m in provisional[::3]]  # make sure some coincide
    remaining = merge_with_real(provisional, extra_real)
    assert remaining == [m for m in provisional if m.date not in set(extra_real)]
    assert merge_with_real(provisional, []) == provisional


@settings(max_examples=150, deadline=None)
@given(days, st.lists(days, max_size=20), st.lists(days, max_size=5), st.integers(1, 12))
def test_more_real_meetings_never_bring_letters_back(
    provisional: dt.date, real: list[dt.date], more: list[dt.date], year_starts: int
) -> None:
    before = superseded_by_real_calendar(provisional, real, year_starts=year_starts)
    after = superseded_by_real_calendar(provisional, real + more, year_starts=year_starts)
    assert after or not before
    assert superseded_by_real_calendar(provisional, [*real, provisional], year_starts=year_starts)
    other_years = [d for d in real if municipal_year_of(d, year_starts) != municipal_year_of(provisional, year_starts)]
    assert not superseded_by_real_calendar(provisional, other_years, year_starts=year_starts)
