"""What an officer is told when an item is added or moved: capacity, when its letters go, late notice.

Each note is one line; none of them stops the change (an officer decides).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import Session, col, select

from scrutiny.workspace import CommitteeContext
from state import models
from state.models import RequestStatus


def capacity_note(session: Session, committee: CommitteeContext, meeting: models.Meeting) -> list[str]:
    """The capacity rule binds the planner; an officer may go beyond it for a one-off item, and is told."""
    capacity = committee.config.committee.max_substantive_items
    count = session.exec(
        select(func.count())
        .select_from(models.AgendaItem)
        .where(models.AgendaItem.meeting_id == meeting.id, col(models.AgendaItem.removed).is_(False))
    ).one()
    if count <= capacity:
        return []
    return [
        f"{meeting.id} now has {count} substantive items, more than the {capacity} of max_substantive_items: "
        "allowed for a one-off item, the officer decides"
    ]


def letter_notes(
    session: Session, committee: CommitteeContext, item: models.AgendaItem, meeting: models.Meeting, as_of: dt.date
) -> list[str]:
    requests = session.exec(
        select(models.Request).where(
            models.Request.agenda_item_id == item.id, models.Request.status != RequestStatus.WITHDRAWN
        )
    ).all()
    if not requests:
        return ["no respondents: no letters; it goes on the agenda and in the pack with a cover sheet"]
    timetable = committee.timetable(meeting.date)
    notes = []
    if timetable.letter_window_opens <= as_of:
        notes.append(
            f"its letters go with the next 'scrutiny letters' or 'scrutiny run' (the letter window opened on "
            f"{timetable.letter_window_opens.isoformat()})"
        )
    else:
        notes.append(
            f"its letters go when the letter window opens on {timetable.letter_window_opens.isoformat()} "
            f"(or now with 'scrutiny letters --meeting {meeting.id}')"
        )
    written = session.exec(
        select(models.Letter.organisation_id).where(
            models.Letter.meeting_id == meeting.id,
            col(models.Letter.organisation_id).in_([r.organisation_id for r in requests]),
            col(models.Letter.version) > 0,
        )
    ).all()
    for organisation_id in sorted(set(written)):
        notes.append(
            f"{organisation_id} already had its letter for {meeting.id}: it gets a supplementary letter for this item"
        )
    if as_of > timetable.request_by_date:
        notes.append(
            f"the request date ({timetable.request_by_date.isoformat()}) has passed: respondents have less notice "
            f"than usual before the due date ({timetable.response_due_date.isoformat()})"
        )
    published = published_pack(session, meeting.id)
    if published is not None:
        notes.append(
            f"the agenda for {meeting.id} was published on {published.created_on.isoformat()}: the item needs the "
            "Chair's agreement as urgent business"
        )
    return notes


def published_pack(session: Session, meeting_id: str) -> models.Pack | None:
    return session.exec(
        select(models.Pack).where(models.Pack.meeting_id == meeting_id).order_by(col(models.Pack.version))
    ).first()
