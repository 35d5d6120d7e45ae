"""The main command's first look: something to show on any day, and where to find it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from scrutiny.workspace import Workspace
from state import models
from state.models import RequestStatus


@dataclass(frozen=True)
class EarlyLetters:
    meeting_id: str
    meeting_date: str
    window_opens: str


def next_meeting_to_show(
    session: Session, workspace: Workspace, as_of: dt.date, committee_id: str | None
) -> EarlyLetters | None:
    """The next meeting with letters still to write, when no coming meeting has a letter out yet.

    Once any letter is out, a re-run shows that instead: nothing goes early twice.
    """
    upcoming = (
        select(col(models.Letter.id))
        .join(models.Meeting, col(models.Meeting.id) == col(models.Letter.meeting_id))
        .where(col(models.Letter.version) > 0, col(models.Meeting.date) > as_of)
    )
    planned = (
        select(col(models.Request.meeting_id), col(models.Meeting.date), col(models.Request.letter_window_opens))
        .join(models.Meeting, col(models.Meeting.id) == col(models.Request.meeting_id))
        .where(
            models.Request.status == RequestStatus.PLANNED,
            col(models.Meeting.cancelled).is_(False),
            col(models.Meeting.date) > as_of,
        )
        .order_by(col(models.Meeting.date))
    )
    if committee_id is not None:
        upcoming = upcoming.where(models.Letter.committee_id == committee_id)
        planned = planned.where(models.Request.committee_id == committee_id)
    if session.exec(upcoming).first() is not None:
        return None
    first = session.exec(planned).first()
    if first is None:
        return None
    meeting_id, meeting_date, window = first
    return EarlyLetters(meeting_id, meeting_date.isoformat(), window.isoformat())


@dataclass(frozen=True)
class NextChaser:
    day: dt.date
    kind: str  # "a reminder", "an overdue notice" or "an escalation"


def next_chaser_day(workspace: Workspace, due_rows: list[dict[str, object]], as_of: dt.date) -> NextChaser | None:
    """The first day after ``as_of`` on which a chaser falls due for a letter that is out and unanswered.

    ``due_rows`` are the tracker's rows (`responses_due(...).as_dict()`), so the hint the main command
    ends with names a day on which `scrutiny run` really has something to chase.
    """
    candidates: list[NextChaser] = []
    for row in due_rows:
        committee = str(row["committee"])
        if row["working_days_left"] is None or row["issued_on"] is None or committee not in workspace.committees:
            continue  # answered, withdrawn or not asked yet
        timetable = workspace.committee(committee).timetable(dt.date.fromisoformat(str(row["meeting_date"])))
        steps = (
            (timetable.reminder_date, "a reminder"),
            (timetable.overdue_date, "an overdue notice"),
            (timetable.escalation_date, "an escalation"),
        )
        candidates += [NextChaser(day, kind) for day, kind in steps if day > as_of]
    return min(candidates, key=lambda chaser: chaser.day, default=None)
