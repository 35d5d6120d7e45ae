"""E-mail delivery: the message, the invitation, the outbox and a real SMTP server."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from icalendar import Calendar

from scrutiny.delivery import (
    OutboxDelivery,
    SmtpDelivery,
    build_letter_email,
    build_meeting_invitation,
    message_id_for,
)
from scrutiny.errors import ScrutinyError
from scrutiny.letters.render import render_letter
from scrutiny.letters.samples import sample_context

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SENT_AT = datetime(2025, 10, 10, 9, 30, tzinfo=UTC)


@pytest.fixture
def letter(tmp_path: Path) -> Path:
    out = tmp_path / "metropolitan-police-service-lih-2025-12-r15-v1.docx"
    render_letter(TEMPLATES / "request_letter.docx", sample_context("request"), out)
    return out


def _invitation(**changes: Any) -> bytes:
    arguments: dict[str, Any] = dict(
        uid="lih-2025-12-08-r15@scrutiny.hackney.example",
        start=datetime(2025, 12, 8, 19, 0),
        end=datetime(2025, 12, 8, 21, 30),
        venue="Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA",
        summary="Living in Hackney Scrutiny Commission",
        organiser_email="tracey.anderson@hackney.example",
        attendee_email="James Conway <james.conway@met.example>",
        prodid="-//London Borough of Hackney//Scrutiny workflow//EN",
        stamp=SENT_AT,
    )
    arguments.update(changes)
    return build_meeting_invitation(**arguments)


def _message(attachments: list[Path], **changes: Any) -> EmailMessage:
    arguments: dict[str, Any] = dict(
        sender="Living in Hackney Scrutiny <scrutiny@hackney.example>",
        to="James Conway <james.conway@met.example>",
        cc=["tracey.anderson@hackney.example", "sharon.patrick@hackney.example"],
        subject="Request for written evidence: Recommendation 15",
        body_text="Dear James Conway\n\nPlease find attached a letter from the Chair.\n",
        attachments=attachments,
        invitation_ics=_invitation(),
        message_id_seed="request-15-v1",
        message_id_domain="living-in-hackney.scrutiny.example",
        sent_at=SENT_AT,
    )
    arguments.update(changes)
    return build_letter_email(**arguments)


def _parts(message: EmailMessage) -> dict[str, EmailMessage]:
    return {str(part.get_filename()): part for part in message.iter_attachments()}


# --------------------------------------------------------------------------------------
# The message


def test_message_carries_letter_pdf_and_invitation(tmp_path: Path, letter: Path) -> None:
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(b"%PDF-1.6 stand-in")
    message = _message([letter, pdf])
    assert message["Subject"] == "Request for written evidence: Recommendation 15"
    assert message["Date"] == "Fri, 10 Oct 2025 09:30:00 +0000"
    assert message.get_content_type() == "multipart/mixed"
    assert message.get_body(("plain",)).get_content().startswith("Dear James Conway")

    parts = _parts(message)
    assert list(parts) == [letter.name, "letter.pdf", "invite.ics"]
    assert parts[letter.name].get_content_type() == DOCX_TYPE
    assert parts[letter.name].get_content() == letter.read_bytes()
    assert parts["letter.pdf"].get_content_type() == "application/pdf"
    invite = parts["invite.ics"]
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_param("method") == "REQUEST"
    assert invite.get_payload(decode=True) == _invitation()


def test_message_id_is_deterministic_per_seed(letter: Path) -> None:
    first = _message([letter])
    again = _message([letter], sent_at=datetime(2025, 10, 11, tzinfo=UTC))
    other = _message([letter], message_id_seed="request-15-v2")
    assert (
        first["Message-ID"]
        == again["Message-ID"]
        == message_id_for("request-15-v1", "living-in-hackney.scrutiny.example")
    )
    assert other["Message-ID"] != first["Message-ID"]
    assert first["Message-ID"].startswith("<request-15-v1-")
    assert first["Message-ID"].endswith("@living-in-hackney.scrutiny.example>")


def test_bad_headers_and_files_are_refused(tmp_path: Path, letter: Path) -> None:
    with pytest.raises(ScrutinyError, match="subject .* must be on one line"):
        _message([letter], subject="Hello\r\nBcc: everyone@elsewhere.example")
    with pytest.raises(ScrutinyError, match="recipient 'not an address': not an e-mail address"):
        _message([letter], to="not an address")
    with pytest.raises(ScrutinyError, match="cc"):
        _message([letter], cc=["ok@hackney.example", "x@y@z"])
    with pytest.raises(ScrutinyError, match="attachment .*missing.docx: file not found"):
        _message([tmp_path / "missing.docx"])
    with pytest.raises(ScrutinyError, match="not an iCalendar file"):
        _message([letter], invitation_ics=b"<html>")
    with pytest.raises(ScrutinyError, match="message_id_seed"):
        _message([letter], message_id_seed="  ")


# --------------------------------------------------------------------------------------
# The invitation


def test_invitation_is_a_london_meeting_request() -> None:
    calendar = Calendar.from_ical(_invitation())
    assert calendar["METHOD"] == "REQUEST"
    [zone] = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/London"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == "lih-2025-12-08-r15@scrutiny.hackney.example"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    start = event.decoded("DTSTART")
    assert (start.hour, start.utcoffset().total_seconds()) == (19, 0)  # GMT in December
    assert str(event["ORGANIZER"]) == "mailto:tracey.anderson@hackney.example"
    assert str(event["ATTENDEE"]) == "mailto:james.conway@met.example"
    assert event["ATTENDEE"].params["RSVP"] == "TRUE"
    assert str(event["LOCATION"]).startswith("Council Chamber, Hackney Town Hall")
    raw = _invitation().decode()
    assert "DTSTART;TZID=Europe/London:20251208T190000" in raw
    assert "DTEND;TZID=Europe/London:20251208T213000" in raw


def test_invitation_in_summer_uses_bst_and_converts_other_zones() -> None:
    summer = Calendar.from_ical(
        _invitation(
            start=datetime(2025, 6, 23, 18, 0, tzinfo=UTC),
            end=datetime(2025, 6, 23, 20, 0, tzinfo=UTC),
        )
    )
    [event] = summer.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start.hour == 19 and start.utcoffset().total_seconds() == 3600


def test_invitation_refuses_nonsense() -> None:
    with pytest.raises(ScrutinyError, match="ends .* before it starts"):
        _invitation(end=datetime(2025, 12, 8, 18, 0))
    with pytest.raises(ScrutinyError, match="attendee"):
        _invitation(attendee_email="James Conway")
    with pytest.raises(ScrutinyError, match="one line"):
        _invitation(summary="Meeting\nATTENDEE:mailto:someone@elsewhere.example")


# --------------------------------------------------------------------------------------
# Outbox


def test_outbox_writes_one_eml_per_message(tmp_path: Path, letter: Path) -> None:
    outbox = OutboxDelivery(tmp_path / "outbox")
    message = _message([letter])
    receipt = outbox.deliver(message)
    assert receipt.channel == "outbox"
    assert receipt.message_id == message["Message-ID"]
    path = Path(receipt.location)
    assert path.parent == tmp_path / "outbox" and path.suffix == ".eml"
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["Message-ID"].strip() == message["Message-ID"].strip()
    assert _parts(parsed)[letter.name].get_content() == letter.read_bytes()
    # Delivering the same letter again (a retried task) leaves one file, not two.
    assert outbox.deliver(_message([letter])).location == receipt.location
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == [path.name]


# --------------------------------------------------------------------------------------
# SMTP, against a real aiosmtpd server


class StoringHandler:
    """Keeps every message; refuses recipients on refused.example and data when asked."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.refuse_data = False

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data:
            return "554 5.6.0 Message rejected as spam"
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (b"scrutiny", b"correct horse")
    return AuthResult(success=ok, handled=False)  # handled=False: the server sends 235 or 535


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, StoringHandler]]:
    handler = StoringHandler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def _delivery(controller: Controller, **changes: Any) -> SmtpDelivery:
    arguments: dict[str, Any] = dict(
        host="127.0.0.1", port=controller.port, username=None, password=None, starttls=False, timeout=5
    )
    arguments.update(changes)
    return SmtpDelivery(**arguments)


def test_smtp_delivers_letter_and_invitation(smtp_server: tuple[Controller, StoringHandler], letter: Path) -> None:
    controller, handler = smtp_server
    message = _message([letter])
    receipt = _delivery(controller).deliver(message)
    assert receipt.channel == "smtp"
    assert receipt.location == f"smtp://127.0.0.1:{controller.port}"
    assert receipt.message_id == message["Message-ID"]

    [envelope] = handler.envelopes
    assert envelope.mail_from == "scrutiny@hackney.example"
    assert sorted(envelope.rcpt_tos) == [
        "james.conway@met.example",
        "sharon.patrick@hackney.example",
        "tracey.anderson@hackney.example",
    ]
    received = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert received["Message-ID"].strip() == message["Message-ID"].strip()
    assert [a for _n, a in getaddresses([received["To"]])] == ["james.conway@met.example"]
    assert "Bcc" not in received
    parts = _parts(received)
    assert parts[letter.name].get_content_type() == DOCX_TYPE
    assert parts[letter.name].get_content() == letter.read_bytes()
    assert parts["invite.ics"].get_content_type() == "text/calendar"
    assert parts["invite.ics"].get_param("method") == "REQUEST"
    assert Calendar.from_ical(parts["invite.ics"].get_payload(decode=True))["METHOD"] == "REQUEST"


def test_smtp_login(smtp_server: tuple[Controller, StoringHandler], letter: Path) -> None:
    controller, handler = smtp_server
    _delivery(controller, username="scrutiny", password="correct horse").deliver(_message([letter]))
    assert len(handler.envelopes) == 1
    with pytest.raises(ScrutinyError) as caught:
        _delivery(controller, username="scrutiny", password="wrong secret").deliver(_message([letter]))
    message = str(caught.value)
    assert message.startswith(f"SMTP 127.0.0.1:{controller.port} rejected the login for 'scrutiny': 535")
    assert "wrong secret" not in message


def test_smtp_refusals_are_one_line(smtp_server: tuple[Controller, StoringHandler], letter: Path) -> None:
    controller, handler = smtp_server
    server = f"SMTP 127.0.0.1:{controller.port}"

    handler.refuse_data = True
    with pytest.raises(ScrutinyError, match=rf"^{server} refused the message: 554 5.6.0 Message rejected as spam$"):
        _delivery(controller).deliver(_message([letter]))
    handler.refuse_data = False

    with pytest.raises(
        ScrutinyError,
        match=rf"^{server} refused the message: no recipient accepted "
        r"\(nobody@refused.example: 550 5.1.1 No such mailbox here\)$",
    ):
        _delivery(controller).deliver(_message([letter], to="nobody@refused.example", cc=[]))

    with pytest.raises(
        ScrutinyError,
        match=rf"^{server} refused the message for 1 of 3 recipients "
        r"\(gone@refused.example: 550",
    ):
        _delivery(controller).deliver(
            _message([letter], cc=["tracey.anderson@hackney.example", "gone@refused.example"])
        )

    with pytest.raises(ScrutinyError, match=rf"^{server} does not support STARTTLS"):
        _delivery(controller, starttls=True).deliver(_message([letter]))


def test_smtp_unreachable(letter: Path) -> None:
    port = _free_port()
    with pytest.raises(ScrutinyError, match=rf"^SMTP 127.0.0.1:{port} could not be reached: "):
        SmtpDelivery("127.0.0.1", port, None, None, False, 2).deliver(_message([letter]))
