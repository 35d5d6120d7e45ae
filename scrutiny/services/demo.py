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
