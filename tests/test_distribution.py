"""Agenda packs e-mailed to the committee's members at a real SMTP server: each member once per pack
version, a supplementary once more, nothing on a re-run, a retry or a second sender; --no-send and
--send; a pack too large to attach goes as a link."""

from __future__ import annotations

import datetime as dt
import email
import logging
import socket
import threading
import time
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlmodel import Session, select

from cli.main import main
from scrutiny.settings import get_settings
from state import models
from state.db import get_engine
from tests.cli_helpers import CliResult, run_cli
from tests.factories import bundled_config_data, write_config, write_response_docx

pytestmark = [pytest.mark.usefixtures("prefect_harness")]

MEETING = "lih-2027-01-25"
OFFICER = "tracey.anderson@hackney.example"
MEMBERS = sorted(member["email"] for member in bundled_config_data()["members"])
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def logs_as_the_cli_has_them() -> Iterator[None]:
    """The CLI runs with PREFECT_LOGGING_LEVEL=CRITICAL (the session harness set WARNING before Prefect
    configured its loggers), and aiosmtpd's session logs are not the CLI's either."""
    import prefect.main  # noqa: F401 - configures Prefect's loggers once; adjust them after that

    loggers = [logging.getLogger("prefect"), logging.getLogger("mail.log")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


class StoringHandler:
    """Keeps each message the server accepts, with the envelope recipients it was for."""

    def __init__(self) -> None:
        self.received: list[tuple[EmailMessage, list[str]]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.received.append((message, list(envelope.rcpt_tos)))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def packs(self, kind: str = "agenda pack") -> list[tuple[EmailMessage, list[str]]]:
        return [(m, to) for m, to in self.received if f": {kind} for the meeting" in str(m["Subject"])]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_port(monkeypatch: pytest.MonkeyPatch) -> int:
    port = _free_port()
    for name in ("SCRUTINY_SMTP_USERNAME", "SCRUTINY_SMTP_PASSWORD_BLOCK", "SCRUTINY_PACK_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCRUTINY_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SCRUTINY_SMTP_PORT", str(port))
    monkeypatch.setenv("SCRUTINY_SMTP_STARTTLS", "false")
    monkeypatch.setenv("SCRUTINY_DELIVERY_RETRY_DELAYS", "0")
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    monkeypatch.delenv("SCRUTINY_PACK_ATTACH_MAX_MB", raising=False)
    return port


def _start(port: int) -> tuple[Controller, StoringHandler]:
    handler = StoringHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, handler


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[StoringHandler]:
    controller, handler = _start(smtp_port)
    try:
        yield handler
    finally:
        controller.stop()


def _ok(result: CliResult) -> str:
    assert result.code == 0, (result.out, result.err)
    return result.out


def _one_line_error(result: CliResult) -> str:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scrutiny: error: "), result.err
    return lines[0]


def _envelopes(sent: list[tuple[EmailMessage, list[str]]]) -> list[str]:
    return sorted(address for _message, to in sent for address in to)


def _body(message: EmailMessage) -> str:
    return str(message.get_body(("plain",)).get_content()).replace("\r\n", "\n")  # type: ignore[union-attr]


def _attachments(message: EmailMessage) -> dict[str, EmailMessage]:
    return {str(part.get_filename()): part for part in message.iter_attachments()}  # type: ignore[misc]


def _member_deliveries() -> list[models.Delivery]:
    with Session(get_engine(get_settings().effective_database_url)) as session:
        return list(session.exec(select(models.Delivery).where(models.Delivery.role == "member")))


def _respond(capsys: pytest.CaptureFixture[str], home: Path, request_id: str, day: str, body: str) -> None:
    path = write_response_docx(
        home.parent / f"{request_id}.docx", organisation=request_id, meeting_date="25 January 2027", body=body
    )
    _ok(run_cli(capsys, "responses", "record", request_id, str(path), "--received", day, "--as-of", day))


def test_each_member_gets_the_pack_once_and_a_supplementary_once_more(
    home: Path, capsys: pytest.CaptureFixture[str], smtp: StoringHandler
) -> None:
    _ok(run_cli(capsys, "run", "--as-of", "2026-11-21"))
    assert smtp.received and not set(_envelopes(smtp.received)) & set(MEMBERS)  # the draft pack went to nobody
    _ok(run_cli(capsys, "items", "add", MEETING, "--title", "Serious violence and gang crime",
                "--respondent", "hackney-csp", "--as-of", "2026-11-23"))  # fmt: skip
    _ok(run_cli(capsys, "letters", "--as-of", "2026-11-23"))
    _respond(capsys, home, "lih-R15-1-mopac", "2026-12-20", "MOPAC on stop and search.")

    # The daily run on the publication date makes the pack and sends it: one message, each member once.
    _ok(run_cli(capsys, "run", "--as-of", "2027-01-15"))
    [pack_file] = (home / "packs" / MEETING).glob("*agenda-pack-v1.docx")
    sent = smtp.packs()
    assert _envelopes(sent) == MEMBERS and all(len(to) == 1 for _m, to in sent)
    assert len({str(m["Message-ID"]) for m, _to in sent}) == 1
    message = sent[0][0]
    assert str(message["To"]) == f"Tracey Anderson <{OFFICER}>" and message["Bcc"] is None  # no member sees another
    assert str(message["Reply-To"]) == OFFICER
    body = _body(message)
    assert body.startswith("Dear Members of the Living in Hackney Scrutiny Commission,")
    assert "  - Serious violence and gang crime" in body and "Monday 25 January 2027 at 7.00 pm" in body
    parts = _attachments(message)
    assert parts[pack_file.name].get_content_type() == DOCX_TYPE  # no PDF made here: the Word pack goes
    assert parts[pack_file.name].get_content() == pack_file.read_bytes()
    [event] = Calendar.from_ical(parts["invite.ics"].get_payload(decode=True)).walk("VEVENT")
    assert str(event["UID"]) == f"meeting-{MEETING}@living-in-hackney.scrutiny.example"  # the letters' event
    assert event.decoded("DTSTART").isoformat() == "2027-01-25T19:00:00+00:00"

    # Re-runs send nothing, and say who has it.
    before = len(smtp.received)
    _ok(run_cli(capsys, "run", "--as-of", "2027-01-15"))
    again = _ok(run_cli(capsys, "pack", MEETING, "--as-of", "2027-01-15"))
    assert "nothing new written" in again and "Agenda pack v1: smtp: sent to 7 member(s)." in again
    assert len(smtp.received) == before

    # A late response makes a supplementary pack: each member gets it once more.
    _respond(capsys, home, "lih-R15-1-met-ce-bcu", "2027-01-18", "The BCU on stop and search.")
    supplementary = _ok(run_cli(capsys, "pack", MEETING, "--as-of", "2027-01-18"))
    assert (
        "Supplementary agenda v2" in supplementary
        and "Supplementary agenda v2: smtp: sent to 7 member(s)." in supplementary
    )
    extra = smtp.packs("supplementary agenda")
    assert _envelopes(extra) == MEMBERS
    text = _body(extra[0][0])
    assert "the written response from Metropolitan Police Service" in text and "MOPAC" not in text
    _ok(run_cli(capsys, "pack", MEETING, "--as-of", "2027-01-19"))
    _ok(run_cli(capsys, "run", "--as-of", "2027-01-19"))
    assert len(smtp.packs()) == 7 and len(smtp.packs("supplementary agenda")) == 7
    deliveries = _member_deliveries()
    assert len(deliveries) == 14 and {d.state for d in deliveries} == {"sent"}


def test_no_send_records_nothing_and_send_sends_each_version_once(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], smtp: StoringHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ok(run_cli(capsys, "plan", "--as-of", "2026-11-01"))
    refused = _one_line_error(run_cli(capsys, "pack", MEETING, "--send", "--as-of", "2027-01-15"))
    assert (
        refused == f"scrutiny: error: no agenda pack has been built for {MEETING}: run 'scrutiny pack {MEETING}' first"
    )

    built = _ok(run_cli(capsys, "pack", MEETING, "--no-send", "--as-of", "2027-01-15"))
    assert "Agenda pack v1 for lih-2027-01-25" in built and "Agenda pack v1: sent to 0 member(s)." in built
    assert smtp.received == [] and _member_deliveries() == []
    offered = _ok(run_cli(capsys, "pack", MEETING, "--as-of", "2027-01-15"))
    assert "nothing new written" in offered
    assert (
        f"Not sent to 7 member(s) (built with --no-send, or they joined since): 'scrutiny pack {MEETING} --send'"
        in offered
    )
    assert smtp.received == []

    sent = _ok(run_cli(capsys, "pack", MEETING, "--send", "--as-of", "2027-01-15"))
    assert sent.strip() == "Agenda pack v1: smtp: sent to 7 member(s)."
    assert _envelopes(smtp.packs()) == MEMBERS
    assert _ok(run_cli(capsys, "pack", MEETING, "--send", "--as-of", "2027-01-15")).strip() == sent.strip()
    assert len(smtp.received) == 7

    # A member who joins later is sent what the others had, and nobody else gets it again;
    # with attachments turned off the message says where the pack is.
    data = bundled_config_data()
    data["members"].append({"name": "Cllr Sam Pallis", "email": "sam.pallis@hackney.example"})
    _ok(run_cli(capsys, "init", "--config", str(write_config(sqlite_home.parent / "committee.yaml", data))))
    monkeypatch.setenv("SCRUTINY_PACK_ATTACH_MAX_MB", "0")
    joined = _ok(run_cli(capsys, "pack", MEETING, "--send", "--as-of", "2027-01-16"))
    assert "Agenda pack v1: smtp: sent to 8 member(s)." in joined
    [(message, to)] = smtp.received[7:]
    assert to == ["sam.pallis@hackney.example"]
    assert set(_attachments(message)) == {"invite.ics"}
    body = _body(message)
    [pack_file] = (sqlite_home / "packs" / MEETING).glob("*agenda-pack-v1.docx")
    assert f"too large to attach; it is at:\n  {pack_file}\n" in body

    past = _one_line_error(run_cli(capsys, "pack", MEETING, "--send", "--as-of", "2027-01-26"))
    assert past == f"scrutiny: error: meeting {MEETING} has already taken place: its pack is not sent"
    with pytest.raises(SystemExit) as both:
        main(["pack", MEETING, "--send", "--no-send"])
    assert both.value.code == 2 and "argument --no-send: not allowed with argument --send" in capsys.readouterr().err
    assert len(smtp.received) == 8


def test_a_pack_pdf_is_attached_and_one_too_large_goes_as_a_link(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], smtp: StoringHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ok(run_cli(capsys, "run", "--as-of", "2026-11-21"))  # letters without PDFs, to keep this to the pack's
    monkeypatch.setenv("SCRUTINY_PDF", "true")
    _ok(run_cli(capsys, "pack", MEETING, "--as-of", "2027-01-15"))
    [pdf] = (sqlite_home / "packs" / MEETING).glob("*agenda-pack-v1.pdf")
    [(message, _to), *_] = smtp.packs()
    parts = _attachments(message)
    assert set(parts) == {pdf.name, "invite.ics"}
    assert parts[pdf.name].get_content_type() == "application/pdf"
    assert parts[pdf.name].get_content() == pdf.read_bytes()

    _respond(capsys, sqlite_home, "lih-R16-2-hackney-csp", "2027-01-18", "The CSP on trust and confidence.")
    monkeypatch.setenv("SCRUTINY_PACK_ATTACH_MAX_MB", "0.001")  # about 1 KB: any real PDF is larger
    monkeypatch.setenv("SCRUTINY_PACK_BASE_URL", "https://committees.hackney.example/packs/")
    _ok(run_cli(capsys, "pack", MEETING, "--as-of", "2027-01-18"))
    [supplementary] = (sqlite_home / "packs" / MEETING).glob("*supplementary*-v2.pdf")
    sent = smtp.packs("supplementary agenda")
    assert _envelopes(sent) == MEMBERS
    message = sent[0][0]
    assert set(_attachments(message)) == {"invite.ics"}
    body = _body(message)
    link = f"https://committees.hackney.example/packs/{MEETING}/{supplementary.name}"
    assert f"too large to attach; it is at:\n  {link}\n" in body


def test_an_outage_keeps_the_pack_owed_and_the_next_run_sends_each_member_once(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], smtp_port: int
) -> None:
    _ok(run_cli(capsys, "plan", "--as-of", "2026-11-01"))
    failed = _one_line_error(run_cli(capsys, "pack", MEETING, "--as-of", "2027-01-15"))
    assert f"{MEETING}: pack v1 written and recorded, but 1 e-mail(s) could not be sent and stay pending" in failed
    assert f"SMTP 127.0.0.1:{smtp_port} could not be reached" in failed
    assert list((sqlite_home / "packs" / MEETING).glob("*agenda-pack-v1.docx"))
    assert {d.state for d in _member_deliveries()} == {"pending"} and len(_member_deliveries()) == 7

    controller, handler = _start(smtp_port)
    try:
        retried = _ok(run_cli(capsys, "pack", MEETING, "--as-of", "2027-01-15"))
        assert "nothing new written" in retried and "sent to 7 member(s)" in retried
        _ok(run_cli(capsys, "run", "--as-of", "2027-01-15"))
        assert _envelopes(handler.packs()) == MEMBERS
    finally:
        controller.stop()


def test_two_senders_at_once_send_each_member_the_pack_once(
    home: Path, capsys: pytest.CaptureFixture[str], smtp: StoringHandler, smtp_port: int
) -> None:
    from scrutiny.delivery import SmtpDelivery
    from scrutiny.services.delivery import deliver_document
    from scrutiny.services.distribution import compose_document, queue_unsent_versions
    from scrutiny.services.home import open_workspace

    _ok(run_cli(capsys, "pack", MEETING, "--no-send", "--as-of", "2027-01-15"))
    workspace = open_workspace()
    with workspace.session() as session:
        [document_id] = queue_unsent_versions(session, meeting_id=MEETING, as_of=dt.date(2027, 1, 15))

    def slow_compose(session: Session, workspace: Any, document: models.Document) -> EmailMessage:
        time.sleep(0.3)  # both senders are surely inside their claim at once
        return compose_document(session, workspace, document)

    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def send() -> None:
        barrier.wait()
        try:
            transport = SmtpDelivery("127.0.0.1", smtp_port, starttls=False, timeout=30)
            results.append(deliver_document(workspace, document_id, transport, slow_compose))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and len(results) == 2
    assert sorted(address for r in results if r is not None for address in r.sent) == MEMBERS
    assert _envelopes(smtp.packs()) == MEMBERS


@pytest.mark.parametrize(("value", "problem"), [("-1", "greater than or equal to 0"), ("ten", "valid number")])
def test_a_bad_attachment_limit_is_one_line(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    monkeypatch.setenv("SCRUTINY_PACK_ATTACH_MAX_MB", value)
    error = _one_line_error(run_cli(capsys, "items", "list"))
    assert error.startswith("scrutiny: error: environment variable SCRUTINY_PACK_ATTACH_MAX_MB: ") and problem in error
