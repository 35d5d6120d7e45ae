"""The annual-update planner: where each recurring item goes and the reason recorded."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.errors import ScrutinyError
from scrutiny.planner import Commitment, MeetingSlot, Placement, add_months, plan_placements
from scrutiny.timetable import TimetableRules, compute_timetable
from scrutiny.workdays import WorkingDayCalendar

AS_OF = date(2026, 11, 20)  # a Friday in the 2026/27 municipal year


def slot(
    day: date,
    *,
    cancelled: bool = False,
    other: int = 0,
    capacity: int = 3,
    request_by: date | None = None,
) -> MeetingSlot:
    """A meeting whose ID is its committee prefix and ISO date; requests due nine weeks before by default."""
    return MeetingSlot(
        meeting_id=f"lih-{day.isoformat()}",
        meeting_date=day,
        cancelled=cancelled,
        other_substantive_items=other,
        capacity=capacity,
        request_by_date=request_by or day - timedelta(weeks=9),
    )


def item(
    key: str, last_taken: date, *, theme: str = "policing", pin: str | None = None, months: int = 12
) -> Commitment:
    return Commitment(key, f"Annual update {key}", theme, last_taken, months, pin)


# Request-by dates (nine weeks before): 9 Nov 2026 -> 7 Sep; 7 Dec 2026 -> 5 Oct;
# 25 Jan 2027 -> 23 Nov 2026; 8 Mar 2027 -> 4 Jan 2027; the rest are later still.
NOV_2026 = date(2026, 11, 9)
DEC_2026 = date(2026, 12, 7)
JAN_2027 = date(2027, 1, 25)
MAR_2027 = date(2027, 3, 8)
APR_2027 = date(2027, 4, 19)
JUN_2027 = date(2027, 6, 28)
SEP_2027 = date(2027, 9, 13)
DEC_2027 = date(2027, 12, 6)
JAN_2028 = date(2028, 1, 24)
DATES = [NOV_2026, DEC_2026, JAN_2027, MAR_2027, APR_2027, JUN_2027, SEP_2027, DEC_2027, JAN_2028]


def calendar_of(**changes: dict[str, object]) -> list[MeetingSlot]:
    """The year's meetings; `changes` maps 'YYYY_MM' style names to slot() overrides."""
    meetings = []
    for day in DATES:
        overrides = changes.get(f"m{day:%Y_%m}", {})
        meetings.append(slot(day, **overrides))  # type: ignore[arg-type]
    return meetings


def by_key(placements: list[Placement]) -> dict[str, Placement]:
    return {p.commitment: p for p in placements}


# -- due dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2020, 11, 9), 12, date(2021, 11, 9)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),  # clamped to the month's end
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 12, 9), 18, date(2028, 6, 9)),
        (date(2026, 5, 15), 24, date(2028, 5, 15)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected
    assert item("X", start, months=months).due_date == expected


# -- placement rules ---------------------------------------------------------------------


def test_overdue_item_goes_to_first_eligible_meeting() -> None:
    # Due 9 Nov 2021. 9 Nov 2026 is past; 7 Dec 2026's request deadline (5 Oct) has
    # passed; 25 Jan 2027's (23 Nov 2026) has not.
    [placement] = plan_placements([item("R15", date(2020, 11, 9))], calendar_of(), AS_OF)
    assert placement == Placement(
        commitment="R15",
        meeting_id="lih-2027-01-25",
        meeting_date=JAN_2027,
        due_date=date(2021, 11, 9),
        reason="due 9 Nov 2021, overdue; first meeting leaving 6 weeks for a response and "
        "with room: 25 Jan 2027; passed over 7 Dec 2026 (request deadline 5 Oct 2026 has passed)",
        pinned=False,
    )


def test_not_yet_due_item_goes_to_last_eligible_meeting_before_due() -> None:
    [placement] = plan_placements([item("R16", date(2026, 12, 9))], calendar_of(), AS_OF)
    assert (placement.meeting_id, placement.due_date) == ("lih-2027-12-06", date(2027, 12, 9))
    assert placement.reason == ("due 9 Dec 2027; last meeting before it with time for a response and room: 6 Dec 2027")
    assert not placement.pinned


def test_item_due_on_a_meeting_day_goes_to_that_meeting() -> None:
    [placement] = plan_placements([item("CSP", date(2026, 3, 8))], calendar_of(), AS_OF)
    assert placement.meeting_date == MAR_2027
    assert placement.reason == (
        "due 8 Mar 2027; last meeting on or before it with time for a response and room: 8 Mar 2027"
    )


def test_no_meeting_before_due_goes_to_first_after() -> None:
    # Due Tue 1 Dec 2026, not yet overdue; the only meeting before it (9 Nov) is past and
    # 7 Dec's request deadline has passed, so the first eligible after is 25 Jan 2027.
    [placement] = plan_placements([item("R9", date(2025, 12, 1))], calendar_of(), AS_OF)
    assert placement.meeting_date == JAN_2027
    assert placement.reason == (
        "due 1 Dec 2026; no meeting on or before it leaves 6 weeks for a response and has "
        "room, so the first one after: 25 Jan 2027; passed over 7 Dec 2026 (request deadline "
        "5 Oct 2026 has passed)"
    )


def test_request_deadline_today_is_still_eligible() -> None:
    # 25 Jan 2027's request deadline is Mon 23 Nov 2026: a letter issued that day is in time.
    commitments = [item("R15", date(2020, 11, 9))]
    on_the_day = plan_placements(commitments, calendar_of(), date(2026, 11, 23))
    assert on_the_day[0].meeting_date == JAN_2027
    day_after = plan_placements(commitments, calendar_of(), date(2026, 11, 24))
    assert day_after[0].meeting_date == MAR_2027
    assert "25 Jan 2027 (request deadline 23 Nov 2026 has passed)" in day_after[0].reason


def test_capacity_overdue_items_spill_to_the_next_meeting() -> None:
    # 25 Jan 2027 already has one other item and room for three: the first two overdue
    # items fill it, the third and fourth go on to 8 Mar 2027.
    commitments = [item(key, date(2021, 6, 1)) for key in ("A", "B", "C", "D")]
    result = by_key(plan_placements(commitments, calendar_of(m2027_01={"other": 1}), AS_OF))
    assert [result[k].meeting_date for k in "ABCD"] == [JAN_2027, JAN_2027, MAR_2027, MAR_2027]
    assert result["C"].reason.endswith(
        "passed over 7 Dec 2026 (request deadline 5 Oct 2026 has passed), 25 Jan 2027 (full: 3 of 3 items)"
    )


def test_capacity_with_empty_meeting_fourth_item_spills() -> None:
    commitments = [item(key, date(2021, 6, 1)) for key in ("A", "B", "C", "D")]
    result = by_key(plan_placements(commitments, calendar_of(), AS_OF))
    assert [result[k].meeting_date for k in "ABCD"] == [JAN_2027, JAN_2027, JAN_2027, MAR_2027]


def test_capacity_not_yet_due_items_spill_to_the_earlier_meeting() -> None:
    # Three items due 9 Dec 2027; 6 Dec 2027 has one other item, so two fit there and the
    # third goes to the last meeting before that with room, 13 Sep 2027.
    commitments = [item(key, date(2026, 12, 9)) for key in ("R16", "R17", "R18")]
    result = by_key(plan_placements(commitments, calendar_of(m2027_12={"other": 1}), AS_OF))
    assert [result[k].meeting_date for k in ("R16", "R17", "R18")] == [DEC_2027, DEC_2027, SEP_2027]
    assert result["R18"].reason == (
        "due 9 Dec 2027; last meeting before it with time for a response and room: "
        "13 Sep 2027; passed over 6 Dec 2027 (full: 3 of 3 items)"
    )


def test_full_meeting_with_other_items_is_skipped() -> None:
    [placement] = plan_placements(
        [item("R16", date(2026, 12, 9))],
        calendar_of(m2027_12={"other": 3}, m2027_09={"other": 4, "capacity": 4}),
        AS_OF,
    )
    assert placement.meeting_date == JUN_2027
    assert "13 Sep 2027 (full: 4 of 4 items), 6 Dec 2027 (full: 3 of 3 items)" in placement.reason


def test_cancelled_meetings_are_skipped() -> None:
    [placement] = plan_placements([item("R16", date(2026, 12, 9))], calendar_of(m2027_12={"cancelled": True}), AS_OF)
    assert placement.meeting_date == SEP_2027
    assert placement.reason.endswith("13 Sep 2027; passed over 6 Dec 2027 (cancelled)")


def test_same_theme_items_share_a_meeting_when_there_is_room() -> None:
    commitments = [item("R15", date(2020, 11, 9)), item("R16", date(2020, 12, 9))]
    result = plan_placements(commitments, calendar_of(), AS_OF)
    assert {p.meeting_date for p in result} == {JAN_2027}


def test_placements_are_ordered_by_due_date_then_key() -> None:
    commitments = [
        item("R16", date(2026, 12, 9)),
        item("B", date(2026, 3, 8)),
        item("A", date(2026, 3, 8)),
        item("R15", date(2020, 11, 9)),
    ]
    result = plan_placements(commitments, calendar_of(), AS_OF)
    assert [p.commitment for p in result] == ["R15", "A", "B", "R16"]


# -- pins --------------------------------------------------------------------------------


def test_pin_wins() -> None:
    [placement] = plan_placements([item("R16", date(2026, 12, 9), pin="lih-2027-03-08")], calendar_of(), AS_OF)
    assert placement == Placement(
        commitment="R16",
        meeting_id="lih-2027-03-08",
        meeting_date=MAR_2027,
        due_date=date(2027, 12, 9),
        reason="due 9 Dec 2027; pinned by an officer to 8 Mar 2027",
        pinned=True,
    )


def test_pinned_items_use_room_even_when_due_later() -> None:
    # 25 Jan 2027 has two other items and room for three. The pinned item is due later
    # than the overdue one, but the pin is honoured first and takes the last place.
    commitments = [
        item("R15", date(2020, 11, 9)),
        item("R16", date(2026, 12, 9), pin="lih-2027-01-25"),
    ]
    result = by_key(plan_placements(commitments, calendar_of(m2027_01={"other": 2}), AS_OF))
    assert result["R16"].meeting_date == JAN_2027 and result["R16"].pinned
    assert result["R15"].meeting_date == MAR_2027
    assert "25 Jan 2027 (full: 3 of 3 items)" in result["R15"].reason


def test_pin_to_a_full_or_late_meeting_still_wins_with_a_note() -> None:
    commitments = [
        item("R15", date(2020, 11, 9), pin="lih-2027-01-25"),
        item("R16", date(2026, 12, 9), pin="lih-2026-12-07"),
    ]
    result = by_key(plan_placements(commitments, calendar_of(m2027_01={"other": 3}), AS_OF))
    assert result["R15"].meeting_date == JAN_2027 and result["R15"].pinned
    assert result["R15"].reason == (
        "due 9 Nov 2021, overdue; pinned by an officer to 25 Jan 2027; note this puts 4 items "
        "on a meeting with room for 3"
    )
    assert result["R16"].meeting_date == DEC_2026 and result["R16"].pinned
    assert result["R16"].reason == (
        "due 9 Dec 2027; pinned by an officer to 7 Dec 2026; note its request deadline 5 Oct 2026 has passed"
    )


def test_pin_to_unknown_meeting_is_ignored() -> None:
    [placement] = plan_placements([item("R16", date(2026, 12, 9), pin="lih-2027-12-13")], calendar_of(), AS_OF)
    assert placement.meeting_date == DEC_2027
    assert not placement.pinned
    assert placement.reason == (
        "due 9 Dec 2027; last meeting before it with time for a response and room: 6 Dec 2027; "
        "pin to meeting 'lih-2027-12-13' ignored: no such meeting in the calendar"
    )


def test_pin_to_cancelled_meeting_is_ignored() -> None:
    [placement] = plan_placements(
        [item("R16", date(2026, 12, 9), pin="lih-2027-12-06")],
        calendar_of(m2027_12={"cancelled": True}),
        AS_OF,
    )
    assert placement.meeting_date == SEP_2027
    assert not placement.pinned
    assert placement.reason.endswith(
        "; pin to meeting 'lih-2027-12-06' (6 Dec 2027) ignored: that meeting is cancelled"
    )


# -- nothing fits ------------------------------------------------------------------------


def test_no_meetings_at_all() -> None:
    [placement] = plan_placements([item("R15", date(2020, 11, 9))], [], AS_OF)
    assert placement == Placement(
        commitment="R15",
        meeting_id=None,
        meeting_date=None,
        due_date=date(2021, 11, 9),
        reason="due 9 Nov 2021, overdue; not placed: no meeting in the calendar leaves 6 weeks "
        "for a response; add a meeting or pin the item to one",
        pinned=False,
    )


def test_only_late_or_cancelled_meetings() -> None:
    meetings = [slot(NOV_2026), slot(DEC_2026), slot(JAN_2027, cancelled=True)]
    [placement] = plan_placements([item("R16", date(2026, 12, 9))], meetings, AS_OF)
    assert placement.meeting_id is None
    assert placement.reason == (
        "due 9 Dec 2027; not placed: no meeting in the calendar leaves 6 weeks for a response; "
        "passed over 7 Dec 2026 (request deadline 5 Oct 2026 has passed), 25 Jan 2027 "
        "(cancelled); add a meeting or pin the item to one"
    )


def test_every_meeting_full() -> None:
    meetings = [slot(JAN_2027, other=3), slot(MAR_2027, capacity=0)]
    [placement] = plan_placements([item("R15", date(2020, 11, 9))], meetings, AS_OF, request_weeks=8)
    assert placement.meeting_id is None
    assert placement.reason == (
        "due 9 Nov 2021, overdue; not placed: no meeting in the calendar leaves 8 weeks for a "
        "response and has room; passed over 25 Jan 2027 (full: 3 of 3 items), 8 Mar 2027 "
        "(full: 0 of 0 items); add a meeting or pin the item to one"
    )


# -- input checks ------------------------------------------------------------------------


def test_duplicate_commitment_key() -> None:
    with pytest.raises(ScrutinyError, match="commitment 'R15' appears more than once"):
        plan_placements([item("R15", date(2020, 11, 9)), item("R15", date(2021, 1, 1))], calendar_of(), AS_OF)


def test_duplicate_meeting_id() -> None:
    with pytest.raises(ScrutinyError, match="meeting 'lih-2027-01-25' appears more than once"):
        plan_placements([], [slot(JAN_2027), slot(JAN_2027)], AS_OF)


def test_bad_interval_and_capacity() -> None:
    with pytest.raises(ScrutinyError, match="commitment 'R15': interval_months must be at least 1"):
        plan_placements([item("R15", date(2020, 11, 9), months=0)], [], AS_OF)
    with pytest.raises(ScrutinyError, match="meeting 'lih-2027-01-25': capacity"):
        plan_placements([], [slot(JAN_2027, capacity=-1)], AS_OF)


# -- with the real timetable -------------------------------------------------------------


def test_with_real_request_dates() -> None:
    # Using the statutory timetable, 25 Jan 2027's request-by date is Fri 27 Nov 2026.
    cal, rules = WorkingDayCalendar(), TimetableRules()
    meetings = [
        replace(slot(day), request_by_date=compute_timetable(day, rules, cal).request_by_date)
        for day in (DEC_2026, JAN_2027, MAR_2027)
    ]
    assert meetings[1].request_by_date == date(2026, 11, 27)
    on_time = plan_placements([item("R15", date(2020, 11, 9))], meetings, date(2026, 11, 27))
    assert on_time[0].meeting_date == JAN_2027
    late = plan_placements([item("R15", date(2020, 11, 9))], meetings, date(2026, 11, 30))
    assert late[0].meeting_date == MAR_2027


# -- determinism and invariants ----------------------------------------------------------


def _scenario() -> tuple[list[Commitment], list[MeetingSlot]]:
    commitments = [
        item("R15", date(2020, 11, 9)),
        item("R16", date(2026, 12, 9), pin="lih-2027-09-13"),
        item("CSP", date(2026, 3, 8), theme="csp"),
        item("A", date(2021, 6, 1)),
        item("B", date(2021, 6, 1)),
        item("C", date(2026, 12, 9)),
        item("D", date(2026, 12, 9), pin="gone"),
        item("E", date(2027, 1, 1), months=6),
    ]
    return commitments, calendar_of(m2027_01={"other": 1}, m2027_06={"cancelled": True})


def test_same_input_same_output() -> None:
    commitments, meetings = _scenario()
    first = plan_placements(commitments, meetings, AS_OF)
    assert plan_placements(commitments, meetings, AS_OF) == first
    assert len(first) == len(commitments)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_shuffled_input_same_output(seed: int) -> None:
    commitments, meetings = _scenario()
    expected = plan_placements(commitments, meetings, AS_OF)
    rng = random.Random(seed)
    rng.shuffle(commitments)
    rng.shuffle(meetings)
    assert plan_placements(commitments, meetings, AS_OF) == expected


MEETING_DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 12, 31))


@st.composite
def planning_inputs(draw: st.DrawFn) -> tuple[list[Commitment], list[MeetingSlot], date]:
    days = draw(st.lists(MEETING_DAYS, max_size=10, unique=True))
    meetings = [
        slot(
            day,
            cancelled=draw(st.booleans()),
            other=draw(st.integers(min_value=0, max_value=4)),
            capacity=draw(st.integers(min_value=0, max_value=4)),
            request_by=day - timedelta(days=draw(st.integers(min_value=30, max_value=90))),
        )
        for day in days
    ]
    ids = [m.meeting_id for m in meetings] + ["unknown"]
    commitments = [
        item(
            f"K{i}",
            draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2028, 12, 31))),
            months=draw(st.sampled_from([6, 12, 18])),
            pin=draw(st.none() | st.sampled_from(ids)),
        )
        for i in range(draw(st.integers(min_value=0, max_value=8)))
    ]
    as_of = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)))
    return commitments, meetings, as_of


@settings(max_examples=150, deadline=None)
@given(inputs=planning_inputs())
def test_planner_invariants(inputs: tuple[list[Commitment], list[MeetingSlot], date]) -> None:
    commitments, meetings, as_of = inputs
    result = plan_placements(commitments, meetings, as_of)
    by_id = {m.meeting_id: m for m in meetings}

    # One placement per commitment, in due-date-then-key order, with the right due date.
    assert [p.commitment for p in result] == [c.key for c in sorted(commitments, key=lambda c: (c.due_date, c.key))]
    due = {c.key: c.due_date for c in commitments}
    assert all(p.due_date == due[p.commitment] for p in result)

    counts = Counter(p.meeting_id for p in result if p.meeting_id is not None)
    for p in result:
        assert p.reason.startswith(f"due {p.due_date.day} ")
        if p.meeting_id is None:
            assert "not placed" in p.reason and not p.pinned
            continue
        meeting = by_id[p.meeting_id]
        assert p.meeting_date == meeting.meeting_date
        assert not meeting.cancelled  # neither planning nor a pin ever uses a cancelled one
        if p.pinned:
            assert "pinned by an officer" in p.reason
        else:
            assert meeting.request_by_date >= as_of
            # Unpinned items only go where there was room once pins were counted.
            assert meeting.other_substantive_items + counts[p.meeting_id] <= meeting.capacity

    # Re-running and shuffling change nothing.
    assert plan_placements(list(reversed(commitments)), list(reversed(meetings)), as_of) == result
