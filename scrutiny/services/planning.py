"""Place the annual-update items on meetings and keep their requests in step (idempotent)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlmodel import Session, col, select

from scrutiny import planner
from scrutiny.errors import ScrutinyError
from scrutiny.workspace import Workspace
from state import models
from state.models import RequestStatus


@dataclass(frozen=True)
class PlanRow:
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
                models.AgendaItem.commitment_key == commitment.key,
                col(models.Meeting.date) < as_of,
                col(models.Meeting.cancelled).is_(False),
            )
        )
    )
    return max([commitment.last_taken, *held])


def plan_annual_updates(session: Session, workspace: Workspace, as_of: dt.date) -> list[PlanRow]:
    capacity = workspace.config.committee.max_substantive_items
    meetings = list(session.exec(select(models.Meeting).order_by(col(models.Meeting.date))))
    commitments = list(session.exec(select(models.Commitment).order_by(col(models.Commitment.key))))
    _expire_past_pins(session, commitments, as_of)
    items = {c.key: _current_item(session, c, as_of) for c in commitments}
    locked = {key for key, item in items.items() if _is_locked(session, item)}

    to_place = [
        planner.Commitment(
            key=c.key,
            title=c.title,
            theme=c.theme,
            last_taken=effective_last_taken(session, c, as_of),
            interval_months=c.interval_months,
            pinned_meeting_id=c.pinned_meeting_id,
            earliest_months_before_due=workspace.config.committee.earliest_months_before_due,
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
            request_by_date=workspace.timetable(m.date).request_by_date,
        )
        for m in meetings
        if m.date >= as_of
    ]
    rules = workspace.config.committee.timetable
    placements = {
        p.commitment: p
        for p in planner.plan_placements(to_place, slots, as_of, request_weeks=rules.request_weeks_before_due)
    }

    rows: list[PlanRow] = []
    for commitment in commitments:
        item = items[commitment.key]
        if commitment.key in placements:
            placement = placements[commitment.key]
            _move_item(session, workspace, item, placement.meeting_id, placement.reason, placement.pinned)
        meeting = session.get(models.Meeting, item.meeting_id) if item.meeting_id else None
        rows.append(
            PlanRow(
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
        _sync_requests(session, workspace, item, commitment)
    session.flush()
    return rows


def _current_item(session: Session, commitment: models.Commitment, as_of: dt.date) -> models.AgendaItem:
    last_taken = effective_last_taken(session, commitment, as_of)
    due = planner.add_months(last_taken, commitment.interval_months)
    item = session.exec(
        select(models.AgendaItem).where(
            models.AgendaItem.commitment_key == commitment.key, models.AgendaItem.cycle_due_date == due
        )
    ).first()
    if item is None:
        rec = session.get(models.Recommendation, commitment.recommendation_id)
        assert rec is not None
        first = last_taken == commitment.last_taken and not _has_any_item(session, commitment.key)
        item = models.AgendaItem(
            commitment_key=commitment.key,
            cycle_due_date=due,
            title=commitment.title,
            source=f"Recommendation {rec.number} of the {rec.review_year} {rec.review_title} review",
            first_update=first and _first_update_pending(commitment),
        )
        session.add(item)
        session.flush()
    return item


def _has_any_item(session: Session, commitment_key: str) -> bool:
    return (
        session.exec(select(models.AgendaItem.id).where(models.AgendaItem.commitment_key == commitment_key)).first()
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
    ids = session.exec(select(models.AgendaItem.id).where(models.AgendaItem.meeting_id == meeting_id)).all()
    return sum(1 for item_id in ids if item_id not in exclude)


def _move_item(
    session: Session, workspace: Workspace, item: models.AgendaItem, meeting_id: str | None, reason: str, pinned: bool
) -> None:
    moved = item.meeting_id != meeting_id
    item.meeting_id, item.reason, item.pinned = meeting_id, reason, pinned
    item.needs_replanning = meeting_id is None
    session.add(item)
    if moved:
        session.flush()


def _sync_requests(
    session: Session, workspace: Workspace, item: models.AgendaItem, commitment: models.Commitment
) -> None:
    """One request per respondent for the item's meeting; planned ones follow the item when it moves."""
    if item.meeting_id is None:
        # Nothing has been sent for a planned request, so it goes with the placement (it
        # would otherwise still show as due for a cancelled meeting); it is made again,
        # with the same ID, when the item is placed. Issued ones stay for an officer.
        for request in session.exec(
            select(models.Request).where(
                models.Request.agenda_item_id == item.id, models.Request.status == RequestStatus.PLANNED
            )
        ):
            session.delete(request)
        return
    meeting = session.get(models.Meeting, item.meeting_id)
    assert meeting is not None
    timetable = workspace.timetable(meeting.date)
    existing = {
        r.organisation_id: r
        for r in session.exec(select(models.Request).where(models.Request.agenda_item_id == item.id))
    }
    for respondent in commitment.respondents:
        organisation = respondent_on(session, respondent, meeting.date)
        if organisation is None:
            continue
        found = existing.get(organisation.id)
        if found is None:
            contact = current_contact(session, organisation.id)
            request = models.Request(
                id=f"{commitment.key}-{item.id}-{organisation.id}",
                agenda_item_id=item.id or 0,
                organisation_id=organisation.id,
                contact_id=contact.id if contact else None,
                meeting_id=meeting.id,
                letter_window_opens=timetable.letter_window_opens,
                request_by_date=timetable.request_by_date,
                due_date=timetable.response_due_date,
            )
        else:
            request = found
            if request.meeting_id != meeting.id or request.due_date != timetable.response_due_date:
                if request.status != RequestStatus.PLANNED:
                    request.due_date_changed = True  # the respondent was told another date: write again
                request.meeting_id = meeting.id
                request.letter_window_opens = timetable.letter_window_opens
                request.request_by_date = timetable.request_by_date
                request.due_date = timetable.response_due_date
        session.add(request)


def respondent_on(session: Session, organisation_id: str, day: dt.date) -> models.Organisation | None:
    """Follow successions: a request for a meeting after an organisation ended goes to its successor."""
    organisation = session.get(models.Organisation, organisation_id)
    seen: set[str] = set()
    while organisation is not None and organisation.id not in seen:
        seen.add(organisation.id)
        if organisation.active_until is not None and day > organisation.active_until:
            organisation = (
                session.get(models.Organisation, organisation.succeeded_by_id) if organisation.succeeded_by_id else None
            )
            continue
        if organisation.active_from is not None and day < organisation.active_from:
            return None
        return organisation
    return None


def current_contact(session: Session, organisation_id: str) -> models.Contact | None:
    return session.exec(
        select(models.Contact).where(
            models.Contact.organisation_id == organisation_id, col(models.Contact.current).is_(True)
        )
    ).first()


def _expire_past_pins(session: Session, commitments: list[models.Commitment], as_of: dt.date) -> None:
    """A pin is for one year's update: once its meeting has passed, next year's item is planned afresh."""
    for commitment in commitments:
        if commitment.pinned_meeting_id is None:
            continue
        meeting = session.get(models.Meeting, commitment.pinned_meeting_id)
        if meeting is None or meeting.date < as_of:
            commitment.pinned_meeting_id = None
            session.add(commitment)


def pin(session: Session, commitment_key: str, meeting_id: str, as_of: dt.date) -> None:
    commitment = _commitment(session, commitment_key)
    meeting = session.get(models.Meeting, meeting_id)
    if meeting is None:
        raise ScrutinyError(f"meeting {meeting_id!r} not found: see 'scrutiny meetings list'")
    if meeting.cancelled:
        raise ScrutinyError(f"meeting {meeting_id} is cancelled: pin {commitment_key} to another meeting")
    if meeting.date < as_of:
        raise ScrutinyError(f"meeting {meeting_id} has already taken place: pin {commitment_key} to a coming meeting")
    item = _current_item(session, commitment, as_of)
    if item.meeting_id != meeting_id and _is_locked(session, item):
        raise ScrutinyError(
            f"{commitment_key}'s update is on meeting {item.meeting_id} and its letters have gone out: "
            "it stays there (a pin cannot move it)"
        )
    commitment.pinned_meeting_id = meeting_id
    session.add(commitment)


def unpin(session: Session, commitment_key: str, as_of: dt.date) -> None:
    commitment = _commitment(session, commitment_key)
    commitment.pinned_meeting_id = None
    item = _current_item(session, commitment, as_of)
    item.pinned = False  # the item may stay where it is (letters out), but no longer as an officer's pin
    session.add_all([commitment, item])


def _commitment(session: Session, key: str) -> models.Commitment:
    commitment = session.get(models.Commitment, key)
    if commitment is None:
        known = ", ".join(session.exec(select(models.Commitment.key)).all()) or "none configured"
        raise ScrutinyError(f"commitment {key!r} not found (known: {known})")
    return commitment
