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
MEETING = "2027-01-25"
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


def _statuses(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    rows = run_cli(capsys, "responses", "due", "--as-of", AS_OF, "--json").json()
    return {row["request_id"]: row["status"] for row in rows}


def _contact_emails() -> dict[str, str]:
    """Organisation id -> its contact's address, from the bundled committee."""
    return {org["id"]: org["contact"]["email"] for org in bundled_config_data()["organisations"]}


def _reference(message: EmailMessage) -> str:
    found = re.search(r"\(ref (R\d+-\d+-[a-z0-9-]+)\)$", str(message["Subject"]))
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
    assert "Dear James Conway" in _docx_text(previews / "request_letter-preview.docx")
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


# --------------------------------------------------------------------------------------
# Configured names are text, never paths or markup


HOSTILE_ORGANISATION = "../../etc/<b>MOPAC</b> & \"Policing\" 'Crime'"
HOSTILE_CONTACT = '../../etc/Natasha <b>Plummer</b> & "Tash" O\'Neil'


def test_hostile_configured_names_render_literally_and_cannot_move_the_file(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = bundled_config_data()
    mopac = next(org for org in data["organisations"] if org["id"] == "mopac")
    mopac["name"] = HOSTILE_ORGANISATION
    mopac["contact"]["name"] = HOSTILE_CONTACT
    mopac["contact"]["salutation"] = f"Dear {HOSTILE_CONTACT}"
    monkeypatch.setenv("SCRUTINY_CONFIG", str(write_config(tmp_path / "committee.yaml", data)))
    monkeypatch.setenv("SCRUTINY_PDF", "false")

    result = run_cli(capsys, "run", "--as-of", AS_OF)
    assert result.code == 0, result.err
    folder = sqlite_home / "letters" / MEETING
    to_mopac = sorted(folder.glob("*-mopac-request-v1.docx"))
    assert [p.name for p in to_mopac] == ["r15-1-mopac-request-v1.docx", "r16-2-mopac-request-v1.docx"]
    for path in to_mopac:
        paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
        assert HOSTILE_CONTACT in paragraphs and HOSTILE_ORGANISATION in paragraphs  # the addressee block
        assert f"Dear {HOSTILE_CONTACT}" in paragraphs
    # The other letters on the item copy MOPAC in, by the same literal name.
    assert HOSTILE_ORGANISATION in _docx_text(folder / "r15-1-met-ce-bcu-request-v1.docx")

    mail = next(
        email.message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in (sqlite_home / "outbox").glob("*.eml")
        if "natasha.plummer@mopac.example" in p.read_text(errors="replace")
    )
    assert mail.get_body(("plain",)).get_content().startswith(f"Dear {HOSTILE_CONTACT},")  # type: ignore[union-attr]

    # Every file is where the product puts things; the letters only in the meeting's folder.
    files = [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.parts[:2] for p in files} <= {
        ("committee.yaml",),
        ("home", "state"),
        ("home", "letters"),
        ("home", "outbox"),
        ("home", "packs"),
    }
    assert {p.parent for p in files if p.parts[:2] == ("home", "letters")} == {Path("home") / "letters" / MEETING}
    assert not any("etc" in p.relative_to(tmp_path).parts for p in tmp_path.rglob("*"))


# --------------------------------------------------------------------------------------
# SMTP delivery


def test_smtp_sends_one_message_per_letter_and_none_on_a_rerun(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], smtp: StoringHandler
) -> None:
    result = run_cli(capsys, "run", "--as-of", AS_OF)
    assert result.code == 0, result.err
    assert len(smtp.messages) == 7
    addresses = _contact_emails()
    references = [_reference(message) for message in smtp.messages]
    assert sorted(references) == sorted(_statuses(capsys))
    for message, recipients, reference in zip(smtp.messages, smtp.recipients, references, strict=True):
        organisation = reference.split("-", 2)[2]
        assert [a for _n, a in getaddresses([str(message["To"])])] == [addresses[organisation]]
        assert recipients == [addresses[organisation]]
        parts = _attachments(message)
        assert parts[f"{reference.lower()}-request-v1.docx"].get_content_type() == DOCX_TYPE
        invite = parts["invite.ics"]
        assert invite.get_content_type() == "text/calendar" and invite.get_param("method") == "REQUEST"
        calendar = Calendar.from_ical(invite.get_payload(decode=True))
        assert calendar["METHOD"] == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert str(event["ATTENDEE"]) == f"mailto:{addresses[organisation]}"
        assert event.decoded("DTSTART").isoformat() == "2027-01-25T19:00:00+00:00"
    documents = _documents()
    assert len(documents) == 7
    assert all(d.channel == "smtp" and d.delivery.startswith("smtp:smtp://127.0.0.1:") for d in documents)
    assert not (sqlite_home / "outbox").exists()

    again = run_cli(capsys, "run", "--as-of", AS_OF)
    assert again.code == 0, again.err
    assert len(smtp.messages) == 7


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

        Secret(value="correct horse battery").save("scrutiny-smtp-password", overwrite=True)
        sent = run_cli(capsys, "letters", "--as-of", AS_OF)
        assert sent.code == 0, sent.err
        assert len(handler.messages) == 7
        assert [ok for _m, ok in handler.logins].count(True) == 7
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
    assert "7 letter(s) written and recorded, but 7 e-mail(s) could not be sent and stay pending" in error
    assert f"SMTP 127.0.0.1:{smtp_port} could not be reached" in error
    assert len(list((sqlite_home / "letters" / MEETING).glob("*-request-v1.docx"))) == 7
    assert set(_statuses(capsys).values()) == {"issued"}
    documents = _documents()
    assert len(documents) == 7 and all(d.delivery == "" and d.channel == "file" for d in documents)

    controller, handler = _start_smtp(smtp_port)
    try:
        again = run_cli(capsys, "letters", "--as-of", AS_OF)
        assert again.code == 0, again.err
        assert "No letters to write" in again.out
        assert len(handler.messages) == 7
        assert len({m["Message-ID"] for m in handler.messages}) == 7
        assert sorted(_reference(m) for m in handler.messages) == sorted(_statuses(capsys))
        assert all(d.channel == "smtp" for d in _documents())
        assert run_cli(capsys, "letters", "--as-of", AS_OF).code == 0
        assert len(handler.messages) == 7
    finally:
        controller.stop()


# --------------------------------------------------------------------------------------
# Reissue


def test_reissue_writes_a_new_version_keeps_the_old_and_sends_once(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], smtp: StoringHandler
) -> None:
    assert run_cli(capsys, "run", "--as-of", AS_OF).code == 0
    assert len(smtp.messages) == 7
    folder = sqlite_home / "letters" / MEETING
    first = (folder / "r15-1-mopac-request-v1.docx").read_bytes()

    reissued = run_cli(capsys, "letters", "--reissue", "R15-1-mopac", "--as-of", "2026-11-25")
    assert reissued.code == 0, reissued.err
    v2 = folder / "r15-1-mopac-request-v2.docx"
    assert str(v2) in reissued.out and "1 letter(s) written" in reissued.out
    assert (folder / "r15-1-mopac-request-v1.docx").read_bytes() == first
    assert "25 November 2026" in _docx_text(v2)
    assert len(smtp.messages) == 8
    [attachment] = [name for name in _attachments(smtp.messages[-1]) if name.endswith(".docx")]
    assert attachment == v2.name
    assert [(d.request_id, d.version) for d in _documents() if d.request_id == "R15-1-mopac"] == [
        ("R15-1-mopac", 1),
        ("R15-1-mopac", 2),
    ]

    before = state_counts(sqlite_home)
    plain = run_cli(capsys, "letters", "--as-of", "2026-11-25")
    assert plain.code == 0 and "No letters to write" in plain.out
    assert state_counts(sqlite_home) == before and len(smtp.messages) == 8


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


def test_two_writers_and_two_senders_at_once_make_one_letter_and_one_message(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, smtp: StoringHandler
) -> None:
    import datetime as dt

    from scrutiny.services import correspondence
    from scrutiny.services.correspondence import deliver_document, write_request_letter
    from scrutiny.workspace import open_workspace

    assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
    _slowed(monkeypatch, correspondence, "render_letter")
    _slowed(monkeypatch, correspondence, "_compose")
    workspace = open_workspace()
    as_of = dt.date.fromisoformat(AS_OF)
    for request_id in ("R15-1-mopac", "R16-2-hackney-csp"):
        write = lambda r=request_id: write_request_letter(workspace, r, as_of)  # noqa: E731
        written = [w for w in _race(write) if w is not None]
        assert len(written) == 1, written
        files = list((home / "letters" / MEETING).glob(f"{request_id.lower()}-*"))
        assert [p.name for p in files] == [f"{request_id.lower()}-request-v1.docx"]
        assert [d.id for d in _documents() if d.request_id == request_id] == [written[0].document_id]

        sent_before = len(smtp.messages)
        send = lambda d=written[0].document_id: deliver_document(workspace, d)  # noqa: E731
        delivered = [d for d in _race(send) if d is not None]
        assert len(delivered) == 1, delivered
        assert len(smtp.messages) == sent_before + 1
    assert sorted(_reference(m) for m in smtp.messages) == ["R15-1-mopac", "R16-2-hackney-csp"]
    assert _statuses(capsys)["R15-1-mopac"] == "issued"


# --------------------------------------------------------------------------------------
# PDFs


def test_letters_have_a_tagged_pdf_beside_them_and_in_the_mail(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if not libreoffice_available():
        pytest.skip("LibreOffice is not installed")
    # One respondent per item keeps this to two conversions.
    data = bundled_config_data()
    for commitment in data["commitments"]:
        commitment["respondents"] = ["mopac"]
    monkeypatch.setenv("SCRUTINY_CONFIG", str(write_config(tmp_path / "committee.yaml", data)))
    monkeypatch.setenv("SCRUTINY_PDF", "true")  # the default, whatever the caller's environment says
    assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
    result = run_cli(capsys, "letters", "--meeting", MEETING, "--as-of", AS_OF)
    assert result.code == 0, result.err
    folder = sqlite_home / "letters" / MEETING
    letters = sorted(folder.glob("*.docx"))
    assert [p.name for p in letters] == ["r15-1-mopac-request-v1.docx", "r16-2-mopac-request-v1.docx"]
    for letter in letters:
        pdf = letter.with_suffix(".pdf")
        data_pdf = pdf.read_bytes()
        assert data_pdf.startswith(b"%PDF") and b"/StructTreeRoot" in data_pdf
    assert len(_documents("request-pdf")) == 2

    mails = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in (sqlite_home / "outbox").glob("*.eml")
    ]
    assert len(mails) == 2
    for mail in mails:
        parts = _attachments(mail)
        stem = f"{_reference(mail).lower()}-request-v1"
        assert parts[f"{stem}.pdf"].get_content_type() == "application/pdf"
        assert parts[f"{stem}.pdf"].get_content() == (folder / f"{stem}.pdf").read_bytes()
        assert parts[f"{stem}.docx"].get_content_type() == DOCX_TYPE
        assert "invite.ics" in parts
