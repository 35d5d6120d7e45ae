"""Where a built message goes: a folder of .eml files (outbox) or an SMTP server."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Literal, Protocol

from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.documents.naming import safe_slug
from scrutiny.errors import ScrutinyError


@dataclass(frozen=True)
class DeliveryReceipt:
    channel: Literal["outbox", "smtp"]
    location: str  # the .eml path, or smtp://host:port
    message_id: str


class Delivery(Protocol):
    def deliver(self, message: EmailMessage, recipients: list[str] | None = None) -> DeliveryReceipt:
        """Send ``message`` to ``recipients`` (default: everyone in To and Cc); raise ScrutinyError on failure."""
        ...


def _message_id(message: EmailMessage) -> str:
    message_id = message.get("Message-ID")
    if not message_id:
        raise ScrutinyError(f"e-mail {message.get('Subject', '')!r}: has no Message-ID")
    return str(message_id)


class OutboxDelivery:
    """Writes each message to ``<outbox>/<message-id-slug>.eml`` (for demos and review).

    Delivering the same message again overwrites the same file, so a retried task leaves
    one copy, not two.
    """

    def __init__(self, outbox_dir: Path) -> None:
        self.outbox_dir = outbox_dir

    def path_for(self, message_id: str) -> Path:
        return self.outbox_dir / f"{safe_slug(message_id.strip('<>'), 120)}.eml"

    def deliver(self, message: EmailMessage, recipients: list[str] | None = None) -> DeliveryReceipt:
        # One file per message whoever it is for: the .eml shows every recipient in its headers.
        message_id = _message_id(message)
        path = self.path_for(message_id)
        write_bytes_atomic(path, message.as_bytes())
        return DeliveryReceipt(channel="outbox", location=str(path), message_id=message_id)


class SmtpDelivery:
    """Sends through an SMTP server. Every failure is a one-line ScrutinyError, so a Prefect
    task can retry it; the password never appears in a message."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def _send(self, message: EmailMessage, recipients: list[str]) -> dict[str, tuple[int, bytes]]:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
            # The envelope names only who is to get it now, so a retry never reaches anyone twice.
            return smtp.send_message(message, to_addrs=recipients)

    def deliver(self, message: EmailMessage, recipients: list[str] | None = None) -> DeliveryReceipt:
        message_id = _message_id(message)
        if recipients is None:
            recipients = [a for _n, a in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))]
        try:
            refused = self._send(message, recipients)
        except smtplib.SMTPAuthenticationError as exc:
            raise ScrutinyError(f"SMTP {self.server} rejected the login for {self.username!r}: {_reply(exc)}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise ScrutinyError(
                f"SMTP {self.server} refused the message: no recipient accepted ({_refusals(exc.recipients)})"
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise ScrutinyError(f"SMTP {self.server} does not support STARTTLS: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            raise ScrutinyError(f"SMTP {self.server} refused the message: {_reply(exc)}") from exc
        except smtplib.SMTPException as exc:
            raise ScrutinyError(f"SMTP {self.server} failed: {exc}") from exc
        except ssl.SSLError as exc:
            raise ScrutinyError(f"SMTP {self.server} TLS failed: {exc.reason or exc}") from exc
        except OSError as exc:  # refused connection, unknown host, timeout
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise ScrutinyError(f"SMTP {self.server} could not be reached: {reason}") from exc
        if refused:
            # Some recipients got it; retrying would send them a second copy (with the same
            # Message-ID), so say exactly who was missed.
            raise ScrutinyError(
                f"SMTP {self.server} refused the message for {len(refused)} of "
                f"{len(recipients)} recipients ({_refusals(refused)})"
            )
        return DeliveryReceipt(channel="smtp", location=f"smtp://{self.server}", message_id=message_id)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {' '.join(text.split())}"


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    parts = []
    for address, (code, text) in refused.items():
        reason = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        parts.append(f"{address}: {code} {' '.join(reason.split())}")
    return "; ".join(parts)
