"""Record written responses and list what is due before each meeting."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select as select_columns  # sqlmodel's select is typed for up to four columns
from sqlmodel import Session, col, select

from scrutiny.documents.atomic import file_sha256, write_bytes_atomic
from scrutiny.documents.word import check_word_document
from scrutiny.errors import ScrutinyError
from state import models
from state.models import RequestStatus


@dataclass(frozen=True)
class DueRow:
    request_id: str
    meeting_id: str
    meeting_date: str
    commitment: str
    organisation: str
    contact: str
    due_date: str
    status: str
    issued_on: str | None
    received_on: str | None
    due_date_changed: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class RecordedResponse:
    request_id: str
    path: str
    sha256: str
    status: str
    already_recorded: bool


def responses_due(session: Session, as_of: dt.date, meeting_id: str | None = None) -> list[DueRow]:
    # Plain columns, not ORM objects: the tracker is read often and grows with every year's requests.
    query = (
        select_columns(  # type: ignore[call-overload]
            models.Request.id,
            models.Request.meeting_id,
            models.Meeting.date,
            models.AgendaItem.commitment_key,
            models.AgendaItem.title,
            models.Organisation.name,
            models.Contact.name,
            models.Request.due_date,
            models.Request.status,
            models.Request.issued_on,
            models.Request.received_on,
            models.Request.due_date_changed,
        )
        .join(models.Meeting, col(models.Request.meeting_id) == col(models.Meeting.id))
        .join(models.Organisation, col(models.Request.organisation_id) == col(models.Organisation.id))
        .join(models.AgendaItem, col(models.Request.agenda_item_id) == col(models.AgendaItem.id))
        .outerjoin(models.Contact, col(models.Request.contact_id) == col(models.Contact.id))
        .order_by(col(models.Request.due_date), col(models.Request.id))
    )
    if meeting_id is not None:
        if session.get(models.Meeting, meeting_id) is None:
            raise ScrutinyError(f"meeting {meeting_id!r} not found: see 'scrutiny meetings list'")
        query = query.where(models.Request.meeting_id == meeting_id)
    else:
        query = query.where(col(models.Meeting.date) >= as_of)
    return [
        DueRow(
            request_id=request_id,
            meeting_id=row_meeting,
            meeting_date=meeting_date.isoformat(),
            commitment=commitment or title,
            organisation=organisation,
            contact=contact or "",
            due_date=due_date.isoformat(),
            status=status,
            issued_on=_iso(issued_on),
            received_on=_iso(received_on),
            due_date_changed=changed,
        )
        for (
            request_id,
            row_meeting,
            meeting_date,
            commitment,
            title,
            organisation,
            contact,
            due_date,
            status,
            issued_on,
            received_on,
            changed,
        ) in session.execute(query)
    ]


def get_request(session: Session, request_id: str) -> models.Request:
    request = session.get(models.Request, request_id)
    if request is None:
        raise ScrutinyError(f"request {request_id!r} not found: see 'scrutiny responses due'")
    return request


def record_response(
    session: Session, *, request_id: str, source: Path, received_on: dt.date, responses_dir: Path
) -> RecordedResponse:
    request = get_request(session, request_id)
    if request.status == RequestStatus.WITHDRAWN:
        raise ScrutinyError(f"request {request_id} was withdrawn: nothing to record against it")
    validate_response_document(source)
    digest = file_sha256(source)
    duplicate = session.exec(
        select(models.Response).where(models.Response.request_id == request_id, models.Response.sha256 == digest)
    ).first()
    if duplicate is not None:
        return RecordedResponse(request_id, duplicate.path, digest, request.status, already_recorded=True)

    target = responses_dir / request.meeting_id / f"{request_id}-{digest[:12]}{source.suffix.lower()}"
    write_bytes_atomic(target, source.read_bytes())
    session.add(
        models.Response(
            request_id=request_id, path=str(target), sha256=digest, original_name=source.name, received_on=received_on
        )
    )
    first_received = request.received_on is None or received_on < request.received_on
    if first_received:
        request.received_on = received_on
    late = request.received_on is not None and request.received_on > request.due_date
    request.status = RequestStatus.RECEIVED_LATE if late else RequestStatus.RECEIVED
    session.add(request)
    session.flush()
    return RecordedResponse(request_id, str(target), digest, request.status, already_recorded=False)


def withdraw_request(session: Session, request_id: str) -> models.Request:
    """An officer stops a request (the item was dropped, or the body will not respond): no more chasers."""
    request = get_request(session, request_id)
    if request.status in (RequestStatus.RECEIVED, RequestStatus.RECEIVED_LATE):
        raise ScrutinyError(f"request {request_id} already has a response ({request.status}): nothing to withdraw")
    request.status = RequestStatus.WITHDRAWN
    session.add(request)
    return request


def validate_response_document(path: Path) -> None:
    """A response must be a readable Word document; anything else is refused before it is copied."""
    check_word_document(path, what="response", hint="ask the respondent for the Word version")


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
