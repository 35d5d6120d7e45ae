"""The statutory timetable: hand-worked dates around bank holidays, rule validation,
explanations and properties over 2015-2035."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from scrutiny.errors import ScrutinyError
from scrutiny.timetable import (
    MeetingTimetable,
    TimetableRules,
    compute_timetable,
    explain_timetable,
)
from scrutiny.workdays import WorkingDayCalendar

CAL = WorkingDayCalendar()
RULES = TimetableRules()

# Each case: meeting -> publication, response due, request by, letter window opens,
# reminder, overdue notice, escalation. Worked by hand:
#   publication  = the 6th working day before the meeting (5 clear days in between)
#   due          = 5 working days before publication
#   request by   = due - 6 weeks, moved back if not a working day
#   window opens = due - 8 weeks, moved back if not a working day
#   reminder     = 5 working days before due; overdue = 1 after; escalation = 3 after
KNOWN = [
    pytest.param(
        # Mon 25 Jan 2027 (the brief's example). Working days back: Fri 22, Thu 21, Wed 20,
        # Tue 19, Mon 18 (5 clear), Fri 15 = publication. Due: Thu 14, Wed 13, Tue 12,
        # Mon 11, Fri 8 Jan. 8 Jan - 42 d = Fri 27 Nov 2026; - 56 d = Fri 13 Nov 2026.
        # Reminder: Thu 7, Wed 6, Tue 5, Mon 4, (Fri 1 Jan holiday) Thu 31 Dec 2026.
        # Overdue Mon 11 Jan; escalation Mon 11, Tue 12, Wed 13 Jan.
        date(2027, 1, 25),
        [
            date(2027, 1, 15),
            date(2027, 1, 8),
            date(2026, 11, 27),
            date(2026, 11, 13),
            date(2026, 12, 31),
            date(2027, 1, 11),
            date(2027, 1, 13),
        ],
        id="monday-no-holidays-2027-01-25",
    ),
    pytest.param(
        # Mon 11 Jan 2027, early January. Back: Fri 8, Thu 7, Wed 6, Tue 5, Mon 4 (5),
        # (Sun 3, Sat 2, Fri 1 New Year) Thu 31 Dec = publication. Due: Wed 30, Tue 29,
        # (Mon 28 Boxing Day substitute, Sun 27, Sat 26, Fri 25 Christmas) Thu 24, Wed 23,
        # Tue 22 Dec 2026. 22 Dec - 42 d = Tue 10 Nov; - 56 d = Tue 27 Oct 2026.
        # Reminder: Mon 21, Fri 18, Thu 17, Wed 16, Tue 15 Dec. Overdue Wed 23 Dec;
        # escalation Wed 23, Thu 24, (25-28 off) Tue 29 Dec.
        date(2027, 1, 11),
        [
            date(2026, 12, 31),
            date(2026, 12, 22),
            date(2026, 11, 10),
            date(2026, 10, 27),
            date(2026, 12, 15),
            date(2026, 12, 23),
            date(2026, 12, 29),
        ],
        id="early-january-over-christmas-2027-01-11",
    ),
    pytest.param(
        # Mon 13 Apr 2026, after Easter (Good Friday 3 Apr, Easter Monday 6 Apr). Back:
        # Fri 10, Thu 9, Wed 8, Tue 7 (4), (Mon 6, Sun 5, Sat 4, Fri 3 off) Thu 2 (5),
        # Wed 1 Apr = publication. Due: Tue 31, Mon 30, Fri 27, Thu 26, Wed 25 Mar.
        # 25 Mar - 42 d = Wed 11 Feb; - 56 d = Wed 28 Jan 2026. Reminder: Tue 24, Mon 23,
        # Fri 20, Thu 19, Wed 18 Mar. Overdue Thu 26; escalation Thu 26, Fri 27, Mon 30 Mar.
        date(2026, 4, 13),
        [
            date(2026, 4, 1),
            date(2026, 3, 25),
            date(2026, 2, 11),
            date(2026, 1, 28),
            date(2026, 3, 18),
            date(2026, 3, 26),
            date(2026, 3, 30),
        ],
        id="after-easter-2026-04-13",
    ),
    pytest.param(
        # Tue 6 Apr 2027, after Easter (Good Friday 26 Mar, Easter Monday 29 Mar). Back:
        # Mon 5, Fri 2, Thu 1, Wed 31, Tue 30 (5), (Mon 29 .. Fri 26 off) Thu 25 Mar =
        # publication. Due: Wed 24, Tue 23, Mon 22, Fri 19, Thu 18 Mar. 18 Mar - 42 d =
        # Thu 4 Feb; - 56 d = Thu 21 Jan 2027. Reminder Thu 11 Mar; overdue Fri 19 Mar;
        # escalation Fri 19, Mon 22, Tue 23 Mar.
        date(2027, 4, 6),
        [
            date(2027, 3, 25),
            date(2027, 3, 18),
            date(2027, 2, 4),
            date(2027, 1, 21),
            date(2027, 3, 11),
            date(2027, 3, 19),
            date(2027, 3, 23),
        ],
        id="after-easter-2027-04-06",
    ),
    pytest.param(
        # Tue 2 Jun 2026, after the spring bank holiday (Mon 25 May). Back: Mon 1 Jun,
        # Fri 29, Thu 28, Wed 27, Tue 26 (5), (Mon 25 off) Fri 22 May = publication. Due:
        # Thu 21, Wed 20, Tue 19, Mon 18, Fri 15 May. 15 May - 42 d = Fri 3 Apr, Good
        # Friday, so request by moves back to Thu 2 Apr. 15 May - 56 d = Fri 20 Mar.
        # Reminder: Thu 14, Wed 13, Tue 12, Mon 11, Fri 8 May. Overdue Mon 18 May;
        # escalation Mon 18, Tue 19, Wed 20 May.
        date(2026, 6, 2),
        [
            date(2026, 5, 22),
            date(2026, 5, 15),
            date(2026, 4, 2),
            date(2026, 3, 20),
            date(2026, 5, 8),
            date(2026, 5, 18),
            date(2026, 5, 20),
        ],
        id="spring-bank-holiday-and-good-friday-request-2026-06-02",
    ),
    pytest.param(
        # Mon 11 May 2026, after the early May bank holiday (Mon 4 May). Back: Fri 8,
        # Thu 7, Wed 6, Tue 5 (4), (Mon 4 off) Fri 1 May (5), Thu 30 Apr = publication.
        # Due: Wed 29, Tue 28, Mon 27, Fri 24, Thu 23 Apr. 23 Apr - 42 d = Thu 12 Mar;
        # - 56 d = Thu 26 Feb. Reminder Thu 16 Apr; overdue Fri 24; escalation Tue 28 Apr.
        date(2026, 5, 11),
        [
            date(2026, 4, 30),
            date(2026, 4, 23),
            date(2026, 3, 12),
            date(2026, 2, 26),
            date(2026, 4, 16),
            date(2026, 4, 24),
            date(2026, 4, 28),
        ],
        id="early-may-2026-05-11",
    ),
    pytest.param(
        # Mon 15 May 2023, after the coronation (Mon 8 May) and early May (Mon 1 May).
        # Back: Fri 12, Thu 11, Wed 10, Tue 9 (4), (Mon 8 off) Fri 5 (5), Thu 4 May =
        # publication. Due: Wed 3, Tue 2, (Mon 1 off) Fri 28, Thu 27, Wed 26 Apr.
        # 26 Apr - 42 d = Wed 15 Mar; - 56 d = Wed 1 Mar. Reminder: Tue 25, Mon 24, Fri 21,
        # Thu 20, Wed 19 Apr. Overdue Thu 27 Apr; escalation Thu 27, Fri 28, (Mon 1 May
        # off) Tue 2 May.
        date(2023, 5, 15),
        [
            date(2023, 5, 4),
            date(2023, 4, 26),
            date(2023, 3, 15),
            date(2023, 3, 1),
            date(2023, 4, 19),
            date(2023, 4, 27),
            date(2023, 5, 2),
        ],
        id="coronation-2023-05-15",
    ),
    pytest.param(
        # Mon 26 Sep 2022, after the state funeral (Mon 19 Sep). Back: Fri 23, Thu 22,
        # Wed 21, Tue 20 (4), (Mon 19 off) Fri 16 (5), Thu 15 Sep = publication. Due:
        # Wed 14, Tue 13, Mon 12, Fri 9, Thu 8 Sep. 8 Sep - 42 d = Thu 28 Jul; - 56 d =
        # Thu 14 Jul. Reminder Thu 1 Sep; overdue Fri 9 Sep; escalation Tue 13 Sep.
        date(2022, 9, 26),
        [
            date(2022, 9, 15),
            date(2022, 9, 8),
            date(2022, 7, 28),
            date(2022, 7, 14),
            date(2022, 9, 1),
            date(2022, 9, 9),
            date(2022, 9, 13),
        ],
        id="state-funeral-2022-09-26",
    ),
    pytest.param(
        # Mon 13 Jun 2022, after the jubilee (Thu 2 and Fri 3 Jun). Back: Fri 10, Thu 9,
        # Wed 8, Tue 7, Mon 6 (5), (Sun 5, Sat 4, Fri 3, Thu 2 off) Wed 1 Jun =
        # publication. Due: Tue 31, Mon 30, Fri 27, Thu 26, Wed 25 May. 25 May - 42 d =
        # Wed 13 Apr; - 56 d = Wed 30 Mar. Reminder Wed 18 May; overdue Thu 26 May;
        # escalation Thu 26, Fri 27, Mon 30 May (a working day in 2022).
        date(2022, 6, 13),
        [
            date(2022, 6, 1),
            date(2022, 5, 25),
            date(2022, 4, 13),
            date(2022, 3, 30),
            date(2022, 5, 18),
            date(2022, 5, 26),
            date(2022, 5, 30),
        ],
        id="jubilee-2022-06-13",
    ),
    pytest.param(
        # Tue 21 Feb 2023. Back: Mon 20, Fri 17, Thu 16, Wed 15, Tue 14 (5), Mon 13 Feb =
        # publication. Due: Fri 10, Thu 9, Wed 8, Tue 7, Mon 6 Feb. 6 Feb - 42 d = Mon
        # 26 Dec 2022 (Boxing Day), so request by moves back over Sun 25 and Sat 24 to
        # Fri 23 Dec 2022. 6 Feb - 56 d = Mon 12 Dec 2022. Reminder: Fri 3, Thu 2, Wed 1,
        # Tue 31, Mon 30 Jan. Overdue Tue 7 Feb; escalation Thu 9 Feb.
        date(2023, 2, 21),
        [
            date(2023, 2, 13),
            date(2023, 2, 6),
            date(2022, 12, 23),
            date(2022, 12, 12),
            date(2023, 1, 30),
            date(2023, 2, 7),
            date(2023, 2, 9),
        ],
        id="request-by-boxing-day-2023-02-21",
    ),
    pytest.param(
        # Sat 23 Jan 2027: a meeting on a non-working day is computed the same way. Back:
        # Fri 22, Thu 21, Wed 20, Tue 19, Mon 18 (5), Fri 15 Jan = publication; the rest
        # as for Mon 25 Jan 2027.
        date(2027, 1, 23),
        [
            date(2027, 1, 15),
            date(2027, 1, 8),
            date(2026, 11, 27),
            date(2026, 11, 13),
            date(2026, 12, 31),
            date(2027, 1, 11),
            date(2027, 1, 13),
        ],
        id="saturday-meeting-2027-01-23",
    ),
    pytest.param(
        # Mon 14 Jan 2019 (past year). Back: Fri 11, Thu 10, Wed 9, Tue 8, Mon 7 (5),
        # Fri 4 Jan = publication. Due: Thu 3, Wed 2, (Tue 1 Jan off) Mon 31, Fri 28,
        # Thu 27 Dec 2018 (Tue 25 and Wed 26 Dec off). 27 Dec - 42 d = Thu 15 Nov;
        # - 56 d = Thu 1 Nov 2018. Reminder: Mon 24, Fri 21, Thu 20, Wed 19, Tue 18 Dec.
        # Overdue Fri 28 Dec; escalation Fri 28, Mon 31 Dec, Wed 2 Jan 2019.
        date(2019, 1, 14),
        [
            date(2019, 1, 4),
            date(2018, 12, 27),
            date(2018, 11, 15),
            date(2018, 11, 1),
            date(2018, 12, 18),
            date(2018, 12, 28),
            date(2019, 1, 2),
        ],
        id="early-january-2019-01-14",
    ),
]


@pytest.mark.parametrize(("meeting", "expected"), KNOWN)
def test_known_timetables(meeting: date, expected: list[date]) -> None:
    assert compute_timetable(meeting, RULES, CAL) == MeetingTimetable(meeting, *expected)


def test_as_dict_uses_iso_dates() -> None:
    assert compute_timetable(date(2027, 1, 25), RULES, CAL).as_dict() == {
        "meeting_date": "2027-01-25",
        "publication_date": "2027-01-15",
        "response_due_date": "2027-01-08",
        "request_by_date": "2026-11-27",
        "letter_window_opens": "2026-11-13",
        "reminder_date": "2026-12-31",
        "overdue_date": "2027-01-11",
        "escalation_date": "2027-01-13",
    }


def test_council_closures_move_the_timetable() -> None:
    # Closing Tue 29 - Thu 31 Dec 2026 leaves Mon 11 Jan 2027's five clear days at Fri 8,
    # Thu 7, Wed 6, Tue 5, Mon 4, and the sixth working day back becomes Thu 24 Dec.
    closed = WorkingDayCalendar(extra_closures=[date(2026, 12, d) for d in (29, 30, 31)])
    timetable = compute_timetable(date(2027, 1, 11), RULES, closed)
    assert timetable.publication_date == date(2026, 12, 24)
    # Due: Wed 23, Tue 22, Mon 21, Fri 18, Thu 17 Dec.
    assert timetable.response_due_date == date(2026, 12, 17)


def test_custom_rules() -> None:
    rules = TimetableRules(
        clear_working_days_before_meeting=10,
        response_due_working_days_before_publication=3,
        request_weeks_before_due=4,
        letter_window_weeks_before_due=4,
        reminder_working_days_before_due=2,
        overdue_working_days_after_due=2,
        escalation_working_days_after_due=5,
    )
    # Mon 25 Jan 2027: ten clear working days are 22..18 and 15..11 Jan; publication is
    # the eleventh working day back, Fri 8 Jan. Due: Thu 7, Wed 6, Tue 5 Jan.
    # 5 Jan - 28 d = Tue 8 Dec 2026 for both request by and window. Reminder: Mon 4 Jan,
    # (Fri 1 off) Thu 31 Dec. Overdue: Wed 6, Thu 7. Escalation: 6, 7, 8, 11, 12 Jan.
    assert compute_timetable(date(2027, 1, 25), rules, CAL) == MeetingTimetable(
        meeting_date=date(2027, 1, 25),
        publication_date=date(2027, 1, 8),
        response_due_date=date(2027, 1, 5),
        request_by_date=date(2026, 12, 8),
        letter_window_opens=date(2026, 12, 8),
        reminder_date=date(2026, 12, 31),
        overdue_date=date(2027, 1, 7),
        escalation_date=date(2027, 1, 12),
    )


# -- rules validation --------------------------------------------------------------------


def test_rule_defaults() -> None:
    assert RULES.model_dump() == {
        "clear_working_days_before_meeting": 5,
        "response_due_working_days_before_publication": 5,
        "request_weeks_before_due": 6,
        "letter_window_weeks_before_due": 8,
        "reminder_working_days_before_due": 5,
        "overdue_working_days_after_due": 1,
        "escalation_working_days_after_due": 3,
    }


def test_rules_are_frozen() -> None:
    with pytest.raises(ValidationError):
        RULES.clear_working_days_before_meeting = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"clear_working_days_before_meeting": -1}, "greater than or equal to 0"),
        ({"request_weeks_before_due": 1.5}, "valid integer"),
        ({"reminder_working_days_before_due": True}, "valid integer"),
        ({"reminder_working_days_before_due": "five"}, "valid integer"),
        ({"escalation_working_days_after_due": 1000}, "less than or equal to 100"),
        ({"letter_window_weeks_before_due": 99}, "less than or equal to 52"),
        ({"clear_days": 5}, "Extra inputs are not permitted"),
        (
            {"request_weeks_before_due": 6, "letter_window_weeks_before_due": 4},
            "letter_window_weeks_before_due (4) must be at least request_weeks_before_due (6)",
        ),
        (
            {"request_weeks_before_due": 10},
            "letter_window_weeks_before_due (8) must be at least request_weeks_before_due (10)",
        ),
    ],
)
def test_invalid_rules(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        TimetableRules.model_validate(data)
    assert message in str(info.value)


def test_from_config_gives_one_line_scrutiny_errors() -> None:
    assert TimetableRules.from_config(None) == RULES
    assert TimetableRules.from_config({"request_weeks_before_due": 4}).request_weeks_before_due == 4
    with pytest.raises(ScrutinyError) as info:
        TimetableRules.from_config({"request_weeks_before_due": 9, "clear_days": 5}, source="committee.yaml: timetable")
    text = str(info.value)
    assert text.startswith("committee.yaml: timetable: ")
    assert "clear_days: is not a timetable setting" in text
    assert "\n" not in text
    with pytest.raises(ScrutinyError) as info:
        TimetableRules.from_config({"request_weeks_before_due": 9}, source="committee.yaml: timetable")
    assert str(info.value) == (
        "committee.yaml: timetable: letter_window_weeks_before_due (8) must be at least "
        "request_weeks_before_due (9): the letter window has to open before the date "
        "letters must go out by"
    )
    with pytest.raises(ScrutinyError, match="expected a mapping"):
        TimetableRules.from_config([5, 5], source="committee.yaml: timetable")  # type: ignore[arg-type]


# -- explanations ------------------------------------------------------------------------


def test_explanation_over_christmas() -> None:
    lines = explain_timetable(date(2027, 1, 11), RULES, CAL)
    assert len(lines) == 8
    assert lines[0] == "Meeting Mon 11 Jan 2027."
    assert lines[1] == (
        "Publication Thu 31 Dec 2026: the latest working day leaving five clear working days "
        "before the meeting, not counting the day of publication or the day of the meeting "
        "(stepped over two weekends and 1 Jan New Year's Day (bank holiday))."
    )
    assert lines[2] == (
        "Response due Tue 22 Dec 2026: five working days before publication (stepped over "
        "one weekend, 25 Dec Christmas Day (bank holiday) and 28 Dec Boxing Day (substitute "
        "bank holiday))."
    )
    assert lines[3].startswith("Request by Tue 10 Nov 2026: six weeks before the response due date")
    assert lines[4].startswith("Letter window opens Tue 27 Oct 2026: eight weeks before")
    assert lines[5].startswith("Reminder Tue 15 Dec 2026: five working days before")
    assert lines[6] == "Overdue notice Wed 23 Dec 2026: the first working day after the response due date."
    assert lines[7].startswith("Escalation Tue 29 Dec 2026: three working days after")
    assert "Christmas Day" in lines[7] and "copied to the Chair" in lines[7]


def test_explanation_of_a_moved_request_date() -> None:
    lines = explain_timetable(date(2023, 2, 21), RULES, CAL)
    assert lines[3] == (
        "Request by Fri 23 Dec 2022: six weeks before the response due date would be "
        "Mon 26 Dec 2022, not a working day (Boxing Day (bank holiday)), so it moves back "
        "to the previous working day (stepped over one weekend); request letters must have "
        "gone out by then."
    )
    good_friday = explain_timetable(date(2026, 6, 2), RULES, CAL)
    assert "would be Fri 3 Apr 2026, not a working day (Good Friday (bank holiday))" in good_friday[3]
    assert "25 May Spring Bank Holiday" in good_friday[1]


def test_explanation_names_one_off_holidays_and_odd_meeting_days() -> None:
    assert "8 May Coronation of Charles III" in explain_timetable(date(2023, 5, 15), RULES, CAL)[1]
    assert "19 Sep State Funeral" in explain_timetable(date(2022, 9, 26), RULES, CAL)[1]
    assert "3 Jun Platinum Jubilee" in explain_timetable(date(2022, 6, 13), RULES, CAL)[1]
    saturday = explain_timetable(date(2027, 1, 23), RULES, CAL)
    assert saturday[0] == (
        "Meeting Sat 23 Jan 2027: not a working day (Saturday); the timetable is worked out the same way."
    )


# -- properties --------------------------------------------------------------------------

MEETINGS = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def rules_strategy(draw: st.DrawFn) -> TimetableRules:
    request = draw(st.integers(min_value=0, max_value=12))
    return TimetableRules(
        clear_working_days_before_meeting=draw(st.integers(min_value=0, max_value=15)),
        response_due_working_days_before_publication=draw(st.integers(min_value=0, max_value=15)),
        request_weeks_before_due=request,
        letter_window_weeks_before_due=request + draw(st.integers(min_value=0, max_value=6)),
        reminder_working_days_before_due=draw(st.integers(min_value=0, max_value=15)),
        overdue_working_days_after_due=draw(st.integers(min_value=0, max_value=5)),
        escalation_working_days_after_due=draw(st.integers(min_value=0, max_value=10)),
    )


CLOSURES = st.lists(st.dates(min_value=date(2014, 9, 1), max_value=date(2035, 12, 31)), max_size=6)


def _clear_days(cal: WorkingDayCalendar, start: date, end: date) -> int:
    """Working days strictly between start and end, counted one by one."""
    return sum(cal.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days))


@settings(max_examples=150, deadline=None)
@given(meeting=MEETINGS, rules=rules_strategy(), closures=CLOSURES)
def test_timetable_properties(meeting: date, rules: TimetableRules, closures: list[date]) -> None:
    cal = WorkingDayCalendar(extra_closures=closures)
    t = compute_timetable(meeting, rules, cal)
    n = rules.clear_working_days_before_meeting

    # Publication leaves at least n clear working days and is the latest working day that does.
    assert cal.is_working_day(t.publication_date)
    assert _clear_days(cal, t.publication_date, meeting) >= n
    later = cal.next_working_day(t.publication_date)
    assert later >= meeting or _clear_days(cal, later, meeting) < n

    # Every derived date except the meeting is a working day.
    derived = [value for key, value in vars(t).items() if key != "meeting_date"]
    assert all(cal.is_working_day(day) for day in derived)

    # The response due date is exactly N working days before publication.
    m = rules.response_due_working_days_before_publication
    if m:
        assert _clear_days(cal, t.response_due_date, t.publication_date) == m - 1
    else:
        assert t.response_due_date == t.publication_date

    # Request-by and window are the latest working days on or before their raw dates.
    for weeks, result in (
        (rules.request_weeks_before_due, t.request_by_date),
        (rules.letter_window_weeks_before_due, t.letter_window_opens),
    ):
        raw = t.response_due_date - timedelta(weeks=weeks)
        assert result <= raw and _clear_days(cal, result, raw + timedelta(days=1)) == 0

    # Ordering, strict wherever the setting is positive.
    assert t.letter_window_opens <= t.request_by_date <= t.response_due_date
    assert t.response_due_date <= t.publication_date < meeting
    if rules.request_weeks_before_due:
        assert t.request_by_date < t.response_due_date
    if m:
        assert t.response_due_date < t.publication_date
    assert t.reminder_date <= t.response_due_date <= t.overdue_date
    assert t.response_due_date <= t.escalation_date
    if rules.reminder_working_days_before_due:
        assert t.reminder_date < t.response_due_date
    if rules.overdue_working_days_after_due:
        assert t.overdue_date > t.response_due_date
    if rules.overdue_working_days_after_due <= rules.escalation_working_days_after_due:
        assert t.overdue_date <= t.escalation_date


@settings(max_examples=100, deadline=None)
@given(meeting=MEETINGS)
def test_default_timetable_order_is_strict(meeting: date) -> None:
    t = compute_timetable(meeting, RULES, CAL)
    assert t.letter_window_opens < t.request_by_date < t.response_due_date
    assert t.response_due_date < t.publication_date < t.meeting_date
    assert t.reminder_date < t.response_due_date < t.overdue_date < t.escalation_date


@settings(max_examples=60, deadline=None)
@given(meeting=MEETINGS, rules=rules_strategy())
def test_explanations_match_the_dates(meeting: date, rules: TimetableRules) -> None:
    t = compute_timetable(meeting, rules, CAL)
    lines = explain_timetable(meeting, rules, CAL)
    labels = [
        "Meeting",
        "Publication",
        "Response due",
        "Request by",
        "Letter window opens",
        "Reminder",
        "Overdue notice",
        "Escalation",
    ]
    for line, label, day in zip(lines, labels, vars(t).values(), strict=True):
        assert line.startswith(f"{label} {day:%a} {day.day} {day:%b %Y}")
        assert line.endswith(".") and "\n" not in line


def test_every_setting_is_documented_with_its_default() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "timetable.md").read_text()
    for name, field in TimetableRules.model_fields.items():
        assert f"| `{name}` | {field.default} |" in doc, f"{name} is not documented"
