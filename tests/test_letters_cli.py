"""Letters through the CLI and the flows: template checks, hostile names, SMTP delivery and its
failures, reissues, two writers at once, and PDFs."""

from __future__ import annotations

import email
import logging
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import docx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from icalendar import Calendar
from sqlmodel import Session, col, select

from scrutiny.documents.pdf import libreoffice_available
from scrutiny.settings import get_settings
from state import models
from state.db import get_engine
from tests.cli_helpers import run_cli, state_counts
from tests.factories import bundled_config_data, write_config

pytestmark = [
    pytest.mark.usefixtures("prefect_harness"),
    # aiosmtpd warns that AUTH without TLS is unsafe: this server only ever listens on 127.0.0.1.
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
AS_OF = "2026-11-21"  # the letter window for the 25 January 2027 meeting is open
MEETING = "lih-2027-01-25"
LETTERS = 5  # one per organisation asked about the meeting's two items (7 requests)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEMPLATE_FILES = [
    "request_letter.docx",
    "reminder.docx",
    "overdue_notice.docx",
    "escalation.docx",
    "front_sheet.docx",
    "cover_sheet.docx",
]


@pytest.fixture(autouse=True)
def prefect_logs_as_the_cli_has_them() -> Iterator[None]:
    """The CLI runs with PREFECT_LOGGING_LEVEL=CRITICAL; the session harness set WARNING before
    Prefect configured its loggers, so put the console back as a user sees it."""
    import prefect.main  # noqa: F401 - configures Prefect's loggers once; adjust them after that

    # aiosmtpd's own warnings (AUTH without TLS, on this 127.0.0.1 test server) would reach the
    # root console handler, which is not what a user of the CLI sees either.
    loggers = [logging.getLogger("prefect"), logging.getLogger("mail.log")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


# --------------------------------------------------------------------------------------
# Helpers: an SMTP server that keeps what it receives, and the state the CLI left


class StoringHandler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.logins: list[tuple[str, bool]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def authenticator(self, password: str) -> Callable[..., AuthResult]:
        def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
            ok = isinstance(auth_data, LoginPassword) and auth_data == (b"scrutiny", password.encode())
            self.logins.append((mechanism, ok))
            return AuthResult(success=ok, handled=False)

        return check


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_smtp(port: int, *, password: str | None = None) -> tuple[Controller, StoringHandler]:
    handler = StoringHandler()
    auth: dict[str, Any] = {}
    if password is not None:  # every message must then come from a logged-in client
        auth = dict(authenticator=handler.authenticator(password), auth_required=True, auth_require_tls=False)
    controller = Controller(handler, hostname="127.0.0.1", port=port, **auth)
    controller.start()
    return controller, handler


@pytest.fixture
def smtp_port(monkeypatch: pytest.MonkeyPatch) -> int:
    """SMTP settings for a server on 127.0.0.1 (started by the test, or never, for failures)."""
    port = _free_port()
    for name in ("SCRUTINY_SMTP_USERNAME", "SCRUTINY_SMTP_PASSWORD_BLOCK", "SCRUTINY_DELIVERY_RETRY_DELAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCRUTINY_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SCRUTINY_SMTP_PORT", str(port))
    monkeypatch.setenv("SCRUTINY_SMTP_STARTTLS", "false")
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    return port


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[StoringHandler]:
    controller, handler = _start_smtp(smtp_port)
    try:
        yield handler
    finally:
        controller.stop()


def _documents(kind: str = "request") -> list[models.Document]:
    with Session(get_engine(get_settings().effective_database_url)) as session:
        return list(
            session.exec(select(models.Document).where(models.Document.kind == kind).order_by(col(models.Document.id)))
        )


def _deliveries() -> dict[str, list[models.Delivery]]:
    """Each letter's recipients as recorded (To, then Cc), by letter ID."""
    with Session(get_engine(get_settings().effective_database_url)) as session:
        rows = session.exec(
            select(models.Document.letter_id, models.Delivery)
            .join(models.Document, col(models.Document.id) == col(models.Delivery.document_id))
            .order_by(col(models.Delivery.id))
        ).all()
    found: dict[str, list[models.Delivery]] = {}
    for letter_id, delivery in rows:
        found.setdefault(str(letter_id), []).append(delivery)
    return found


def _header_addresses(message: EmailMessage, *headers: str) -> list[str]:
    return [address for _name, address in getaddresses([str(v) for h in headers for v in message.get_all(h, [])])]


def _one_message_per_recipient(handler: StoringHandler) -> dict[str, list[str]]:
    """Check each message reached the server once per recipient, each time for that one
    recipient only, and exactly the people its To and Cc name; returns recipients by Message-ID."""
    by_id: dict[str, list[str]] = {}
    headers: dict[str, set[str]] = {}
    for message, envelope in zip(handler.messages, handler.recipients, strict=True):
        assert len(envelope) == 1, envelope
        by_id.setdefault(str(message["Message-ID"]), []).append(envelope[0])
        headers[str(message["Message-ID"])] = set(_header_addresses(message, "To", "Cc"))
    for message_id, recipients in by_id.items():
        assert len(recipients) == len(set(recipients)), (message_id, recipients)  # nobody twice
        assert set(recipients) == headers[message_id], message_id
    return by_id


def _statuses(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    rows = run_cli(capsys, "responses", "due", "--as-of", AS_OF, "--json").json()
    return {row["request_id"]: row["status"] for row in rows}


def _letter_ids(capsys: pytest.CaptureFixture[str]) -> list[str]:
    rows = run_cli(capsys, "responses", "due", "--as-of", AS_OF, "--json").json()
    return sorted({row["letter_id"] for row in rows if row["letter_id"]})


def _contact_emails() -> dict[str, str]:
    """Organisation id -> its contact's address, from the bundled committee."""
    return {org["id"]: org["contact"]["email"] for org in bundled_config_data()["organisations"]}


def _reference(message: EmailMessage) -> str:
    found = re.search(r"\(ref (lih-\d{4}-\d\d-\d\d-[a-z0-9-]+)\)$", str(message["Subject"]))
    assert found, message["Subject"]
    return found.group(1)


def _attachments(message: EmailMessage) -> dict[str, EmailMessage]:
    return {part.get_filename(): part for part in message.iter_attachments()}  # type: ignore[misc]


def _one_line_error(result: Any) -> str:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scrutiny: error: "), result.err
    assert "Traceback" not in result.err + result.out
    return lines[0]


def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


# --------------------------------------------------------------------------------------
# scrutiny templates check


def test_templates_check_passes_on_the_shipped_templates(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    previews = tmp_path / "previews"
    result = run_cli(capsys, "templates", "check", "--preview-dir", str(previews))
    assert result.code == 0, result.err
    lines = result.out.strip().splitlines()
    assert [line.split()[1] for line in lines] == TEMPLATE_FILES
    for line, name in zip(lines, TEMPLATE_FILES, strict=True):
        preview = previews / f"{Path(name).stem}-preview.docx"
        assert line == f"OK {name} (preview: {preview})"
        assert "{{" not in _docx_text(preview)
    sample = _docx_text(previews / "request_letter-preview.docx")
    assert "Dear Chief Superintendent Conway" in sample
    assert sample.count("Our request") == 2  # the sample letter has a Recommendation 15 and a 16 section
    assert "Stop and search annual update" in _docx_text(previews / "front_sheet-preview.docx")
    assert not (sqlite_home / "state").exists()  # a check needs no database

    one = run_cli(capsys, "templates", "check", str(TEMPLATES / "cover_sheet.docx"), "--preview-dir", str(previews))
    assert one.code == 0 and one.out.startswith("OK cover_sheet.docx (preview: ")


def test_pack_sheets_and_letters_are_checked_against_their_own_variables(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    front = docx.Document(str(TEMPLATES / "front_sheet.docx"))
    front.add_paragraph("For {{ addressee.name }} of {{ council_name }}")  # a letter variable, and its own
    front_path = tmp_path / "front_sheet.docx"
    front.save(str(front_path))
    letter = docx.Document(str(TEMPLATES / "request_letter.docx"))
    letter.add_paragraph("{{ venue }} {{ meeting.venue }}")  # a pack variable, and its own
    letter_path = tmp_path / "my_letter.docx"
    letter.save(str(letter_path))

    result = run_cli(capsys, "templates", "check", str(front_path))
    [problem] = result.out.strip().splitlines()  # council_name is the front sheet's own: no problem
    assert problem.startswith("front_sheet.docx: body line ") and problem.endswith("unknown variable “addressee”")
    assert "1 of 1 template(s) have problems" in _one_line_error(result)
    result = run_cli(capsys, "templates", "check", str(letter_path))
    [problem] = result.out.strip().splitlines()
    assert problem.startswith("my_letter.docx: body line ") and problem.endswith("unknown variable “venue”")
    _one_line_error(result)
    # --kind overrides the name: checked as a front sheet, "venue" is known and the letter's "meeting" is not.
    as_front = run_cli(capsys, "templates", "check", str(letter_path), "--kind", "front_sheet")
    assert "unknown variable “meeting”" in as_front.out and "“venue”" not in as_front.out
    _one_line_error(run_cli(capsys, "templates", "check", "--kind", "front_sheet"))


def test_pack_variable_lists_are_what_the_assembler_passes() -> None:
    from scrutiny.pack.template_variables import (
        COVER_SHEET_VARIABLES,
        FRONT_SHEET_VARIABLES,
        sample_cover_sheet_data,
        sample_front_sheet_data,
    )

    assert set(sample_front_sheet_data()) == set(FRONT_SHEET_VARIABLES)
    assert set(sample_cover_sheet_data()) == set(COVER_SHEET_VARIABLES)


def test_retry_delays_setting(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scrutiny.settings import Settings

    assert Settings().delivery_retry_delay_seconds == [10, 60, 300]
    assert Settings(delivery_retry_delays="0").delivery_retry_delay_seconds == [0]
    assert Settings(delivery_retry_delays=" 5, 30 ").delivery_retry_delay_seconds == [5, 30]
    assert Settings(delivery_retry_delays="").delivery_retry_delay_seconds == []
    for bad, expected in (("10,soon", "'soon' is not a number of seconds"), ("-1", "between 0 and 86400")):
        monkeypatch.setenv("SCRUTINY_DELIVERY_RETRY_DELAYS", bad)
        error = _one_line_error(run_cli(capsys, "templates", "check"))
        assert error.startswith("scrutiny: error: environment variable SCRUTINY_DELIVERY_RETRY_DELAYS: "), error
        assert expected in error


def _break_request_letter(folder: Path, edits: list[str]) -> None:
    """Type ``edits`` into the request letter, as an officer would in Word."""
    path = folder / "request_letter.docx"
    document = docx.Document(str(path))
    [closing] = [p for p in document.paragraphs if p.text.startswith("Thank you for your continued")]
    closing.add_run(" " + edits[0])
    for edit in edits[1:]:
        closing.insert_paragraph_before(edit)
    document.save(str(path))


@pytest.mark.parametrize(
    ("edits", "problem"),
    [
        (["{{ chairman }}", "Dear {{ addressee.nmae }}"], "unknown variable"),
        (["{% if first_update %}never closed"], "syntax error"),
        (["{{ ''.__class__.__mro__ }}"], "which templates may not use"),
    ],
    ids=["unknown-variables", "syntax-error", "sandbox-escape"],
)
def test_a_broken_template_is_refused_and_nothing_is_issued(
    sqlite_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    edits: list[str],
    problem: str,
) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    _break_request_letter(folder, edits)
    monkeypatch.setenv("SCRUTINY_TEMPLATES_DIR", str(folder))
    monkeypatch.setenv("SCRUTINY_PDF", "false")

    check = run_cli(capsys, "templates", "check", "--preview-dir", str(tmp_path / "previews"))
    error = _one_line_error(check)
    assert error.startswith("scrutiny: error: 1 of 6 template(s) have problems") and "request_letter.docx" in error
    lines = check.out.strip().splitlines()
    problems = [line for line in lines if not line.startswith("OK ")]
    assert len([line for line in lines if line.startswith("OK ")]) == 5
    expected = 2 if problem != "syntax error" else 1  # one line per problem (__class__ and __mro__ are two)
    assert len(problems) == expected, problems
    assert all(line.startswith("request_letter.docx: body ") and problem in line for line in problems)

    assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
    letters = run_cli(capsys, "letters", "--as-of", AS_OF)
    error = _one_line_error(letters)
    assert "template request_letter.docx" in error and problem in error
    counts = state_counts(sqlite_home)
    assert counts["Document"] == 0 and counts["files:letters"] == 0 and counts["files:outbox"] == 0
    statuses = _statuses(capsys)
    assert len(statuses) == 7 and set(statuses.values()) == {"planned"}
    [committee] = run_cli(capsys, "committees", "list", "--json").json()
    assert committee["letters"] == 0  # no letter counts as written after the failed run


# --------------------------------------------------------------------------------------
# Configured names are text, never paths or markup


HOSTILE_ORGANISATION = "../../etc/<b>MOPAC</b> & \"Policing\" 'Crime'"
HOSTILE_CONTACT = '../../etc/Natasha <b>Plummer</b> & "Tash" O\'Neil'


def test_hostile_configured_names_render_literally_and_cannot_move_the_file(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = bundled_config_data()
    mopac = next(org for org in data["organisations"] if org["id"] == "mopac")
    mopac["name"] = mopac["short_name"] = HOSTILE_ORGANISATION
    mopac["contact"]["name"] = HOSTILE_CONTACT
    mopac["contact"]["salutation"] = f"Dear {HOSTILE_CONTACT}"
    installed = run_cli(capsys, "init", "--config", str(write_config(tmp_path / "committee.yaml", data)))
    assert installed.code == 0, installed.err
    monkeypatch.setenv("SCRUTINY_PDF", "false")

    result = run_cli(capsys, "run", "--as-of", AS_OF)
    assert result.code == 0, result.err
    folder = sqlite_home / "letters" / MEETING
    assert sorted(p.name for p in folder.glob("*-mopac-*.docx")) == [f"{MEETING}-mopac-v1.docx"]
    paragraphs = [p.text for p in docx.Document(str(folder / f"{MEETING}-mopac-v1.docx")).paragraphs]
    assert HOSTILE_CONTACT in paragraphs and HOSTILE_ORGANISATION in paragraphs  # the addressee block
    assert f"Dear {HOSTILE_CONTACT}" in paragraphs
    # The other letters on the items copy MOPAC in, by the same literal name.
    assert f"{HOSTILE_CONTACT} ({HOSTILE_ORGANISATION})" in _docx_text(folder / f"{MEETING}-met-ce-bcu-v1.docx")

    mails = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in (sqlite_home / "outbox").glob("*.eml")
    ]
    [mail] = [m for m in mails if _header_addresses(m, "To") == ["natasha.plummer@mopac.example"]]
    assert mail.get_body(("plain",)).get_content().startswith(f"Dear {HOSTILE_CONTACT},")  # type: ignore[union-attr]
    copied = [m for m in mails if "natasha.plummer@mopac.example" in _header_addresses(m, "Cc")]
    assert copied and all("<b>" not in str(m["Subject"]) for m in copied)

    # Every file is where the product puts things; the letters only in the meeting's folder.
    files = [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.parts[:2] for p in files} <= {
        ("committee.yaml",),
        ("home", "committees"),
        ("home", "state"),
        ("home", "letters"),
        ("home", "outbox"),
        ("home", "packs"),
    }
    assert {p.parent for p in files if p.parts[:2] == ("home", "letters")} == {Path("home") / "letters" / MEETING}
    assert not any("etc" in p.relative_to(tmp_path).parts for p in tmp_path.rglob("*"))


# --------------------------------------------------------------------------------------
# SMTP delivery


def test_smtp_sends_each_letter_once_to_each_recipient_and_none_on_a_rerun(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], smtp: StoringHandler
) -> None:
    result = run_cli(capsys, "run", "--as-of", AS_OF)
    assert result.code == 0, result.err
    addresses = _contact_emails()
    recorded = _deliveries()
    assert sorted(recorded) == _letter_ids(capsys) and len(recorded) == LETTERS
    assert len(smtp.messages) == sum(len(rows) for rows in recorded.values())
    by_id = _one_message_per_recipient(smtp)
    assert len(by_id) == LETTERS  # one message per letter, sent to each of its recipients in turn
    first_copies = {str(m["Message-ID"]): m for m in smtp.messages}
    for message_id, message in first_copies.items():
        reference = _reference(message)
        organisation = reference.removeprefix(f"{MEETING}-")
        assert _header_addresses(message, "To") == [addresses[organisation]]
        assert str(message["Reply-To"]) == "tracey.anderson@hackney.example"
        rows = recorded[reference]
        assert [(r.role, r.address) for r in rows][0] == ("to", addresses[organisation])
        assert sorted(r.address for r in rows if r.role == "cc") == sorted(_header_addresses(message, "Cc"))
        assert sorted(by_id[message_id]) == sorted(r.address for r in rows)
        parts = _attachments(message)
        assert parts[f"{reference}-v1.docx"].get_content_type() == DOCX_TYPE
        invite = parts["invite.ics"]
        assert invite.get_content_type() == "text/calendar" and invite.get_param("method") == "REQUEST"
        calendar = Calendar.from_ical(invite.get_payload(decode=True))
        assert calendar["METHOD"] == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert str(event["ATTENDEE"]) == f"mailto:{addresses[organisation]}"
        assert event.decoded("DTSTART").isoformat() == "2027-01-25T19:00:00+00:00"
    # MOPAC is asked about both items and copied on the letters of the others asked about them.
    mopac = next(m for m in first_copies.values() if _reference(m) == f"{MEETING}-mopac")
    assert "ce.bcu.commander@met-police.example" in _header_addresses(mopac, "Cc")
    assert all(
        r.state == "sent" and r.channel == "smtp" and r.location.startswith("smtp://127.0.0.1:") and r.message_id
        for rows in recorded.values()
        for r in rows
    )
    assert len(_documents()) == LETTERS
    assert not (sqlite_home / "outbox").exists()

    sent = len(smtp.messages)
    again = run_cli(capsys, "run", "--as-of", AS_OF)
    assert again.code == 0, again.err
    assert len(smtp.messages) == sent


def test_smtp_password_from_a_prefect_secret_block(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, smtp_port: int
) -> None:
    from prefect.blocks.system import Secret

    monkeypatch.setenv("SCRUTINY_SMTP_USERNAME", "scrutiny")
    monkeypatch.setenv("SCRUTINY_SMTP_PASSWORD_BLOCK", "scrutiny-smtp-password")
    monkeypatch.setenv("SCRUTINY_DELIVERY_RETRY_DELAYS", "0")
    Secret(value="an old password").save("scrutiny-smtp-password", overwrite=True)
    controller, handler = _start_smtp(smtp_port, password="correct horse battery")
    try:
        assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
        refused = run_cli(capsys, "letters", "--as-of", AS_OF)
        error = _one_line_error(refused)
        assert f"SMTP 127.0.0.1:{smtp_port} rejected the login for 'scrutiny': 535" in error
        assert "an old password" not in refused.err + refused.out
        assert handler.messages == [] and handler.logins and not any(ok for _m, ok in handler.logins)
        assert {r.state for rows in _deliveries().values() for r in rows} == {"pending"}

        Secret(value="correct horse battery").save("scrutiny-smtp-password", overwrite=True)
        sent = run_cli(capsys, "letters", "--as-of", AS_OF)
        assert sent.code == 0, sent.err
        recipients = sum(len(rows) for rows in _deliveries().values())
        assert len(handler.messages) == recipients and len(_one_message_per_recipient(handler)) == LETTERS
        assert [ok for _m, ok in handler.logins].count(True) == recipients  # one logged-in session each
    finally:
        controller.stop()


def test_undeliverable_letters_stay_recorded_and_go_once_the_server_is_back(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, smtp_port: int
) -> None:
    monkeypatch.setenv("SCRUTINY_DELIVERY_RETRY_DELAYS", "0")  # one immediate retry, not 10/60/300 s
    assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
    started = time.monotonic()
    failed = run_cli(capsys, "letters", "--as-of", AS_OF)
    assert time.monotonic() - started < 60
    error = _one_line_error(failed)
    assert f"{LETTERS} letter(s) written and recorded, but {LETTERS} e-mail(s) could not be sent and stay pending" in (
        error
    )
    assert f"SMTP 127.0.0.1:{smtp_port} could not be reached" in error
    assert len(list((sqlite_home / "letters" / MEETING).glob("*-v1.docx"))) == LETTERS
    assert set(_statuses(capsys).values()) == {"issued"}
    assert len(_documents()) == LETTERS
    pending = _deliveries()
    assert len(pending) == LETTERS
    assert all(r.state == "pending" and r.channel == "" and r.claim == "" for rows in pending.values() for r in rows)

    controller, handler = _start_smtp(smtp_port)
    try:
        again = run_cli(capsys, "letters", "--as-of", AS_OF)
        assert again.code == 0, again.err
        assert "No letters to write" in again.out
        recipients = sum(len(rows) for rows in pending.values())
        assert len(handler.messages) == recipients
        assert len(_one_message_per_recipient(handler)) == LETTERS
        assert sorted({_reference(m) for m in handler.messages}) == _letter_ids(capsys)
        assert {r.channel for rows in _deliveries().values() for r in rows} == {"smtp"}
        assert run_cli(capsys, "letters", "--as-of", AS_OF).code == 0
        assert len(handler.messages) == recipients
    finally:
        controller.stop()


def test_a_recipient_refused_by_the_server_is_retried_alone(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, smtp_port: int
) -> None:
    """One Cc address the server refuses: everyone else gets the letter once; the next run
    tries only that address again, so nobody receives it twice."""
    monkeypatch.setenv("SCRUTINY_DELIVERY_RETRY_DELAYS", "")
    refused_address = "cabinet.community-safety@hackney.example"

    class Refusing(StoringHandler):
        refuse = True

        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
            if self.refuse and address == refused_address:
                return "550 mailbox unavailable"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    handler = Refusing()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
        failed = run_cli(capsys, "letters", "--as-of", AS_OF)
        assert refused_address in _one_line_error(failed)
        recorded = _deliveries()
        owed = [r for rows in recorded.values() for r in rows if r.state != "sent"]
        assert owed and {r.address for r in owed} == {refused_address}
        sent_first = len(handler.messages)
        assert sent_first == sum(len(rows) for rows in recorded.values()) - len(owed)

        handler.refuse = False
        again = run_cli(capsys, "letters", "--as-of", AS_OF)
        assert again.code == 0, again.err
        assert [envelope for envelope in handler.recipients[sent_first:]] == [[refused_address]] * len(owed)
        _one_message_per_recipient(handler)
        assert {r.state for rows in _deliveries().values() for r in rows} == {"sent"}
    finally:
        controller.stop()


# --------------------------------------------------------------------------------------
# Reissue


def test_reissue_writes_a_new_version_keeps_the_old_and_sends_once(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], smtp: StoringHandler
) -> None:
    assert run_cli(capsys, "run", "--as-of", AS_OF).code == 0
    sent = len(smtp.messages)
    letter_id = f"{MEETING}-mopac"
    folder = sqlite_home / "letters" / MEETING
    first = (folder / f"{letter_id}-v1.docx").read_bytes()

    reissued = run_cli(capsys, "letters", "--reissue", letter_id, "--as-of", "2026-11-25")
    assert reissued.code == 0, reissued.err
    v2 = folder / f"{letter_id}-v2.docx"
    assert str(v2) in reissued.out and "1 letter(s) written" in reissued.out
    assert (folder / f"{letter_id}-v1.docx").read_bytes() == first
    text = _docx_text(v2)
    assert "25 November 2026" in text and text.count("Our request") == 2  # still both items
    recipients = _deliveries()[letter_id]
    versions = [d for d in _documents() if d.letter_id == letter_id]
    assert [d.version for d in versions] == [1, 2]
    v2_recipients = [r for r in recipients if r.document_id == versions[1].id]
    new = smtp.messages[sent:]
    assert len(new) == len(v2_recipients) > 1  # the contact and each person copied, once each
    assert {_reference(m) for m in new} == {letter_id}
    for message in new:
        [attachment] = [name for name in _attachments(message) if name.endswith(".docx")]
        assert attachment == v2.name
    _one_message_per_recipient(smtp)

    # A request ID names the letter now covering it.
    by_request = run_cli(capsys, "letters", "--reissue", "lih-R16-2-mopac", "--as-of", "2026-11-26")
    assert by_request.code == 0 and str(folder / f"{letter_id}-v3.docx") in by_request.out, by_request.err

    before = state_counts(sqlite_home)
    sent = len(smtp.messages)
    plain = run_cli(capsys, "letters", "--as-of", "2026-11-26")
    assert plain.code == 0 and "No letters to write" in plain.out
    assert state_counts(sqlite_home) == before and len(smtp.messages) == sent


# --------------------------------------------------------------------------------------
# Two writers at once, on SQLite and PostgreSQL


def _race(target: Callable[[], Any]) -> list[Any]:
    """Run ``target`` in two threads released together; return both results (or raise)."""
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(target())
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(results) == 2
    return results


def _slowed(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, seconds: float = 0.3) -> None:
    """Hold ``module.name`` open a moment, so the second thread surely arrives while the first
    is inside its claim (rendering the letter, or composing the e-mail)."""
    original = getattr(module, name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


def test_two_writers_and_two_senders_at_once_make_one_letter_and_one_message_each(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, smtp: StoringHandler
) -> None:
    import datetime as dt

    from scrutiny.delivery.transport import make_transport
    from scrutiny.services import letters
    from scrutiny.services.delivery import deliver_document
    from scrutiny.services.home import open_workspace
    from scrutiny.services.outbox import compose_email
    from scrutiny.workspace import retry_on_conflict

    assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
    _slowed(monkeypatch, letters, "render_letter")
    workspace = open_workspace()
    committee = workspace.committee("living-in-hackney")
    as_of = dt.date.fromisoformat(AS_OF)
    ready = retry_on_conflict(workspace, lambda session: letters.letters_ready(session, committee, as_of))
    assert len(ready) == LETTERS

    def slow_compose(*args: Any) -> Any:
        time.sleep(0.3)
        return compose_email(*args)

    transport = make_transport(workspace.settings, None)
    for letter_id in (f"{MEETING}-mopac", f"{MEETING}-hackney-csp"):
        write = lambda i=letter_id: retry_on_conflict(  # noqa: E731
            workspace, lambda session: letters.write_letter(session, workspace, committee, i, as_of)
        )
        written = [w for w in _race(write) if w is not None]
        assert len(written) == 1, written
        files = list((home / "letters" / MEETING).glob(f"{letter_id}-*"))
        assert [p.name for p in files] == [f"{letter_id}-v1.docx"]
        assert [d.id for d in _documents() if d.letter_id == letter_id] == [written[0].document_id]

        sent_before = len(smtp.messages)
        send = lambda d=written[0].document_id: deliver_document(workspace, d, transport, slow_compose)  # noqa: E731
        delivered = [d for d in _race(send) if d is not None]
        assert len(delivered) == 1, delivered
        recipients = _deliveries()[letter_id]
        assert sorted(delivered[0].sent) == sorted(r.address for r in recipients)
        assert len(smtp.messages) == sent_before + len(recipients)
    assert sorted({_reference(m) for m in smtp.messages}) == [f"{MEETING}-hackney-csp", f"{MEETING}-mopac"]
    _one_message_per_recipient(smtp)
    statuses = _statuses(capsys)
    assert statuses["lih-R15-1-mopac"] == statuses["lih-R16-2-mopac"] == "issued"  # one letter, both requests
    assert statuses["lih-R15-1-met-ce-bcu"] == "planned"


# --------------------------------------------------------------------------------------
# PDFs


def test_letters_have_a_tagged_pdf_beside_them_and_in_the_mail(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert libreoffice_available(), "LibreOffice is required: scripts/setup.sh installs it"
    # One respondent for both items keeps this to one letter and one conversion.
    data = bundled_config_data()
    for commitment in data["commitments"]:
        commitment["respondents"] = ["mopac"]
    assert run_cli(capsys, "init", "--config", str(write_config(tmp_path / "committee.yaml", data))).code == 0
    monkeypatch.setenv("SCRUTINY_PDF", "true")  # the default, whatever the caller's environment says
    assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
    result = run_cli(capsys, "letters", "--meeting", MEETING, "--as-of", AS_OF)
    assert result.code == 0, result.err
    folder = sqlite_home / "letters" / MEETING
    stem = f"{MEETING}-mopac-v1"
    assert [p.name for p in sorted(folder.glob("*.docx"))] == [f"{stem}.docx"]
    assert str(folder / f"{stem}.pdf") in result.out
    data_pdf = (folder / f"{stem}.pdf").read_bytes()
    assert data_pdf.startswith(b"%PDF") and b"/StructTreeRoot" in data_pdf
    [pdf_document] = _documents("request-pdf")
    assert pdf_document.path == f"letters/{MEETING}/{stem}.pdf"  # stored relative to the home

    [mail] = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in (sqlite_home / "outbox").glob("*.eml")
    ]
    assert _reference(mail) == f"{MEETING}-mopac"
    parts = _attachments(mail)
    assert parts[f"{stem}.pdf"].get_content_type() == "application/pdf"
    assert parts[f"{stem}.pdf"].get_content() == data_pdf
    assert parts[f"{stem}.docx"].get_content_type() == DOCX_TYPE
    assert "invite.ics" in parts
