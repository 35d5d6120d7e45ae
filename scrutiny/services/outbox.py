"""What each document's e-mail says and who it goes to: one Delivery row per recipient.

Recipients are recorded when the document is written, in the same transaction, so an e-mail
is never lost between writing a letter and sending it; delivery then sends each row once.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

from sqlalchemy import insert
from sqlmodel import Session, col, select

from scrutiny.dates import full_date, weekday_full_date
from scrutiny.delivery import build_letter_email, build_meeting_invitation
from scrutiny.delivery.addresses import is_redacted
from scrutiny.errors import ScrutinyError
from scrutiny.letters.kinds import KINDS
from scrutiny.services.recipients import CopyRecipient
from scrutiny.workspace import LONDON, CommitteeContext, Workspace
from state import models

WITHHELD = "withheld"  # a Delivery owed to someone since forgotten: never sent, in no header


def queue_recipients(
    session: Session, document_id: int, *, to: tuple[str, str], copies: list[CopyRecipient], role: str = "to"
) -> None:
    """Record who the document's e-mail goes to; recipients without an address are only printed."""
    existing = {
        address.lower()
        for address in session.exec(select(models.Delivery.address).where(models.Delivery.document_id == document_id))
    }
    wanted = [(to[0], to[1], role), *((c.email, c.name, "cc") for c in copies)]
    rows = []
    for address, name, kind in wanted:
        if not address or address.lower() in existing or is_redacted(address):
            continue  # no address, already queued, or a person since forgotten
        existing.add(address.lower())
        rows.append({"document_id": document_id, "address": address, "name": name, "role": kind})
    session.flush()
    if rows:  # one statement for all of them: a letter is copied to several people
        session.execute(insert(models.Delivery), rows)


def recipients_of(session: Session, document_id: int) -> list[models.Delivery]:
    return list(
        session.exec(
            select(models.Delivery).where(models.Delivery.document_id == document_id).order_by(col(models.Delivery.id))
        )
    )


def compose_email(session: Session, workspace: Workspace, document: models.Document) -> EmailMessage:
    """The e-mail carrying a letter or chaser: To the contact, Cc everyone copied, Reply-To the officer."""
    if document.letter_id is None or document.id is None:
        raise ScrutinyError(f"document {document.id}: not a letter, so it has no e-mail")
    letter = session.get(models.Letter, document.letter_id)
    meeting = session.get(models.Meeting, document.meeting_id) if document.meeting_id else None
    if letter is None or meeting is None:
        raise ScrutinyError(f"document {document.id}: its letter or meeting is missing")
    committee = workspace.committee(letter.committee_id)
    info = committee.config.committee
    # A recipient since forgotten ('scrutiny contacts forget') is in no header: the others get their copy.
    recipients = [r for r in recipients_of(session, document.id) if r.state != WITHHELD]
    to = [r for r in recipients if r.role == "to"]
    if not to and recipients:
        # The addressee was forgotten before it went: those copied still get it, To the officer.
        to = [models.Delivery(document_id=document.id, address=info.officer.email, name=info.officer.name, role="to")]
    if not to:
        raise ScrutinyError(f"letter {letter.id}: no recipient with an e-mail address")
    docx = workspace.resolve(document.path)
    attachments = [docx] + ([docx.with_suffix(".pdf")] if docx.with_suffix(".pdf").exists() else [])
    facts = KINDS[document.kind]
    subject = f"{info.name}: {facts.subject} for the meeting on {full_date(meeting.date)} (ref {letter.id})"
    items = _item_titles(session, letter.id)
    due = committee.timetable(meeting.date).response_due_date
    body = (
        f"{_greeting(session, letter)},\n\n"
        f"Please find attached a letter from the Chair of the {info.name} about:\n"
        + "".join(f"  - {title}\n" for title in items)
        + f"\nThe written response is due by {weekday_full_date(due)}, for the meeting on "
        f"{weekday_full_date(meeting.date)} at {meeting.venue}. An invitation to the meeting is attached.\n\n"
        f"Please reply to {info.officer.email}, quoting our reference {letter.id}.\n\n"
        f"{info.officer.name}\n{info.officer.role}\n{info.letterhead_name}\n"
    )
    return build_letter_email(
        sender=info.officer.email,
        to=_mailbox(to[0]),
        cc=[_mailbox(r) for r in recipients if r.role == "cc"],
        reply_to=info.officer.email,
        subject=subject,
        body_text=body,
        attachments=attachments,
        invitation_ics=_invitation(committee, meeting, to[0].address),
        message_id_seed=f"{letter.id}-{document.kind}-v{document.version}-{document.sha256[:16]}",
        message_id_domain=info.message_domain,
    )


def _mailbox(recipient: models.Delivery) -> str:
    name = recipient.name.replace('"', "'").strip()
    return f'"{name}" <{recipient.address}>' if name else recipient.address


def _greeting(session: Session, letter: models.Letter) -> str:
    contact = session.get(models.Contact, letter.contact_id) if letter.contact_id else None
    if contact is None:
        return "Dear colleague"
    return contact.salutation or (f"Dear {contact.name}" if contact.name else f"Dear {contact.role}")


def _item_titles(session: Session, letter_id: str) -> list[str]:
    rows = session.exec(
        select(models.AgendaItem.id, models.AgendaItem.title)
        .select_from(models.LetterRequest)
        .join(models.Request, col(models.Request.id) == col(models.LetterRequest.request_id))
        .join(models.AgendaItem, col(models.AgendaItem.id) == col(models.Request.agenda_item_id))
        .where(models.LetterRequest.letter_id == letter_id)
    ).all()
    return [title for _id, title in sorted(set(rows))]


def _invitation(committee: CommitteeContext, meeting: models.Meeting, attendee: str) -> bytes:
    info = committee.config.committee
    start = dt.datetime.combine(meeting.date, meeting.start_time, tzinfo=LONDON)
    end = (
        dt.datetime.combine(meeting.date, meeting.end_time, tzinfo=LONDON)
        if meeting.end_time
        else start + dt.timedelta(minutes=info.meeting_minutes)
    )
    return build_meeting_invitation(
        uid=f"meeting-{meeting.id}@{info.message_domain}",
        start=start,
        end=end,
        venue=meeting.venue,
        summary=info.name,
        organiser_email=info.officer.email,
        attendee_email=attendee,
        prodid=f"-//{info.council}//Scrutiny workflow//EN",
    )
