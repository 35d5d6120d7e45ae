"""Responses as they really arrive, through the CLI on SQLite and PostgreSQL: PDF, .doc and .odt accepted;
hostile files refused in one line with nothing recorded and little memory; e-mail and inbox collection."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest

import tests.hostile_files as hostile
from tests.cli_helpers import run_cli, state_counts
from tests.counts import note
from tests.intake_support import legacy_doc, opendocument_text, printed_pdf, run_measured, word_docx

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _issued_home(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "run", "--as-of", "2026-11-21").code == 0


def _record(capsys: pytest.CaptureFixture[str], request_id: str, path: Path, day: str = "2026-12-01") -> object:
    return run_cli(capsys, "responses", "record", request_id, str(path), "--received", day, "--as-of", day)


def test_pdf_doc_and_odt_responses_are_recorded(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _issued_home(capsys, monkeypatch)
    original = word_docx(tmp_path / "made")
    documents = {
        "lih-R15-1-met-ce-bcu": printed_pdf(original, tmp_path / "made"),
        "lih-R15-1-mopac": legacy_doc(original, tmp_path / "made"),
        "lih-R16-2-hackney-csp": opendocument_text(original, tmp_path / "made"),
    }
    for request_id, path in documents.items():
        before = path.read_bytes()
        result = _record(capsys, request_id, path)
        assert result.code == 0, result.err  # type: ignore[attr-defined]
        assert path.read_bytes() == before  # the original is never touched
    stored = sorted(p.name.rsplit("-", 1)[0] + p.suffix for p in (home / "responses" / "lih-2027-01-25").iterdir())
    assert stored == ["lih-R15-1-met-ce-bcu.pdf", "lih-R15-1-mopac.docx", "lih-R16-2-hackney-csp.docx"]
    due = {
        r["request_id"]: r["status"]
        for r in run_cli(capsys, "responses", "due", "--as-of", "2026-12-01", "--json").json()
    }
    assert [due[r] for r in documents] == ["received"] * 3


def test_received_dates_must_make_sense(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _issued_home(capsys, monkeypatch)
    path = word_docx(tmp_path)
    before = state_counts(home)
    early = _record(capsys, "lih-R15-1-mopac", path, "2019-01-01")
    assert early.code == 2 and "before the request letter went out on 2026-11-21" in early.err  # type: ignore[attr-defined]
    late = run_cli(capsys, "responses", "record", "lih-R15-1-mopac", str(path), "--received", "2030-06-01")
    assert late.code == 2 and "is after today" in late.err
    assert state_counts(home) == before


HOSTILE: dict[str, Callable[[Path, Path], Path]] = {
    "zip bomb": lambda docx, folder: hostile.zip_bomb_docx(folder),
    "external entity": hostile.external_entity_docx,
    "docm": hostile.docm,
    "docm renamed docx": hostile.docm_renamed_docx,
    "encrypted pdf": lambda docx, folder: hostile.encrypted_pdf(printed_pdf(docx, folder), folder),
    "encrypted docx": hostile.encrypted_docx,
    "executable renamed docx": lambda docx, folder: hostile.executable_renamed_docx(folder),
    "empty file": lambda docx, folder: hostile.empty_file(folder),
}

_RECORD_IN_CHILD = """
import sys
from cli.main import main
result = {"exit_code": main(["responses", "record", "lih-R15-1-mopac", sys.argv[1], "--received", "2026-12-01",
                             "--as-of", "2026-12-01"])}
"""


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused_in_one_line_with_nothing_recorded(
    name: str, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _issued_home(capsys, monkeypatch)
    folder = tmp_path / "hostile"
    folder.mkdir()
    path = HOSTILE[name](word_docx(tmp_path / "made"), folder)
    before_bytes, before = path.read_bytes(), state_counts(home)
    # In a fresh process, so its peak memory is the intake's own (the file is refused before Prefect starts).
    result, stderr = run_measured(_RECORD_IN_CHILD, str(path), timeout_s=300)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert result["exit_code"] == 2 and len(lines) == 1 and lines[0].startswith("scrutiny: error: "), stderr
    peak_mb = int(str(result["peak_kb"])) / 1024
    note(f"{name}: refused ({lines[0][17:90]}...), peak {peak_mb:.0f} MB")
    assert peak_mb < 500
    assert state_counts(home) == before and path.read_bytes() == before_bytes


def _email(tmp_path: Path, subject: str, attachment: Path | None, *, message_id: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Natasha Plummer <natasha.plummer@mopac.example>"
    message["To"] = "tracey.anderson@hackney.example"
    message["Subject"] = subject
    message["Date"] = "Tue, 05 Jan 2027 10:00:00 +0000"
    message["Message-ID"] = message_id
    message.set_content("Please find our written response attached.")
    if attachment is not None:
        message.add_attachment(attachment.read_bytes(), maintype="application", subtype="octet-stream",
                               filename=attachment.name)  # fmt: skip
    return message.as_bytes()


def test_responses_by_email_and_in_the_inbox_are_collected_once(
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    imap_account: object,
) -> None:
    _issued_home(capsys, monkeypatch)
    account = imap_account
    monkeypatch.setenv("SCRUTINY_IMAP_HOST", account.host)  # type: ignore[attr-defined]
    monkeypatch.setenv("SCRUTINY_IMAP_PORT", str(account.port))  # type: ignore[attr-defined]
    monkeypatch.setenv("SCRUTINY_IMAP_USER", account.user)  # type: ignore[attr-defined]
    monkeypatch.setenv("SCRUTINY_IMAP_PASSWORD", account.password)  # type: ignore[attr-defined]
    monkeypatch.setenv("SCRUTINY_IMAP_SSL", "false")
    response = word_docx(tmp_path / "made", "MOPAC response.docx")
    account.append(_email(tmp_path, "RE: request for a written update (ref lih-2027-01-25-mopac)", response,  # type: ignore[attr-defined]
                          message_id="<mopac-1@mopac.example>"))  # fmt: skip
    account.append(_email(tmp_path, "Our news", None, message_id="<news@example.org>"))  # type: ignore[attr-defined]
    inbox = home / "inbox"
    inbox.mkdir()
    csp = word_docx(tmp_path / "made", "csp.docx")
    (inbox / "csp.eml").write_bytes(
        _email(
            tmp_path, "Written response, Our ref: lih-2027-01-25-hackney-csp", csp, message_id="<csp-1@hackney.example>"
        )
    )
    shutil.copy(word_docx(tmp_path / "made", "x.docx"), inbox / "lih-2027-01-25-young-peoples-ssmg response.docx")
    (inbox / "unrelated.docx").write_bytes(word_docx(tmp_path / "made", "other.docx", paragraphs=5).read_bytes())

    collected = run_cli(capsys, "responses", "collect", "--as-of", "2027-01-06", "--json")
    assert collected.code == 0, collected.err
    rows = {row["name"]: row for row in collected.json()}
    assert rows["RE: request for a written update (ref lih-2027-01-25-mopac)"]["outcome"] == "recorded"
    assert rows["RE: request for a written update (ref lih-2027-01-25-mopac)"]["requests"] == [
        "lih-R15-1-mopac",
        "lih-R16-2-mopac",
    ]  # fmt: skip  one written response answering both sections of the letter
    assert rows["csp.eml"]["outcome"] == "recorded" and rows["csp.eml"]["requests"] == ["lih-R16-2-hackney-csp"]
    assert rows["lih-2027-01-25-young-peoples-ssmg response.docx"]["outcome"] == "recorded"
    assert rows["Our news"]["outcome"] == "unmatched", rows
    assert rows["unrelated.docx"]["outcome"] == "unmatched", rows

    due = {r["request_id"]: r for r in run_cli(capsys, "responses", "due", "--as-of", "2027-01-06", "--json").json()}
    assert due["lih-R15-1-mopac"]["status"] == "received" and due["lih-R15-1-mopac"]["received_on"] == "2027-01-05"
    assert sorted(p.name for p in (inbox / "done").iterdir()) == [
        "csp.eml", "lih-2027-01-25-young-peoples-ssmg response.docx",
    ]  # fmt: skip
    assert [p.name for p in inbox.iterdir() if p.is_file()] == ["unrelated.docx"]  # left where it was
    assert len(account.messages("Scrutiny/Unmatched")) == 1  # type: ignore[attr-defined]
    [(flags, _)] = account.messages("INBOX")  # type: ignore[attr-defined]
    assert "\\Seen" in flags

    # A re-run takes nothing twice; the unmatched file is reported again, still in place.
    before = state_counts(home)
    again = run_cli(capsys, "responses", "collect", "--as-of", "2027-01-07", "--json").json()
    assert state_counts(home) == before
    outcomes = sorted(row["outcome"] for row in again)
    assert outcomes == ["already collected", "unmatched"], again


def test_a_moved_home_keeps_working(
    sqlite_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scrutiny.settings import reset_settings

    _issued_home(capsys, monkeypatch)
    assert _record(capsys, "lih-R15-1-mopac", word_docx(tmp_path / "made")).code == 0  # type: ignore[attr-defined]
    moved = tmp_path / "moved-home"
    shutil.move(str(sqlite_home), moved)
    monkeypatch.setenv("SCRUTINY_HOME", str(moved))
    monkeypatch.chdir(moved)
    reset_settings()
    for command in (
        ["responses", "due", "--as-of", "2026-12-02"],
        ["remind", "--as-of", "2027-01-04"],
        ["pack", "lih-2027-01-25", "--as-of", "2027-01-15"],
        ["letters", "--reissue", "lih-2027-01-25-met-ce-bcu", "--as-of", "2026-12-02"],
    ):
        result = run_cli(capsys, *command)
        assert result.code == 0, (command, result.err)
    pack = next((moved / "packs" / "lih-2027-01-25").glob("*.docx"))
    assert pack.exists() and not (sqlite_home).exists()
    rows = json.loads(run_cli(capsys, "responses", "due", "--as-of", "2026-12-02", "--json").out)
    assert any(r["status"] == "received" for r in rows)
