"""Record written responses, list what is due before each meeting, and show a request's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select as select_columns  # sqlmodel's select is typed for up to four columns
from sqlmodel import Session, col, select

from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.errors import ScrutinyError
from scrutiny.services.requests import get_request, needs_action, set_status
from scrutiny.workdays import WorkingDayCalendar
from scrutiny.workspace import CommitteeContext, Workspace
from state import models
from state.models import ANSWERED_STATUSES, RequestStatus


@dataclass(frozen=True)
class DueRow:
    committee: str
    request_id: str
    letter_id: str | None
    meeting_id: str
    meeting_date: str
    item: str
    organisation: str
    contact: str
    due_date: str
    working_days_left: int | None  # negative when overdue; None once answered or withdrawn
    status: str
    issued_on: str | None
    received_on: str | None
    action_needed: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class RecordedResponse:
    request_id: str
    path: str
    sha256: str
    status: str
    already_recorded: bool


@dataclass(frozen=True)
class HistoryRow:
    at: str
    as_of: str
    old_status: str | None
    new_status: str
    cause: str
    detail: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def responses_due(
    session: Session, workspace: Workspace, as_of: dt.date, *, committee_id: str | None = None,
    meeting_id: str | None = None,
) -> list[DueRow]:  # fmt: skip
    # Plain columns, not ORM objects: the tracker is read often and grows with every year's requests.
    query = (
        select_columns(  # type: ignore[call-overload]
            models.Request.committee_id, models.Request.id, models.Request.letter_id, models.Request.meeting_id,
            models.Meeting.date, models.AgendaItem.title, models.Organisation.name, models.Contact.name,
            models.Contact.role, models.Request.due_date, models.Request.status, models.Request.issued_on,
            models.Request.received_on, models.Letter.needs_reissue,
        )
        .join(models.Meeting, col(models.Request.meeting_id) == col(models.Meeting.id))
        .join(models.Organisation, col(models.Request.organisation_id) == col(models.Organisation.id))
        .join(models.AgendaItem, col(models.Request.agenda_item_id) == col(models.AgendaItem.id))
        .outerjoin(models.Contact, col(models.Request.contact_id) == col(models.Contact.id))
        .outerjoin(models.Letter, col(models.Request.letter_id) == col(models.Letter.id))
        .order_by(col(models.Request.due_date), col(models.Request.id))
    )  # fmt: skip
    if meeting_id is not None:
        meeting = session.get(models.Meeting, meeting_id)
        if meeting is None:
            raise ScrutinyError(f"meeting {meeting_id!r} not found: see 'scrutiny meetings list'")
        query = query.where(models.Request.meeting_id == meeting_id)
    else:
        # The coming meetings first, then their requests: the cost follows what is due, not history.
        coming = select(models.Meeting.id).where(col(models.Meeting.date) >= as_of)
        if committee_id is not None:
            coming = coming.where(models.Meeting.committee_id == committee_id)
        query = query.where(col(models.Request.meeting_id).in_(coming))
    if committee_id is not None:
        query = query.where(models.Meeting.committee_id == committee_id)
    rows = []
    for (
        committee, request_id, letter_id, row_meeting, meeting_date, title, organisation, contact, role, due_date,
        status, issued_on, received_on, needs_reissue,
    ) in session.execute(query):  # fmt: skip
        calendar = workspace.committee(committee).calendar if committee in workspace.committees else None
        open_ = status not in ANSWERED_STATUSES and status != RequestStatus.WITHDRAWN
        rows.append(
            DueRow(
                committee=committee,
                request_id=request_id,
                letter_id=letter_id,
                meeting_id=row_meeting,
                meeting_date=meeting_date.isoformat(),
                item=title,
                organisation=organisation,
                contact=contact or role or "",
                due_date=due_date.isoformat(),
                working_days_left=_working_days_left(calendar, as_of, due_date) if open_ and calendar else None,
                status=status,
                issued_on=_iso(issued_on),
                received_on=_iso(received_on),
                action_needed=needs_action(status, letter_id, bool(needs_reissue)),
            )  # fmt: skip
        )
    return rows


def _working_days_left(calendar: WorkingDayCalendar, as_of: dt.date, due: dt.date) -> int:
    """Working days from today to the due date (the due date counts); negative once it has passed."""
    if due >= as_of:
        return calendar.working_days_between(as_of, due) + int(calendar.is_working_day(due) and due != as_of)
    return -(calendar.working_days_between(due, as_of) + int(calendar.is_working_day(as_of)))


def check_received_date(session: Session, request: models.Request, received_on: dt.date, today: dt.date) -> None:
    """A response cannot arrive before its letter went out, nor after today."""
    if received_on > today:
        raise ScrutinyError(
            f"received date {received_on.isoformat()} is after today ({today.isoformat()}): give the day it arrived"
        )
    first_letter = session.exec(
        select(col(models.Letter.issued_on))
        .join(models.LetterRequest, col(models.LetterRequest.letter_id) == col(models.Letter.id))
        .where(models.LetterRequest.request_id == request.id, col(models.Letter.issued_on).is_not(None))
        .order_by(col(models.Letter.issued_on))
    ).first()
    issued = first_letter or request.issued_on
    if issued is None:
        raise ScrutinyError(f"request {request.id}: no letter has gone out yet, so nothing can be recorded against it")
    if received_on < issued:
        raise ScrutinyError(
            f"received date {received_on.isoformat()} is before the request letter went out on {issued.isoformat()}"
        )


def record_response(
    session: Session,
    workspace: Workspace,
    *,
    request_id: str,
    stored_from: Path,
    sha256: str,
    kind: str,
    original_name: str,
    received_on: dt.date,
    today: dt.date,
    source: str = "officer",
    message_id: str | None = None,
) -> RecordedResponse:
    """Record an accepted document (already checked by intake) against its request, once."""
    request = get_request(session, request_id)
    if request.status == RequestStatus.WITHDRAWN:
        raise ScrutinyError(f"request {request_id} was withdrawn: nothing to record against it")
    check_received_date(session, request, received_on, today)
    duplicate = session.exec(
        select(models.Response).where(models.Response.request_id == request_id, models.Response.sha256 == sha256)
    ).first()
    if duplicate is not None:
        return RecordedResponse(request_id, duplicate.path, sha256, request.status, already_recorded=True)
    suffix = ".pdf" if kind == "pdf" else ".docx"
    target = workspace.settings.responses_dir / request.meeting_id / f"{request_id}-{sha256[:12]}{suffix}"
    write_bytes_atomic(target, stored_from.read_bytes())
    stored = workspace.stored_path(target)
    session.add(
        models.Response(
            request_id=request_id,
            path=stored,
            sha256=sha256,
            original_name=original_name,
            kind=kind,
            received_on=received_on,
            source=source,
            message_id=message_id,
        )  # fmt: skip
    )
    if request.received_on is None or received_on < request.received_on:
        request.received_on = received_on
    late = request.received_on is not None and request.received_on > request.due_date
    new_status = RequestStatus.RECEIVED_LATE if late else RequestStatus.RECEIVED
    detail = f"{original_name} ({source})"
    if request.status in ANSWERED_STATUSES:
        session.add(
            models.StatusChange(request_id=request.id, as_of=received_on, old_status=request.status,
                                new_status=new_status, cause="response", detail=f"another document: {detail}")
        )  # fmt: skip
        request.status = new_status
    else:
        set_status(session, request, new_status, cause="response", as_of=received_on, detail=detail)
    session.add(request)
    session.flush()
    return RecordedResponse(request_id, stored, sha256, request.status, already_recorded=False)


def withdraw_request(session: Session, request_id: str, as_of: dt.date) -> models.Request:
    """An officer stops a request (the item was dropped, or the body will not respond): no more chasers."""
    request = get_request(session, request_id)
    if request.status in ANSWERED_STATUSES:
        raise ScrutinyError(f"request {request_id} already has a response ({request.status}): nothing to withdraw")
    set_status(session, request, RequestStatus.WITHDRAWN, cause="withdrawal", as_of=as_of, detail="by an officer")
    return request


def request_history(session: Session, request_id: str) -> list[HistoryRow]:
    get_request(session, request_id)
    changes = session.exec(
        select(models.StatusChange)
        .where(models.StatusChange.request_id == request_id)
        .order_by(col(models.StatusChange.as_of), col(models.StatusChange.id))
    ).all()
    return [
        HistoryRow(
            at=change.at.isoformat(timespec="seconds"),
            as_of=change.as_of.isoformat(),
            old_status=change.old_status,
            new_status=change.new_status,
            cause=change.cause,
            detail=change.detail,
        )  # fmt: skip
        for change in changes
    ]


def committee_for_request(workspace: Workspace, session: Session, request_id: str) -> CommitteeContext:
    return workspace.committee(get_request(session, request_id).committee_id)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
