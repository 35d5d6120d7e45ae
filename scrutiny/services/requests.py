"""Requests for written evidence: who is asked, their status history, and re-timing when meetings move.

Every status change goes through `set_status`, so `responses history` can say when and why.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlmodel import Session, col, select

from scrutiny.errors import ScrutinyError
from scrutiny.timetable import MeetingTimetable
from scrutiny.workspace import CommitteeContext
from state import models
from state.models import ANSWERED_STATUSES, OPEN_STATUSES, RequestStatus


def get_request(session: Session, request_id: str) -> models.Request:
    request = session.get(models.Request, request_id)
    if request is None:
        raise ScrutinyError(f"request {request_id!r} not found: see 'scrutiny responses due'")
    return request


def set_status(
    session: Session, request: models.Request, new: RequestStatus, *, cause: str, as_of: dt.date, detail: str = ""
) -> None:
    """Change a request's status and record the change (nothing is recorded when nothing changes)."""
    if request.status == new:
        return
    session.add(
        models.StatusChange(
            request_id=request.id, as_of=as_of, old_status=request.status, new_status=new, cause=cause, detail=detail
        )
    )
    request.status = new
    session.add(request)


def respondent_on(session: Session, organisation_id: str, day: dt.date) -> models.Organisation | None:
    """Follow successions: a request for a meeting after an organisation ended goes to its successor."""
    organisation = session.get(models.Organisation, organisation_id)
    seen: set[str] = set()
    while organisation is not None and organisation.id not in seen:
        seen.add(organisation.id)
        if organisation.active_until is not None and day > organisation.active_until:
            successor = organisation.succeeded_by_id
            organisation = session.get(models.Organisation, successor) if successor else None
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


def item_code(committee: CommitteeContext, item: models.AgendaItem) -> str:
    """The middle of a request ID: "R15-1" for an annual update, "item-12" for a one-off item."""
    if item.commitment_id:
        return f"{item.commitment_id.removeprefix(committee.prefix + '-')}-{item.id}"
    return f"item-{item.id}"


def sync_item_requests(
    session: Session, committee: CommitteeContext, item: models.AgendaItem, respondents: list[str], as_of: dt.date
) -> None:
    """One request per respondent for the item's meeting; they follow the item when it moves."""
    if item.meeting_id is None:
        # Nothing has been sent for a planned request, so it goes with the placement (it would
        # otherwise show as due for a cancelled meeting); it is made again, with the same ID,
        # when the item is placed. Issued ones stay where they are for an officer to see.
        _drop_unsent(session, item)
        return
    meeting = session.get(models.Meeting, item.meeting_id)
    if meeting is None:
        raise ScrutinyError(f"agenda item {item.id}: meeting {item.meeting_id} not found")
    timetable = committee.timetable(meeting.date)
    existing = {
        r.organisation_id: r
        for r in session.exec(select(models.Request).where(models.Request.agenda_item_id == item.id))
    }
    for respondent in respondents:
        organisation = respondent_on(session, respondent, meeting.date)
        if organisation is None:
            continue
        found = existing.get(organisation.id)
        if found is None:
            contact = current_contact(session, organisation.id)
            request = models.Request(
                id=committee.scoped_id(f"{item_code(committee, item)}-{organisation.id}"),
                committee_id=committee.id,
                agenda_item_id=item.id or 0,
                organisation_id=organisation.id,
                contact_id=contact.id if contact else None,
                meeting_id=meeting.id,
                letter_window_opens=timetable.letter_window_opens,
                request_by_date=timetable.request_by_date,
                due_date=timetable.response_due_date,
            )
            session.add(request)
            session.flush()
            session.add(
                models.StatusChange(
                    request_id=request.id,
                    as_of=as_of,
                    new_status=RequestStatus.PLANNED,
                    cause="planned",
                    detail=f"for the meeting on {meeting.date.isoformat()}",
                )
            )
        else:
            retime_request(session, found, meeting, timetable, as_of)


def _drop_unsent(session: Session, item: models.AgendaItem) -> None:
    unsent = session.exec(
        select(models.Request).where(
            models.Request.agenda_item_id == item.id, models.Request.status == RequestStatus.PLANNED
        )
    ).all()
    for request in unsent:
        detach_from_letter(session, request)
        session.exec(delete(models.StatusChange).where(col(models.StatusChange.request_id) == request.id))
        session.delete(request)
    session.flush()


def retime_request(
    session: Session, request: models.Request, meeting: models.Meeting, timetable: MeetingTimetable, as_of: dt.date
) -> bool:
    """Move a request to its item's meeting and that meeting's dates; True when its due date changed.

    An open request that changes meeting leaves its letter and waits for a new one; one whose
    meeting moved keeps its letter, which is marked for a new version. Answered and withdrawn
    requests only take the new dates: nobody is asked again.
    """
    moved_meeting = request.meeting_id != meeting.id
    new_due = timetable.response_due_date
    if not moved_meeting and request.due_date == new_due:
        return False
    request.meeting_id = meeting.id
    request.letter_window_opens, request.request_by_date = timetable.letter_window_opens, timetable.request_by_date
    request.due_date = new_due
    session.add(request)
    letter = session.get(models.Letter, request.letter_id) if request.letter_id else None
    if request.status == RequestStatus.PLANNED:
        if letter is not None and moved_meeting:
            detach_from_letter(session, request)
        return True
    if request.status not in OPEN_STATUSES:
        return True
    if moved_meeting or letter is None:
        detach_from_letter(session, request)
        session.add(
            models.StatusChange(
                request_id=request.id,
                as_of=as_of,
                old_status=request.status,
                new_status=request.status,
                cause="re-timing",
                detail=f"moved to the meeting on {meeting.date.isoformat()}; a new letter is owed",
            )
        )
    else:
        letter.needs_reissue = True
        session.add(letter)
        session.add(
            models.StatusChange(
                request_id=request.id,
                as_of=as_of,
                old_status=request.status,
                new_status=request.status,
                cause="re-timing",
                detail=f"the meeting moved to {meeting.date.isoformat()}; due {new_due.isoformat()}",
            )
        )
    return True


def detach_from_letter(session: Session, request: models.Request) -> None:
    """The request no longer belongs to its letter; a letter never written that covers nothing goes."""
    letter = session.get(models.Letter, request.letter_id) if request.letter_id else None
    request.letter_id = None
    session.add(request)
    if letter is None or letter.version > 0:
        return
    session.exec(
        delete(models.LetterRequest).where(
            col(models.LetterRequest.letter_id) == letter.id, col(models.LetterRequest.request_id) == request.id
        )
    )
    session.flush()
    others = session.exec(select(models.Request.id).where(models.Request.letter_id == letter.id)).first()
    if others is None:
        session.delete(letter)
        session.flush()


def needs_action(request_status: str, letter_id: str | None, letter_needs_reissue: bool) -> str:
    """What a request is waiting for from us, in words ("" when nothing)."""
    if request_status in ANSWERED_STATUSES or request_status == RequestStatus.WITHDRAWN:
        return ""
    if request_status != RequestStatus.PLANNED and letter_id is None:
        return "new letter to go (meeting changed)"
    if letter_id is not None and letter_needs_reissue:
        return "new letter version to go (meeting moved)"
    return ""
