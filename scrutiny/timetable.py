"""The statutory timetable for one meeting: publication, response deadline, letters, chasers.

Every date is derived from the meeting date with the committee's `TimetableRules` and its
`WorkingDayCalendar`; `explain_timetable` says in words how each one was reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scrutiny.dates import day_and_month, weekday_abbreviated_date
from scrutiny.errors import ScrutinyError
from scrutiny.workdays import WorkingDayCalendar

__all__ = [
    "MeetingTimetable",
    "TimetableRules",
    "compute_timetable",
    "describe_validation_error",
    "explain_timetable",
]

# Upper bounds keep a typo (50 weeks for 5) from producing a nonsense timetable quietly.
_WorkingDays = Annotated[int, Field(strict=True, ge=0, le=100)]
_Weeks = Annotated[int, Field(strict=True, ge=0, le=52)]


class TimetableRules(BaseModel):
    """The committee's timetable settings (the `timetable:` block of its configuration)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clear_working_days_before_meeting: _WorkingDays = Field(
        default=5,
        description="Clear working days between publication and the meeting "
        "(neither the publication day nor the meeting day counts).",
    )
    response_due_working_days_before_publication: _WorkingDays = Field(
        default=5, description="Working days between the response due date and publication."
    )
    request_weeks_before_due: _Weeks = Field(
        default=6, description="Weeks before the response due date by which letters go out."
    )
    letter_window_weeks_before_due: _Weeks = Field(
        default=8, description="Weeks before the response due date at which letters may go out."
    )
    reminder_working_days_before_due: _WorkingDays = Field(
        default=5, description="Working days before the response due date to send a reminder."
    )
    overdue_working_days_after_due: _WorkingDays = Field(
        default=1, description="Working days after the response due date to send an overdue notice."
    )
    escalation_working_days_after_due: _WorkingDays = Field(
        default=3, description="Working days after the response due date to escalate to the Chair."
    )

    @model_validator(mode="after")
    def _window_before_deadline(self) -> TimetableRules:
        if self.letter_window_weeks_before_due < self.request_weeks_before_due:
            raise ValueError(
                f"letter_window_weeks_before_due ({self.letter_window_weeks_before_due}) must be "
                f"at least request_weeks_before_due ({self.request_weeks_before_due}): the "
                "letter window has to open before the date letters must go out by"
            )
        return self

    @classmethod
    def from_config(cls, data: Mapping[str, Any] | None, *, source: str = "timetable") -> TimetableRules:
        """Build the rules from a parsed config block, turning validation errors into one
        ScrutinyError line that names `source` and the offending setting."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ScrutinyError(f"{source}: expected a mapping of timetable settings, got {type(data).__name__}")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise ScrutinyError(f"{source}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem joined with '; ': 'request_weeks_before_due: Input should be ...'."""
    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "is not a timetable setting"
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


@dataclass(frozen=True)
class MeetingTimetable:
    """Every date the workflow needs for one meeting."""

    meeting_date: date
    publication_date: date
    response_due_date: date
    request_by_date: date
    letter_window_opens: date
    reminder_date: date
    overdue_date: date
    escalation_date: date

    def as_dict(self) -> dict[str, str]:
        return {name: value.isoformat() for name, value in asdict(self).items()}


def _publication(meeting_date: date, rules: TimetableRules, calendar: WorkingDayCalendar) -> date:
    # N clear working days strictly between publication and meeting, with publication
    # itself a working day: the latest such day is the (N+1)-th working day before.
    return calendar.subtract_working_days(meeting_date, rules.clear_working_days_before_meeting + 1)


def compute_timetable(meeting_date: date, rules: TimetableRules, calendar: WorkingDayCalendar) -> MeetingTimetable:
    """Derive a meeting's timetable. A meeting on a non-working day is computed the same way."""
    publication = _publication(meeting_date, rules, calendar)
    due = calendar.subtract_working_days(publication, rules.response_due_working_days_before_publication)
    return MeetingTimetable(
        meeting_date=meeting_date,
        publication_date=publication,
        response_due_date=due,
        request_by_date=calendar.on_or_before(due - timedelta(weeks=rules.request_weeks_before_due)),
        letter_window_opens=calendar.on_or_before(due - timedelta(weeks=rules.letter_window_weeks_before_due)),
        reminder_date=calendar.subtract_working_days(due, rules.reminder_working_days_before_due),
        overdue_date=calendar.add_working_days(due, rules.overdue_working_days_after_due),
        escalation_date=calendar.add_working_days(due, rules.escalation_working_days_after_due),
    )


# -- explanations ------------------------------------------------------------------------

_NUMBER_WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)


def _count(n: int, unit: str) -> str:
    """'five working days', 'one week', '25 working days'."""
    words = _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)
    if n == 1:
        unit = unit.removesuffix("s")
    return f"{words} {unit}"


def _stepped_over(calendar: WorkingDayCalendar, start: date, end: date) -> str:
    """' (stepped over 1 weekend and 25 Dec Christmas Day (bank holiday))' for the days
    strictly between `start` and `end`, in either order; '' when none were skipped."""
    low, high = min(start, end), max(start, end)
    days = calendar.non_working_days_between(low + timedelta(days=1), high - timedelta(days=1))
    weekends = 0
    previous_weekend_day: date | None = None
    others: list[str] = []
    for day, reason in days:
        if day.weekday() >= 5:
            # Saturday and Sunday next to each other make one weekend.
            if previous_weekend_day is None or day - previous_weekend_day > timedelta(days=1):
                weekends += 1
            previous_weekend_day = day
        else:
            others.append(f"{day_and_month(day)} {reason}")
    parts = []
    if weekends:
        parts.append(_count(weekends, "weekends"))
    parts.extend(others)
    if not parts:
        return ""
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f" (stepped over {listed})"


def _weeks_back(label: str, due: date, weeks: int, result: date, calendar: WorkingDayCalendar, tail: str) -> str:
    raw = due - timedelta(weeks=weeks)
    text = f"{label} {weekday_abbreviated_date(result)}: {_count(weeks, 'weeks')} before the response due date"
    if raw != result:
        text += (
            f" would be {weekday_abbreviated_date(raw)}, not a working day ({calendar.why_not_working(raw)}), "
            "so it moves back to the previous working day" + _stepped_over(calendar, result, raw)
        )
    return text + tail


def explain_timetable(meeting_date: date, rules: TimetableRules, calendar: WorkingDayCalendar) -> list[str]:
    """One sentence per date of `compute_timetable`, saying how it was derived and which
    weekends, bank holidays and closures it stepped over."""
    t = compute_timetable(meeting_date, rules, calendar)
    lines: list[str] = []

    meeting_note = calendar.why_not_working(meeting_date)
    lines.append(
        f"Meeting {weekday_abbreviated_date(meeting_date)}"
        + (f": not a working day ({meeting_note}); the timetable is worked out the same way." if meeting_note else ".")
    )

    clear = rules.clear_working_days_before_meeting
    lines.append(
        f"Publication {weekday_abbreviated_date(t.publication_date)}: the latest working day leaving "
        f"{_count(clear, 'clear working days')} before the meeting, not counting the day of "
        f"publication or the day of the meeting" + _stepped_over(calendar, t.publication_date, meeting_date) + "."
    )

    lines.append(
        f"Response due {weekday_abbreviated_date(t.response_due_date)}: "
        + _count(rules.response_due_working_days_before_publication, "working days")
        + " before publication"
        + _stepped_over(calendar, t.response_due_date, t.publication_date)
        + "."
    )

    lines.append(
        _weeks_back(
            "Request by",
            t.response_due_date,
            rules.request_weeks_before_due,
            t.request_by_date,
            calendar,
            "; request letters must have gone out by then.",
        )
    )
    lines.append(
        _weeks_back(
            "Letter window opens",
            t.response_due_date,
            rules.letter_window_weeks_before_due,
            t.letter_window_opens,
            calendar,
            "; the first run on or after this day issues the request letters.",
        )
    )

    lines.append(
        f"Reminder {weekday_abbreviated_date(t.reminder_date)}: "
        + _count(rules.reminder_working_days_before_due, "working days")
        + " before the response due date, sent if nothing has arrived"
        + _stepped_over(calendar, t.reminder_date, t.response_due_date)
        + "."
    )

    overdue_n = rules.overdue_working_days_after_due
    overdue_when = (
        "the first working day after the response due date"
        if overdue_n == 1
        else _count(overdue_n, "working days") + " after the response due date"
    )
    lines.append(
        f"Overdue notice {weekday_abbreviated_date(t.overdue_date)}: {overdue_when}"
        + _stepped_over(calendar, t.response_due_date, t.overdue_date)
        + "."
    )

    lines.append(
        f"Escalation {weekday_abbreviated_date(t.escalation_date)}: "
        + _count(rules.escalation_working_days_after_due, "working days")
        + " after the response due date, copied to the Chair"
        + _stepped_over(calendar, t.response_due_date, t.escalation_date)
        + "."
    )
    return lines
