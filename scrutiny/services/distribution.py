"""Agenda packs to the committee's members: one e-mail per pack version, each member sent it once.

When a pack (or supplementary pack) is recorded, each active member with an e-mail address gets
a Delivery row (role "member") in the same transaction, so a pack is never published without
its e-mails being owed; the outbox/SMTP delivery then sends each row once, whatever retries or
workers run at once. The message is To the officer, with the members as envelope recipients
(listed under Bcc, which SMTP never transmits): no member sees another's copy or gets two. It
carries the pack's PDF (its DOCX when no PDF was made) when the file is under
SCRUTINY_PACK_ATTACH_MAX_MB, else its location (SCRUTINY_PACK_BASE_URL), and the meeting's
invitation. Draft packs are never recorded, so never sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

from sqlmodel import Session, col, select

from scrutiny.dates import clock_time, full_date, weekday_full_date
from scrutiny.delivery import build_letter_email
from scrutiny.delivery.addresses import mailbox
from scrutiny.errors import ScrutinyError
from scrutiny.services.meetings import get_meeting
from scrutiny.services.outbox import WITHHELD, _invitation, compose_email, recipients_of
from scrutiny.workspace import Workspace
from state import models

PACK_KINDS = ("agenda-pack", "supplementary-pack")
MEMBER_ROLE = "member"


@dataclass(frozen=True)
class VersionDistribution:
    """Who has had one version of a meeting's pack."""

    meeting_id: str
    version: int
    supplementary: bool
    document_id: int
    sent: int
    pending: int
    not_queued: list[str]  # members with an address who were never sent it (built with --no-send)
    channel: str


def members_with_address(session: Session, committee_id: str) -> list[models.Member]:
    return list(
        session.exec(
            select(models.Member)
            .where(models.Member.committee_id == committee_id, col(models.Member.active).is_(True))
            .where(models.Member.email != "")
            .order_by(col(models.Member.id))
        )
    )


def queue_pack_for_members(session: Session, *, document: models.Document, as_of: dt.date) -> int:
    """Owe the pack's e-mail to each member who has not had this version; returns how many rows were added.

    Runs in the caller's transaction (the one recording the pack). Nothing is owed for a meeting
    that is cancelled or has taken place.
    """
    session.flush()  # the document's id
    meeting = session.get(models.Meeting, document.meeting_id) if document.meeting_id else None
    if document.id is None or meeting is None or meeting.cancelled or meeting.date < as_of:
        return 0
    had = {address.lower() for address in _addresses(session, document.id)}
    added = 0
    for member in members_with_address(session, meeting.committee_id):
        if member.email.lower() in had:
            continue
        had.add(member.email.lower())
        session.add(models.Delivery(document_id=document.id, address=member.email, name=member.name, role=MEMBER_ROLE))
        added += 1
    session.flush()
    return added


def pack_documents(session: Session, meeting_id: str) -> list[models.Document]:
    """Every recorded version of a meeting's pack, oldest first."""
    return list(
        session.exec(
            select(models.Document)
            .where(models.Document.meeting_id == meeting_id, col(models.Document.kind).in_(PACK_KINDS))
            .order_by(col(models.Document.version))
        )
    )


def queue_unsent_versions(session: Session, *, meeting_id: str, as_of: dt.date) -> list[int]:
    """For 'scrutiny pack MEETING_ID --send': each built version owed to each member who has not had it.

    Returns the documents that gained recipients (none when every member has had every version).
    """
    documents = sendable_pack(session, meeting_id=meeting_id, as_of=as_of)
    return [d.id for d in documents if d.id is not None and queue_pack_for_members(session, document=d, as_of=as_of)]


def sendable_pack(session: Session, *, meeting_id: str, as_of: dt.date) -> list[models.Document]:
    """The built versions of a coming meeting's pack; a one-line error when there is nothing to send."""
    meeting = get_meeting(session, meeting_id)
    if meeting.cancelled:
        raise ScrutinyError(f"meeting {meeting.id} is cancelled: its pack is not sent")
    if meeting.date < as_of:
        raise ScrutinyError(f"meeting {meeting.id} has already taken place: its pack is not sent")
    documents = pack_documents(session, meeting.id)
    if not documents:
        raise ScrutinyError(f"no agenda pack has been built for {meeting.id}: run 'scrutiny pack {meeting.id}' first")
    return documents


def pack_distribution(session: Session, *, meeting_id: str) -> list[VersionDistribution]:
    rows = []
    for document in pack_documents(session, meeting_id):
        if document.id is None or document.meeting_id is None:
            continue
        meeting = get_meeting(session, document.meeting_id)
        deliveries = [d for d in recipients_of(session, document.id) if d.role == MEMBER_ROLE]
        had = {d.address.lower() for d in deliveries}
        sent = [d for d in deliveries if d.state == "sent"]
        rows.append(
            VersionDistribution(
                meeting_id=meeting.id,
                version=document.version,
                supplementary=document.kind == "supplementary-pack",
                document_id=document.id,
                sent=len(sent),
                pending=sum(1 for d in deliveries if d.state not in ("sent", WITHHELD)),
                not_queued=[
                    m.name for m in members_with_address(session, meeting.committee_id) if m.email.lower() not in had
                ],
                channel=sent[0].channel if sent else "",
            )
        )
    return rows


def is_pack_document(session: Session, document_id: int) -> bool:
    document = session.get(models.Document, document_id)
    return document is not None and document.kind in PACK_KINDS


def compose_document(session: Session, workspace: Workspace, document: models.Document) -> EmailMessage:
    """The e-mail of any document the outbox holds: a pack's to the members, else a letter's."""
    if document.kind in PACK_KINDS:
        return compose_pack_email(session, workspace, document)
    return compose_email(session, workspace, document)


def compose_pack_email(session: Session, workspace: Workspace, document: models.Document) -> EmailMessage:
    """To the officer, the members as envelope recipients (Bcc); the pack attached or linked; the invitation."""
    meeting = get_meeting(session, document.meeting_id or "")
    committee = workspace.committee(meeting.committee_id)
    info = committee.config.committee
    pack = session.exec(
        select(models.Pack).where(models.Pack.meeting_id == meeting.id, models.Pack.version == document.version)
    ).first()
    if pack is None or document.id is None:
        raise ScrutinyError(f"document {document.id}: no agenda pack v{document.version} recorded for {meeting.id}")
    members = [r for r in recipients_of(session, document.id) if r.role == MEMBER_ROLE and r.state != WITHHELD]
    if not members:
        raise ScrutinyError(f"agenda pack v{pack.version} of {meeting.id}: no member with an e-mail address")
    file = workspace.resolve(pack.pdf_path or pack.docx_path)
    if not file.is_file():
        raise ScrutinyError(f"agenda pack v{pack.version} of {meeting.id}: {file} is missing")
    size = file.stat().st_size
    attach = size < workspace.settings.pack_attach_max_mb * 1024 * 1024
    what = "supplementary agenda" if pack.supplementary else "agenda pack"
    where = (
        f"is attached ({file.name}, {_megabytes(size)})."
        if attach
        else f"is {_megabytes(size)}, too large to attach; it is at:\n  {pack_location(workspace, file)}"
    )
    body = (
        f"Dear Members of the {info.name},\n\n"
        f"The {what} (version {pack.version}) for the meeting on {weekday_full_date(meeting.date)} at "
        f"{clock_time(meeting.start_time)}, {meeting.venue}, {where}\n\n"
        + _contents(session, meeting, pack)
        + "\nAn invitation to the meeting is attached for your calendar. Please send any apologies for absence "
        f"to {info.officer.email}.\n\n"
        f"{info.officer.name}\n{info.officer.role}\n{info.letterhead_name}\n"
    )
    message = build_letter_email(
        sender=info.officer.email,
        to=_named(models.Delivery(document_id=document.id, address=info.officer.email, name=info.officer.name)),
        cc=[],
        reply_to=info.officer.email,
        subject=f"{info.name}: {what} for the meeting on {full_date(meeting.date)} (v{pack.version})",
        body_text=body,
        attachments=[file] if attach else [],
        invitation_ics=_invitation(committee, meeting, info.officer.email),
        message_id_seed=f"{meeting.id}-pack-v{pack.version}-{pack.sha256[:16]}",
        message_id_domain=info.message_domain,
    )
    # Envelope recipients, shown in the outbox copy; smtplib never transmits a Bcc header.
    message["Bcc"] = ", ".join(mailbox("bcc", _named(r)) for r in members)
    return message


def pack_location(workspace: Workspace, file: Path) -> str:
    """Where a member finds the file: under SCRUTINY_PACK_BASE_URL (standing for packs/), else its path."""
    base = workspace.settings.pack_base_url
    if not base:
        return str(file)
    try:
        relative = file.resolve().relative_to(workspace.settings.packs_dir.resolve()).as_posix()
    except ValueError:
        relative = file.name
    if "://" in base:
        return f"{base.rstrip('/')}/{quote(relative)}"
    return str(Path(base) / relative)


def _contents(session: Session, meeting: models.Meeting, pack: models.Pack) -> str:
    """What the pack is for: the items of the meeting, or what a supplementary adds."""
    if not pack.supplementary:
        titles = session.exec(
            select(models.AgendaItem.title)
            .where(models.AgendaItem.meeting_id == meeting.id, col(models.AgendaItem.removed).is_(False))
            .order_by(col(models.AgendaItem.id))
        ).all()
        return "The meeting will consider:\n" + "".join(f"  - {title}\n" for title in titles) if titles else ""
    added = []
    for response_id in pack.included_responses:
        response = session.get(models.Response, response_id)
        request = session.get(models.Request, response.request_id) if response else None
        item = session.get(models.AgendaItem, request.agenda_item_id) if request else None
        organisation = session.get(models.Organisation, request.organisation_id) if request else None
        if item is not None and organisation is not None:
            added.append(f"the written response from {organisation.name} on “{item.title}”")
    if pack.included_minutes:
        added.append("the minutes of the previous meeting")
    return "It adds what has arrived since the agenda was published:\n" + "".join(f"  - {a}\n" for a in added)


def _addresses(session: Session, document_id: int) -> list[str]:
    return list(session.exec(select(models.Delivery.address).where(models.Delivery.document_id == document_id)))


def _named(recipient: models.Delivery) -> str:
    name = recipient.name.replace('"', "'").strip()
    return f'"{name}" <{recipient.address}>' if name else recipient.address


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"
