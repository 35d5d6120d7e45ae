"""A received e-mail reduced to what collection needs: its ID, subject, text and attachments."""

from __future__ import annotations

import email
import hashlib
import html
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from pathlib import PurePosixPath

Attachment = tuple[str, bytes]  # (file name, bytes)

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_MAX_NESTING = 5  # forwarded messages inside forwarded messages


@dataclass(frozen=True)
class ReceivedMessage:
    message_id: str | None
    subject: str
    sender: str
    text: str  # the plain-text body, or the HTML body reduced to text when there is no plain one
    attachments: tuple[Attachment, ...]
    raw: bytes

    @property
    def key(self) -> str:
        """What makes the message "taken once": its Message-ID, or a hash of its bytes when it has none."""
        return self.message_id or f"sha256:{hashlib.sha256(self.raw).hexdigest()}"


def html_to_text(markup: str) -> str:
    """Crude but enough to find a reference in an HTML-only e-mail."""
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", markup)
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()


def parse_message(raw: bytes) -> ReceivedMessage:
    """Parse RFC 822 bytes with the standard library's modern e-mail policy."""
    message = email.message_from_bytes(raw, policy=policy.default)
    if not isinstance(message, EmailMessage):  # policy.default always builds EmailMessage; keeps typing honest
        raise TypeError("unexpected message class")
    return ReceivedMessage(
        message_id=_header(message, "Message-ID") or None,
        subject=_header(message, "Subject"),
        sender=_header(message, "From"),
        text=_body_text(message).replace("\r\n", "\n"),
        attachments=tuple(_attachments(message, depth=0)),
        raw=raw,
    )


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header the parser cannot decode
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _body_text(message: EmailMessage) -> str:
    for preference in ("plain", "html"):
        part = message.get_body(preferencelist=(preference,))
        if part is None:
            continue
        try:
            content = part.get_content()
        except (LookupError, ValueError, AssertionError):  # unknown charset, broken encoding
            payload = part.get_payload(decode=True)
            content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        if isinstance(content, str):
            return html_to_text(content) if preference == "html" else content
    return ""


def _attachments(message: EmailMessage, *, depth: int) -> list[Attachment]:
    found: list[Attachment] = []
    for number, part in enumerate(message.iter_attachments(), start=1):
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload(0) if part.is_multipart() else None
            if isinstance(inner, EmailMessage) and depth < _MAX_NESTING:
                found.extend(_attachments(inner, depth=depth + 1))  # a forwarded message's documents count too
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        found.append((safe_filename(part.get_filename() or "", f"attachment-{number}"), data))
    return found


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """The last path component of a sender-chosen file name, without control characters."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip(" .")
    return cleaned[:200] or fallback
