"""Write letters and chasers, and deliver them: each at most once, whatever runs at the same time.

A letter or chaser is claimed by inserting its row (unique path, or unique request and kind)
in the same transaction that renders the file; a second run blocks on that row and then
finds it taken. Delivery is a separate step, retried on its own, and claimed the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scrutiny.delivery import OutboxDelivery, SmtpDelivery, build_letter_email, build_meeting_invitation
from scrutiny.documents.atomic import file_sha256
from scrutiny.documents.pdf import convert_to_pdf, libreoffice_available
from scrutiny.errors import ScrutinyError
from scrutiny.letters.context import LetterKind
from scrutiny.letters.render import letter_path, render_letter
from scrutiny.services.letter_context import build_letter_context, long_date
from scrutiny.services.planning import current_contact
from scrutiny.workspace import LONDON, Workspace
from state import models
from state.models import RequestStatus

LETTER_KINDS_WITH_TEMPLATES: dict[str, str] = {
    "request": "request_letter.docx",
    "reminder": "reminder.docx",
    "overdue": "overdue_notice.docx",
    "escalation": "escalation.docx",
}
_STATUS_AFTER: dict[str, RequestStatus] = {
    "reminder": RequestStatus.REMINDED,
    "overdue": RequestStatus.OVERDUE,
    "escalation": RequestStatus.ESCALATED,
}
STALE_DELIVERY_CLAIM = dt.timedelta(minutes=15)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WrittenDocument:
    request_id: str
    kind: str
    document_id: int
    path: str
    sha256: str


@dataclass(frozen=True)
class Delivered:
    document_id: int
    channel: str
    location: str


def letters_ready(session: Session, as_of: dt.date, meeting_id: str | None = None) -> list[str]:
    """Requests whose letter window has opened (or, for one meeting an officer names, all of them)."""
    query = (
        select(models.Request.id)
        .join(models.Meeting, col(models.Request.meeting_id) == col(models.Meeting.id))
        .where(
            models.Request.status == RequestStatus.PLANNED,
            col(models.Meeting.cancelled).is_(False),
            col(models.Meeting.date) > as_of,
        )
        .order_by(col(models.Request.id))
    )
    if meeting_id is None:
        query = query.where(col(models.Request.letter_window_opens) <= as_of)
    else:
        query = query.where(models.Request.meeting_id == meeting_id)
    return list(session.exec(query))


def write_request_letter(
    workspace: Workspace, request_id: str, as_of: dt.date, *, reissue: bool = False
) -> WrittenDocument | None:
    """Render one request letter; None when it was already written (by this run or another)."""
    with workspace.session() as session:
        request = _request(session, request_id)
        if request.status != RequestStatus.PLANNED and not reissue:
            return None
        if reissue and request.letter_version == 0:
            raise ScrutinyError(f"request {request_id} has no letter yet: run 'scrutiny letters' to issue it")
        version = request.letter_version + 1
        claimed = session.exec(  # type: ignore[call-overload]
            update(models.Request)
            .where(col(models.Request.id) == request_id, col(models.Request.letter_version) == request.letter_version)
            .values(letter_version=version)
        )
        if claimed.rowcount != 1:
            return None
        if request.status == RequestStatus.PLANNED:
            # Write to whoever is the contact today, not when the request was planned.
            contact = current_contact(session, request.organisation_id)
            request.contact_id = contact.id if contact else request.contact_id
            request.status, request.issued_on = RequestStatus.ISSUED, as_of
        request.letter_version = version
        request.due_date_changed = False
        session.add(request)
        return _render_and_record(session, workspace, request, "request", as_of, version)


def chasers_due(session: Session, workspace: Workspace, as_of: dt.date) -> list[tuple[str, str]]:
    """(request, kind) pairs to send today: only the most advanced chaser that applies, once.

    The chaser dates come from the meeting's timetable, the one place the rules are applied;
    a request's due date is kept equal to it when meetings move.
    """
    order = ["reminder", "overdue", "escalation"]
    due: list[tuple[str, str]] = []
    open_requests = session.exec(
        select(models.Request, models.Meeting)
        .join(models.Meeting, col(models.Request.meeting_id) == col(models.Meeting.id))
        .where(
            col(models.Request.status).in_([s.value for s in models.OPEN_STATUSES]),
            col(models.Meeting.cancelled).is_(False),
            col(models.Meeting.date) > as_of,
        )
        .order_by(col(models.Request.id))
    ).all()
    for request, meeting in open_requests:
        timetable = workspace.timetable(meeting.date)
        if as_of >= timetable.escalation_date:
            kind = "escalation"
        elif as_of >= timetable.overdue_date:
            kind = "overdue"
        elif timetable.reminder_date <= as_of <= timetable.response_due_date:
            kind = "reminder"
        else:
            continue
        sent = set(session.exec(select(models.Reminder.kind).where(models.Reminder.request_id == request.id)))
        if any(order.index(s) >= order.index(kind) for s in sent if s in order):
            continue
        due.append((request.id, kind))
    return due


def write_chaser(workspace: Workspace, request_id: str, kind: LetterKind, as_of: dt.date) -> WrittenDocument | None:
    with workspace.session() as session:
        request = _request(session, request_id)
        reminder = models.Reminder(request_id=request_id, kind=kind, sent_on=as_of)
        session.add(reminder)
        try:
            session.flush()  # the unique (request, kind) row is the claim
        except IntegrityError:
            session.rollback()
            return None
        written = _render_and_record(session, workspace, request, kind, as_of, version=1)
        reminder.document_id = written.document_id
        request.status = _STATUS_AFTER[kind]
        session.add_all([reminder, request])
        return written


def _render_and_record(
    session: Session, workspace: Workspace, request: models.Request, kind: LetterKind, as_of: dt.date, version: int
) -> WrittenDocument:
    meeting = session.get(models.Meeting, request.meeting_id)
    organisation = session.get(models.Organisation, request.organisation_id)
    assert meeting is not None and organisation is not None
    context = build_letter_context(session, workspace, request, kind, as_of)
    # The request ID already names the commitment and the organisation: "r15-1-mopac-request-v1.docx".
    path = letter_path(workspace.settings.letters_dir, meeting.date, request.id, kind, version)
    document = models.Document(
        kind=kind,
        path=str(path),
        sha256="",
        request_id=request.id,
        meeting_id=meeting.id,
        version=version,
    )
    session.add(document)
    session.flush()  # a concurrent run writing the same path stops here, before touching the file
    template = workspace.settings.effective_templates_dir / LETTER_KINDS_WITH_TEMPLATES[kind]
    created = dt.datetime.combine(as_of, dt.time(9, 0), tzinfo=LONDON)
    try:
        rendered = render_letter(template, context, path, created=created)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    document.sha256 = rendered.sha256
    session.add(document)
    session.flush()
    assert document.id is not None
    return WrittenDocument(request.id, kind, document.id, str(path), rendered.sha256)


def ensure_pdf(workspace: Workspace, document_id: int) -> str | None:
    """The PDF beside a letter, made after the letter is safely recorded (slow; no lock held).

    A failed conversion does not hold the letter back: the DOCX goes out, the failure is
    logged, and the next delivery attempt tries the PDF again.
    """
    if not workspace.settings.pdf or not libreoffice_available():
        return None
    with workspace.session() as session:
        document = session.get(models.Document, document_id)
        assert document is not None
        docx = Path(document.path)
        pdf_path = docx.with_suffix(".pdf")
        existing = session.exec(select(models.Document).where(models.Document.path == str(pdf_path))).first()
        if existing is not None and pdf_path.exists():
            return str(pdf_path)
    try:
        made = convert_to_pdf(docx, docx.parent)
    except ScrutinyError as exc:
        log.warning("PDF of %s not made, the letter goes without it for now: %s", docx.name, exc)
        return None
    if made is None:
        return None
    try:
        with workspace.session() as session:
            if session.exec(select(models.Document).where(models.Document.path == str(made))).first() is None:
                session.add(
                    models.Document(
                        kind=f"{document.kind}-pdf",
                        path=str(made),
                        sha256=file_sha256(made),
                        request_id=document.request_id,
                        meeting_id=document.meeting_id,
                        version=document.version,
                    )
                )
    except IntegrityError:
        pass  # another run converted and recorded the same letter at the same moment
    return str(made)


def undelivered(session: Session) -> list[int]:
    kinds = list(LETTER_KINDS_WITH_TEMPLATES)
    rows = session.exec(
        select(models.Document.id, models.Document.delivery)
        .where(col(models.Document.kind).in_(kinds))
        .order_by(col(models.Document.id))
    ).all()
    return [doc_id for doc_id, delivery in rows if doc_id is not None and _needs_delivery(delivery)]


def _needs_delivery(delivery: str) -> bool:
    if not delivery:
        return True
    if delivery.startswith("sending|"):
        claimed_at = dt.datetime.fromisoformat(delivery.split("|")[2])
        return dt.datetime.now(dt.UTC) - claimed_at > STALE_DELIVERY_CLAIM
    return False


def deliver_document(workspace: Workspace, document_id: int) -> Delivered | None:
    """E-mail one letter with its PDF and a meeting invitation; claimed first so it goes once."""
    token = f"sending|{uuid.uuid4().hex}|{dt.datetime.now(dt.UTC).isoformat()}"
    with workspace.session() as session:
        document = session.get(models.Document, document_id)
        if document is None or not _needs_delivery(document.delivery):
            return None
        claimed = session.exec(  # type: ignore[call-overload]
            update(models.Document)
            .where(col(models.Document.id) == document_id, col(models.Document.delivery) == document.delivery)
            .values(delivery=token)
        )
        if claimed.rowcount != 1:
            return None
        message = _compose(session, workspace, document)
    try:
        receipt = _transport(workspace).deliver(message)
    except BaseException:
        with workspace.session() as session:  # release our claim (only ours) so a retry can send it
            session.exec(  # type: ignore[call-overload]
                update(models.Document)
                .where(col(models.Document.id) == document_id, col(models.Document.delivery) == token)
                .values(delivery="")
            )
        raise
    with workspace.session() as session:
        session.exec(  # type: ignore[call-overload]
            update(models.Document)
            .where(col(models.Document.id) == document_id)
            .values(delivery=f"{receipt.channel}:{receipt.location}", channel=receipt.channel)
        )
    return Delivered(document_id, receipt.channel, receipt.location)


def _compose(session: Session, workspace: Workspace, document: models.Document):  # type: ignore[no-untyped-def]
    info = workspace.config.committee
    request = session.get(models.Request, document.request_id)
    assert request is not None
    meeting = session.get(models.Meeting, request.meeting_id)
    contact = session.get(models.Contact, request.contact_id) if request.contact_id else None
    assert meeting is not None and contact is not None
    chair = next(m for m in workspace.config.members if m.name == info.chair)
    docx = Path(document.path)
    attachments = [docx] + ([docx.with_suffix(".pdf")] if docx.with_suffix(".pdf").exists() else [])
    start = dt.datetime.combine(meeting.date, meeting.start_time, tzinfo=LONDON)
    end = (
        dt.datetime.combine(meeting.date, meeting.end_time, tzinfo=LONDON)
        if meeting.end_time
        else (start + dt.timedelta(minutes=info.meeting_minutes))
    )
    invitation = build_meeting_invitation(
        uid=f"meeting-{meeting.id}@{info.uid_domain}",
        start=start,
        end=end,
        venue=meeting.venue,
        summary=f"{info.name}",
        organiser_email=info.officer.email,
        attendee_email=contact.email,
    )
    subjects = {
        "request": "request for a written update",
        "reminder": "reminder: written update due",
        "overdue": "written update now overdue",
        "escalation": "written update overdue (copied to the Chair)",
    }
    subject = f"{info.name}: {subjects[document.kind]} for the meeting on {long_date(meeting.date)} (ref {request.id})"
    body = (
        f"{contact.salutation or 'Dear ' + contact.name},\n\n"
        f"Please find attached a letter from the Chair of the {info.name}. The written response is due by "
        f"{long_date(request.due_date)}, for the meeting on {long_date(meeting.date)} at {meeting.venue}. "
        f"An invitation to the meeting is attached.\n\nPlease reply to {info.officer.email}.\n\n"
        f"{info.officer.name}\n{info.officer.role}\n{info.letterhead_name}\n"
    )
    cc = [chair.email] if document.kind == "escalation" and chair.email else []
    return build_letter_email(
        sender=info.officer.email,
        to=contact.email,
        cc=cc,
        subject=subject,
        body_text=body,
        attachments=attachments,
        invitation_ics=invitation,
        message_id_seed=f"{document.request_id}-{document.kind}-v{document.version}-{document.sha256[:16]}",
    )


def _transport(workspace: Workspace) -> OutboxDelivery | SmtpDelivery:
    settings = workspace.settings
    if not settings.smtp_host:
        return OutboxDelivery(settings.outbox_dir)
    return SmtpDelivery(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=smtp_password(workspace),
        starttls=settings.smtp_starttls,
        timeout=30.0,
    )


def smtp_password(workspace: Workspace) -> str | None:
    """From the environment, or from a Prefect Secret block; never from the repository."""
    settings = workspace.settings
    if settings.smtp_password:
        return settings.smtp_password
    if settings.smtp_password_block:
        from prefect.blocks.system import Secret

        try:
            return str(Secret.load(settings.smtp_password_block).get())
        except ValueError:
            raise ScrutinyError(f"Prefect Secret block {settings.smtp_password_block!r} not found") from None
    return None


def _request(session: Session, request_id: str) -> models.Request:
    request = session.get(models.Request, request_id)
    if request is None:
        raise ScrutinyError(f"request {request_id!r} not found: see 'scrutiny responses due'")
    return request


def describe_documents(session: Session, document_ids: list[int]) -> list[dict[str, str]]:
    rows = []
    for document_id in document_ids:
        document = session.get(models.Document, document_id)
        if document is None:
            continue
        pdf = Path(document.path).with_suffix(".pdf")
        rows.append(
            {
                "request_id": document.request_id or "",
                "kind": document.kind,
                "path": document.path,
                "pdf": str(pdf) if pdf.exists() else "",
                "delivery": document.delivery,
            }
        )
    return rows
