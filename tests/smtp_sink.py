"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it accepted, for tests that
run the product in other processes and count what reached the server: each message once per
envelope recipient, with its Message-ID and subject."""

from __future__ import annotations

import email
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from typing import Any

from aiosmtpd.controller import Controller

from tests.product_processes import free_port


@dataclass(frozen=True)
class Received:
    message_id: str
    recipient: str  # one envelope recipient: the product sends each recipient their own copy
    subject: str


class SmtpSink:
    """The handler: a message counts once the server has accepted its DATA, as a real server's would."""

    def __init__(self) -> None:
        self.port = 0
        self._received: list[Received] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            for recipient in envelope.rcpt_tos:
                self._received.append(Received(str(message["Message-ID"]), recipient.lower(), str(message["Subject"])))
        return "250 Message accepted for delivery"

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def settings(self) -> dict[str, str]:
        """The product's settings that send to this server (no TLS, no login, no retry delay)."""
        return {
            "SCRUTINY_SMTP_HOST": "127.0.0.1",
            "SCRUTINY_SMTP_PORT": str(self.port),
            "SCRUTINY_SMTP_STARTTLS": "false",
            "SCRUTINY_DELIVERY_RETRY_DELAYS": "0",
        }


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
