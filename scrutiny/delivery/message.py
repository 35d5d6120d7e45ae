"""Build the e-mail that carries a letter: body, DOCX/PDF attachments and a meeting invitation."""

from __future__ import annotations

import hashlib
import mimetypes
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from scrutiny.delivery.addresses import header_text, mailbox
from scrutiny.documents.naming import safe_slug
from scrutiny.errors import ScrutinyError

_TYPES = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".pdf": ("application", "pdf"),
    ".ics": ("text", "calendar"),
}


def message_id_for(seed: str, domain: str) -> str:
    """``<seed-slug-hash@domain>``: the same seed always gives the same ID.

    A re-send of the same letter (same seed, e.g. request id and letter version) therefore
    carries the same Message-ID, which mail clients and our own outbox use to spot duplicates.
    """
    if not seed.strip():
        raise ScrutinyError("e-mail message_id_seed: must not be empty")
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:24]
    if not domain or any(c in domain for c in "<>@ \r\n"):
        raise ScrutinyError(f"e-mail Message-ID domain {domain!r}: not a domain name")
    return f"<{safe_slug(seed, 40)}-{digest}@{domain}>"


def _mime_type(path: Path) -> tuple[str, str]:
    known = _TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed and "/" in guessed:
        main, sub = guessed.split("/", 1)
        return main, sub
    return "application", "octet-stream"


def build_letter_email(
    *,
    sender: str,
    to: str,
    cc: list[str],
    subject: str,
    body_text: str,
    attachments: list[Path],
    invitation_ics: bytes | None,
    message_id_seed: str,
    message_id_domain: str,
    reply_to: str | None = None,
    sent_at: datetime | None = None,
) -> EmailMessage:
    """A multipart/mixed message: the text, each attachment, then ``invite.ics`` if given.

    ``sent_at`` fixes the Date header (default: now); everything else is determined by the
    arguments, so the same letter builds the same message apart from MIME boundaries.
    """
    message = EmailMessage()
    message["From"] = mailbox("sender", sender)
    message["To"] = mailbox("recipient", to)
    copies = [mailbox("cc", address) for address in cc]
    if copies:
        message["Cc"] = ", ".join(copies)
    if reply_to:
        message["Reply-To"] = mailbox("reply-to", reply_to)
    message["Subject"] = header_text("subject", subject)
    message["Date"] = format_datetime(sent_at or datetime.now(UTC))
    message["Message-ID"] = message_id_for(message_id_seed, message_id_domain)
    message.set_content(body_text)

    for path in attachments:
        if not path.is_file():
            raise ScrutinyError(f"e-mail attachment {path}: file not found")
        maintype, subtype = _mime_type(path)
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    if invitation_ics is not None:
        if not invitation_ics.lstrip().startswith(b"BEGIN:VCALENDAR"):
            raise ScrutinyError("e-mail invitation: not an iCalendar file (no BEGIN:VCALENDAR)")
        # base64 keeps the calendar's CRLF line endings byte for byte.
        message.add_attachment(
            invitation_ics,
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": "REQUEST", "charset": "utf-8"},
        )
    return message
