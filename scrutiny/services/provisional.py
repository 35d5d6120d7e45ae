"""Provisional meetings from a committee's meeting pattern, so the calendar never runs out.

The pattern gives meetings for the current and the next municipal year. A real meeting (listed
in the committee file or imported from the council's calendar) replaces a provisional one on
the same day, and once a real calendar covers a provisional meeting's month that meeting goes:
deleted when nothing refers to it, else cancelled so its items are re-planned onto a real one.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from scrutiny.calendar_pattern import merge_with_real, provisional_meetings, superseded_by_real_calendar
from scrutiny.services.requests import sync_item_requests
from scrutiny.workspace import CommitteeContext
from state import models

PROVISIONAL = "pattern"


def real_meeting_dates(session: Session, committee_id: str) -> list[dt.date]:
    """Every meeting date that did not come from the pattern, cancelled ones included."""
    return list(
        session.exec(
            select(col(models.Meeting.date)).where(
                models.Meeting.committee_id == committee_id, models.Meeting.source != PROVISIONAL
            )
        )
    )


def reconcile_provisional_meetings(session: Session, committee: CommitteeContext, as_of: dt.date) -> list[str]:
    """Add the pattern's meetings that no real meeting covers; retire those a real calendar now covers.

    Returns the IDs of meetings added. Idempotent: the same day gives the same meetings.
    """
    pattern = committee.config.meeting_pattern
    if pattern is None:
        return []
    real = real_meeting_dates(session, committee.id)
    year_starts = pattern.year_starts
    existing = {
        m.date: m for m in session.exec(select(models.Meeting).where(models.Meeting.committee_id == committee.id))
    }
    added: list[str] = []
    info = committee.config.committee
    for planned in merge_with_real(provisional_meetings(pattern, as_of, committee.calendar), real):
        if planned.date in existing or superseded_by_real_calendar(planned.date, real, year_starts=year_starts):
            continue
        meeting_id = committee.scoped_id(planned.id_suffix)
        if session.get(models.Meeting, meeting_id) is not None:
            continue  # the ID is taken by a meeting that has since moved to another day
        session.add(
            models.Meeting(
                id=meeting_id,
                committee_id=committee.id,
                date=planned.date,
                start_time=planned.start or info.default_start,
                venue=planned.venue or info.default_venue,
                title=info.name,
                source=PROVISIONAL,
            )
        )
        added.append(meeting_id)
    for meeting in existing.values():
        if meeting.source == PROVISIONAL and not meeting.cancelled and meeting.date >= as_of:
            if superseded_by_real_calendar(meeting.date, real, year_starts=year_starts):
                _retire(session, committee, meeting, as_of)
    session.flush()
    return added


def _retire(session: Session, committee: CommitteeContext, meeting: models.Meeting, as_of: dt.date) -> None:
    letters = session.exec(
        select(models.Letter.id).where(models.Letter.meeting_id == meeting.id, col(models.Letter.version) > 0)
    ).first()
    if letters is not None:
        meeting.cancelled = True  # letters went out for it: keep it, and let the planner move its items
        session.add(meeting)
        return
    for item in session.exec(select(models.AgendaItem).where(models.AgendaItem.meeting_id == meeting.id)).all():
        item.meeting_id = None
        item.needs_replanning = True
        session.add(item)
        session.flush()
        sync_item_requests(session, committee, item, [], as_of)  # drops its unsent requests
    for commitment in session.exec(
        select(models.Commitment).where(models.Commitment.pinned_meeting_id == meeting.id)
    ).all():
        commitment.pinned_meeting_id = None  # the pin was to a meeting that will not happen
        session.add(commitment)
    session.flush()
    session.delete(meeting)


def is_superseded(session: Session, committee: CommitteeContext, meeting: models.Meeting) -> bool:
    """Whether a provisional meeting must get no letters because a real calendar covers its month."""
    pattern = committee.config.meeting_pattern
    if meeting.source != PROVISIONAL or pattern is None:
        return False
    return superseded_by_real_calendar(
        meeting.date, real_meeting_dates(session, committee.id), year_starts=pattern.year_starts
    )
