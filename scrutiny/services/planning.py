"""Place the annual-update items on a committee's meetings and keep their requests in step (idempotent)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlmodel import Session, col, select

from scrutiny import planner
from scrutiny.errors import ScrutinyError
from scrutiny.services.provisional import reconcile_provisional_meetings
from scrutiny.services.requests import sync_item_requests
from scrutiny.workspace import CommitteeContext
from state import models
from state.models import RequestStatus


@dataclass(frozen=True)
class PlanRow:
    committee: str
    commitment: str
    title: str
    due_date: str
    meeting_id: str | None
    meeting_date: str | None
    reason: str
    pinned: bool
    locked: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# Items whose letters have gone out stay where they are unless their meeting is cancelled.
_LOCKING_STATUSES = {s.value for s in RequestStatus} - {RequestStatus.PLANNED.value}


def effective_last_taken(session: Session, commitment: models.Commitment, as_of: dt.date) -> dt.date:
    """The configured date, or a later meeting (before as_of, not cancelled) that took the item."""
    held: list[dt.date] = list(
        session.exec(
            select(col(models.Meeting.date))
            .join(models.AgendaItem, col(models.AgendaItem.meeting_id) == col(models.Meeting.id))
            .where(
                models.AgendaItem.commitment_id == commitment.id,
                col(models.Meeting.date) < as_of,
                col(models.Meeting.cancelled).is_(False),
                col(models.AgendaItem.removed).is_(False),
            )
        )
    )
    return max([commitment.last_taken, *held])


def plan_annual_updates(session: Session, committee: CommitteeContext, as_of: dt.date) -> list[PlanRow]:
    info = committee.config.committee
    capacity = info.max_substantive_items
    reconcile_provisional_meetings(session, committee, as_of)
    meetings = list(
        session.exec(
            select(models.Meeting)
            .where(models.Meeting.committee_id == committee.id)
            .order_by(col(models.Meeting.date), col(models.Meeting.id))
        )
    )
    commitments = list(
        session.exec(
            select(models.Commitment)
            .where(models.Commitment.committee_id == committee.id)
            .order_by(col(models.Commitment.key))
        )
    )
    _expire_past_pins(session, commitments, as_of)
    items = {c.key: _current_item(session, committee, c, as_of) for c in commitments}
    locked = {key for key, item in items.items() if _is_locked(session, item)}

    to_place = [
        planner.Commitment(
            key=c.key,
            title=c.title,
            theme=c.theme,
            last_taken=effective_last_taken(session, c, as_of),
            interval_months=c.interval_months,
            pinned_meeting_id=c.pinned_meeting_id,
            earliest_months_before_due=info.earliest_months_before_due,
        )
        for c in commitments
        if c.key not in locked
    ]
    placing_ids = {items[c.key].id for c in to_place}
    slots = [
        planner.MeetingSlot(
            meeting_id=m.id,
            meeting_date=m.date,
            cancelled=m.cancelled,
            capacity=capacity,
            other_substantive_items=_items_on(session, m.id, exclude=placing_ids),
            request_by_date=committee.timetable(m.date).request_by_date,
        )
        for m in meetings
        if m.date >= as_of
    ]
    rules = info.timetable
    placements = {
        p.commitment: p
        for p in planner.plan_placements(to_place, slots, as_of, request_weeks=rules.request_weeks_before_due)
    }

    rows: list[PlanRow] = []
    for commitment in commitments:
        item = items[commitment.key]
        if commitment.key in placements:
            placement = placements[commitment.key]
            _move_item(session, item, placement.meeting_id, placement.reason, placement.pinned)
        meeting = session.get(models.Meeting, item.meeting_id) if item.meeting_id else None
        rows.append(
            PlanRow(
                committee=committee.id,
                commitment=commitment.key,
                title=commitment.title,
                due_date=(item.cycle_due_date or as_of).isoformat(),
                meeting_id=item.meeting_id,
                meeting_date=meeting.date.isoformat() if meeting else None,
                reason=item.reason,
                pinned=item.pinned,
                locked=commitment.key in locked,
            )
        )
        sync_item_requests(session, committee, item, list(commitment.respondents), as_of)
    session.flush()
    return rows


def _current_item(
    session: Session, committee: CommitteeContext, commitment: models.Commitment, as_of: dt.date
) -> models.AgendaItem:
    last_taken = effective_last_taken(session, commitment, as_of)
    due = planner.add_months(last_taken, commitment.interval_months)
    item = session.exec(
        select(models.AgendaItem).where(
            models.AgendaItem.commitment_id == commitment.id, models.AgendaItem.cycle_due_date == due
        )
    ).first()
    if item is None:
        rec = session.get(models.Recommendation, commitment.recommendation_id)
        if rec is None:
            raise ScrutinyError(f"commitment {commitment.key}: its recommendation is missing; run 'scrutiny init'")
        first = last_taken == commitment.last_taken and not _has_any_item(session, commitment.id)
        item = models.AgendaItem(
            committee_id=committee.id,
            commitment_id=commitment.id,
            cycle_due_date=due,
            title=commitment.title,
            source=f"Recommendation {rec.number} of the {rec.review_year} {rec.review_title} review",
            first_update=first and _first_update_pending(commitment),
        )
        session.add(item)
        session.flush()
    return item


def _has_any_item(session: Session, commitment_id: str) -> bool:
    return (
        session.exec(select(models.AgendaItem.id).where(models.AgendaItem.commitment_id == commitment_id)).first()
        is not None
    )


def _first_update_pending(commitment: models.Commitment) -> bool:
    """The review's specific points belong to the first update only, while it is still owed."""
    return bool(commitment.first_update_topics) and not commitment.first_update_taken


def _is_locked(session: Session, item: models.AgendaItem) -> bool:
    if item.meeting_id is None:
        return False
    meeting = session.get(models.Meeting, item.meeting_id)
    if meeting is None or meeting.cancelled:
        return False
    statuses = session.exec(select(models.Request.status).where(models.Request.agenda_item_id == item.id)).all()
    return any(status in _LOCKING_STATUSES for status in statuses)


def _items_on(session: Session, meeting_id: str, *, exclude: set[int | None]) -> int:
    ids = session.exec(
        select(models.AgendaItem.id).where(
            models.AgendaItem.meeting_id == meeting_id, col(models.AgendaItem.removed).is_(False)
        )
    ).all()
    return sum(1 for item_id in ids if item_id not in exclude)


def _move_item(session: Session, item: models.AgendaItem, meeting_id: str | None, reason: str, pinned: bool) -> None:
    moved = item.meeting_id != meeting_id
    item.meeting_id, item.reason, item.pinned = meeting_id, reason, pinned
    item.needs_replanning = meeting_id is None
    session.add(item)
    if moved:
        session.flush()


def _expire_past_pins(session: Session, commitments: list[models.Commitment], as_of: dt.date) -> None:
    """A pin is for one year's update: once its meeting has passed, next year's item is planned afresh."""
    for commitment in commitments:
        if commitment.pinned_meeting_id is None:
            continue
        meeting = session.get(models.Meeting, commitment.pinned_meeting_id)
        if meeting is None or meeting.date < as_of:
            commitment.pinned_meeting_id = None
            session.add(commitment)


def pin(session: Session, committee: CommitteeContext, commitment_key: str, meeting_id: str, as_of: dt.date) -> None:
    commitment = _commitment(session, committee, commitment_key)
    meeting = session.get(models.Meeting, meeting_id)
    if meeting is None or meeting.committee_id != committee.id:
        raise ScrutinyError(f"meeting {meeting_id!r} not found: see 'scrutiny meetings list'")
    if meeting.cancelled:
        raise ScrutinyError(f"meeting {meeting_id} is cancelled: pin {commitment_key} to another meeting")
    if meeting.date < as_of:
        raise ScrutinyError(f"meeting {meeting_id} has already taken place: pin {commitment_key} to a coming meeting")
    item = _current_item(session, committee, commitment, as_of)
    if item.meeting_id != meeting_id and _is_locked(session, item):
        raise ScrutinyError(
            f"{commitment_key}'s update is on meeting {item.meeting_id} and its letters have gone out: "
            "it stays there (a pin cannot move it)"
        )
    commitment.pinned_meeting_id = meeting_id
    session.add(commitment)


def unpin(session: Session, committee: CommitteeContext, commitment_key: str, as_of: dt.date) -> None:
    commitment = _commitment(session, committee, commitment_key)
    commitment.pinned_meeting_id = None
    item = _current_item(session, committee, commitment, as_of)
    item.pinned = False  # the item may stay where it is (letters out), but no longer as an officer's pin
    session.add_all([commitment, item])


def _commitment(session: Session, committee: CommitteeContext, key: str) -> models.Commitment:
    commitment = session.get(models.Commitment, committee.scoped_id(key))
    if commitment is None or commitment.committee_id != committee.id:
        known = (
            ", ".join(
                session.exec(select(models.Commitment.key).where(models.Commitment.committee_id == committee.id)).all()
            )
            or "none configured"
        )
        raise ScrutinyError(f"commitment {key!r} not found in {committee.id} (known: {known})")
    return commitment
