"""Fault trials: the SMTP server drops mid-message, the IMAP server disappears mid-sweep, the disk
fills while writing. Real servers and a real file system throughout; in each case nothing is lost,
nothing is done twice, and the next run completes. Each trial prints its counts."""

from __future__ import annotations

import email
import logging
import os
import signal
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from scrutiny.services import claims
from tests.cli_helpers import run_cli
from tests.counts import note
from tests.fault_support import (
    CuttingProxy,
    deliveries,
    delivery_states,
    documents,
    empty_or_partial_files,
    free_port,
    inbound_outcomes,
    letter_requests,
    one_line_error,
    recorded_files_are_whole,
    responses,
    smtp_environment,
    start_sink,
)
from tests.imap_server import DovecotServer, ImapAccount
from tests.intake_support import word_docx

pytestmark = pytest.mark.usefixtures("prefect_harness", "quiet_mail_log")

AS_OF = "2026-11-21"  # the letter window of the 25 January 2027 meeting is open: 5 letters
MEETING = "lih-2027-01-25"
LETTERS = 5


@pytest.fixture
def quiet_mail_log() -> Iterator[None]:
    """aiosmtpd logs each dropped connection; the command's stderr is what a trial checks."""
    logger = logging.getLogger("mail.log")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


# --------------------------------------------------------------------------------------
# 1. The SMTP server drops the connection in the middle of a message


def test_smtp_server_dropping_mid_message_loses_nothing_and_sends_once(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    port = free_port()
    smtp_environment(monkeypatch, port, retry_delays="")  # no retry within the run: the drops must stay pending
    controller, sink = start_sink(port)
    try:
        assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
        sink.drops_left = drops = 4
        failed = run_cli(capsys, "letters", "--as-of", AS_OF)
        error = one_line_error(failed.code, failed.err, failed.out)
        assert f"SMTP 127.0.0.1:{port}" in error and "stay pending" in error, error
        rows = deliveries()
        recipients = len(rows)
        assert sink.dropped == drops and recipients > drops
        # Exactly the dropped ones are owed; each message that got through is recorded as sent.
        assert delivery_states() == {"sent": recipients - drops, "pending": drops}
        assert all(r.claim == "" and r.channel == "" for r in rows if r.state == "pending")
        assert len(sink.received) == recipients - drops
        assert len(documents("request")) == LETTERS
        for message, _ in sink.received:  # what arrived arrived whole: the letter is attached
            attached = [p.get_filename() for p in message.iter_attachments()]
            assert any(str(name).endswith("-v1.docx") for name in attached), attached

        again = run_cli(capsys, "letters", "--as-of", AS_OF)  # the server is healthy again
        assert again.code == 0, again.err
        assert delivery_states() == {"sent": recipients}
        pairs = sink.pairs()
        duplicates = sum(n - 1 for n in Counter(pairs).values())
        expected = {(r.message_id.strip(), r.address.lower()) for r in deliveries()}
        assert duplicates == 0 and set(pairs) == expected and len(pairs) == recipients
        assert run_cli(capsys, "letters", "--as-of", AS_OF).code == 0
        assert len(sink.pairs()) == recipients  # a third run sends nothing
        assert recorded_files_are_whole(sqlite_home) == [] and empty_or_partial_files(sqlite_home) == []
    finally:
        controller.stop()
    note(
        f"fault trials: SMTP drop: {drops} of {recipients} messages dropped mid-DATA, {drops} kept pending, "
        f"0 lost, {duplicates} duplicates after the re-run ({len(pairs)} received once each)"
    )


# --------------------------------------------------------------------------------------
# 2. The IMAP server disappears in the middle of a sweep


RESPONDENTS = ["mopac", "hackney-csp", "met-ce-bcu", "young-peoples-ssmg"]


def _response_email(folder: Path, organisation: str) -> tuple[str, bytes]:
    message_id = f"<{organisation}-response@respondent.example>"
    message = EmailMessage()
    message["From"] = f"{organisation} <response@{organisation}.example>"
    message["To"] = "tracey.anderson@hackney.example"
    message["Subject"] = f"Written response (ref {MEETING}-{organisation})"
    message["Date"] = "Tue, 05 Jan 2027 10:00:00 +0000"
    message["Message-ID"] = message_id
    message.set_content("Please find our written response attached.")
    document = word_docx(folder / organisation, f"{organisation} response.docx")
    message.add_attachment(document.read_bytes(), maintype="application", subtype="octet-stream",
                           filename=document.name)  # fmt: skip
    return message_id, message.as_bytes()


def _seen_on_server(account: ImapAccount) -> dict[str, bool]:
    """Message-ID -> whether it is marked seen, for every message in the INBOX (read without marking)."""
    found = {}
    for flags, raw in account.messages():
        parsed = email.message_from_bytes(raw, policy=policy.default)
        found[str(parsed["Message-ID"]).strip()] = "\\Seen" in flags
    return found


def test_imap_server_disappearing_mid_sweep_takes_each_response_once(
    sqlite_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
    assert run_cli(capsys, "letters", "--as-of", AS_OF).code == 0
    dovecot = DovecotServer()  # a private one: this trial kills it, twice
    dovecot.start()
    proxy = CuttingProxy(lambda: dovecot.port)

    def point_at_server() -> None:
        assert dovecot.account is not None
        for name, value in {
            "SCRUTINY_IMAP_HOST": "127.0.0.1", "SCRUTINY_IMAP_PORT": str(proxy.port), "SCRUTINY_IMAP_SSL": "false",
            "SCRUTINY_IMAP_USER": dovecot.account.user, "SCRUTINY_IMAP_PASSWORD": dovecot.account.password,
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)

    def kill_dovecot() -> None:  # the server vanishes: every process of it, at once
        assert dovecot.process is not None
        os.killpg(dovecot.process.pid, signal.SIGKILL)

    def restart() -> ImapAccount:
        dovecot.stop(remove=False)  # reaps what the kill left; the mail stays on disk
        dovecot.start()
        point_at_server()
        assert dovecot.account is not None
        return dovecot.account

    collect = ("responses", "collect", "--as-of", "2027-01-06")
    try:
        point_at_server()
        ids = []
        for organisation in RESPONDENTS:
            message_id, raw = _response_email(tmp_path / "made", organisation)
            dovecot.append(raw)
            ids.append(message_id)
        expected_requests = letter_requests([f"{MEETING}-{o}" for o in RESPONDENTS])

        # Cut 1: the first response is recorded, and the server dies before it is marked seen.
        proxy.arm(rb"^\S+ UID STORE ", 1, kill_dovecot)
        first = run_cli(capsys, *collect)
        assert "IMAP 127.0.0.1" in one_line_error(first.code, first.err, first.out)
        assert inbound_outcomes() == {ids[0]: "recorded"}
        account = restart()
        assert _seen_on_server(account) == dict.fromkeys(ids, False)  # nothing was marked seen

        # Cut 2: the first is taken again as already collected, the second recorded and marked
        # seen; the server dies as the third is fetched.
        proxy.arm(rb"^\S+ UID FETCH \S+ \(BODY\.PEEK\[\]", 3, kill_dovecot)
        second = run_cli(capsys, *collect)
        assert "IMAP 127.0.0.1" in one_line_error(second.code, second.err, second.out)
        assert inbound_outcomes() == {ids[0]: "recorded", ids[1]: "recorded"}
        account = restart()
        assert _seen_on_server(account) == {ids[0]: True, ids[1]: True, ids[2]: False, ids[3]: False}

        done = run_cli(capsys, *collect, "--json")
        assert done.code == 0, done.err
        outcomes = Counter(row["outcome"] for row in done.json())
        assert outcomes == {"already collected": 2, "recorded": 2}, done.json()
        assert proxy.cuts == 2
        assert _seen_on_server(account) == dict.fromkeys(ids, True)
        assert account.messages("Scrutiny/Unmatched") == []
    finally:
        proxy.close()
        dovecot.stop()
    assert inbound_outcomes() == dict.fromkeys(ids, "recorded")
    taken = Counter(r.request_id for r in responses())
    assert set(taken) == expected_requests and set(taken.values()) == {1}, taken  # each response once
    assert Counter(r.message_id for r in responses()).keys() == set(ids)
    stored = [p for p in (sqlite_home / "responses").rglob("*") if p.is_file()]
    assert len(stored) == len(responses())  # no stored file without its record, none recorded without its file
    assert recorded_files_are_whole(sqlite_home) == [] and empty_or_partial_files(sqlite_home) == []
    note(
        f"fault trials: IMAP gone mid-sweep: {len(ids)} responses, Dovecot killed 2 times (before a mark-seen, "
        f"before a fetch), {len(taken)} requests answered once each, 0 duplicates, 0 left behind"
    )


# --------------------------------------------------------------------------------------
# 3. The disk fills while writing: the whole home, SQLite included, on a small tmpfs


VOLUME_MB = 8


@pytest.fixture
def small_volume(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of VOLUME_MB mounted for this test (we are root here and in CI), unmounted after."""
    volume = tmp_path / "volume"
    volume.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={VOLUME_MB}m,mode=0755", "tmpfs", str(volume)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.fail(f"the disk-full trial needs a tmpfs (mount as root): mount said {mounted.stderr.strip()!r}")
    try:
        yield volume
    finally:
        subprocess.run(["umount", "-l", str(volume)], check=False)


def _fill(volume: Path, room: int | None) -> int:
    """Leave ``room`` bytes free on the volume (None: remove the filler); returns what is free."""
    filler = volume / "filler"
    filler.unlink(missing_ok=True)
    if room is not None:
        free = _free_bytes(volume)
        with filler.open("wb") as handle:
            if free > room:
                os.posix_fallocate(handle.fileno(), 0, free - room)
    return _free_bytes(volume)


def _free_bytes(volume: Path) -> int:
    stats = os.statvfs(volume)
    return stats.f_bavail * stats.f_frsize


def _database_consistent(home: Path) -> list[str]:
    """The SQLite file is sound, each written letter has its document, and each document its e-mails."""
    problems = []
    with sqlite3.connect(f"file:{home / 'state' / 'scrutiny.db'}?mode=ro", uri=True) as connection:
        [(integrity,)] = connection.execute("PRAGMA integrity_check").fetchall()
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")
        problems += [
            f"letter {letter_id} v{version} has no document"
            for letter_id, version in connection.execute(
                "SELECT id, version FROM letter WHERE version > 0 AND NOT EXISTS (SELECT 1 FROM document d "
                "WHERE d.letter_id = letter.id AND d.version = letter.version AND d.kind = 'request')"
            )
        ]
        problems += [
            f"document {path} has no recipient"
            for (path,) in connection.execute(
                "SELECT path FROM document WHERE kind = 'request' AND id NOT IN (SELECT document_id FROM delivery)"
            )
        ]
        # Every e-mail is sent or owed: pending, or claimed by a run that has ended (the next run takes it).
        problems += [
            f"{address} left {state} by a run still holding it"
            for address, state, claim in connection.execute("SELECT address, state, claim FROM delivery")
            if state not in ("pending", "sent") and not (state == "sending" and claims.abandoned(claim))
        ]
    return problems


def test_disk_filling_while_writing_loses_nothing_and_the_next_run_completes(
    small_volume: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scrutiny.settings import get_settings, reset_settings
    from state.db import get_engine

    home = small_volume / "home"
    home.mkdir()
    monkeypatch.setenv("SCRUTINY_HOME", str(home))
    for name in ("SCRUTINY_DATABASE_URL", "SCRUTINY_CONFIG", "SCRUTINY_SMTP_HOST", "SCRUTINY_TEMPLATES_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    reset_settings()
    assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0

    # Each step leaves a little more room than the last, so the disk fills at a later point each time.
    monkeypatch.setenv("SCRUTINY_DELIVERY_RETRY_DELAYS", "")  # a failed e-mail waits for the next run
    steps = {"letters": (["letters", "--as-of", AS_OF], [16_000, 200_000, 600_000, None]),
             "pack": (["pack", MEETING, "--as-of", "2027-01-15"], [16_000, 150_000, None])}  # fmt: skip
    failures: list[str] = []
    try:
        for name, (args, rooms) in steps.items():
            for room in rooms:
                _fill(small_volume, room)
                result = run_cli(capsys, *args)
                if result.code != 0:
                    assert room is not None, result.err  # with the filler gone, the run must complete
                    error = one_line_error(result.code, result.err, result.out)
                    assert "ENOSPC" in error, error
                    failures.append(f"{name} with {room // 1000} kB free: {error[17:].replace(f'{home}/', '')}")
                assert empty_or_partial_files(home) == [], (name, room, result.err)
                assert recorded_files_are_whole(home) == [], (name, room, result.err)
                assert _database_consistent(home) == [], (name, room, result.err)
                if result.code == 0:
                    break
            else:
                pytest.fail(f"{name} did not complete with the filler removed")
            assert room is None or failures, f"{name} never met a full disk"
        _fill(small_volume, None)
        # The end state is the state of a run that never met a full disk.
        letters = documents("request")
        assert len(letters) == LETTERS and {d.version for d in letters} == {1}
        assert sorted(p.relative_to(home).as_posix() for p in (home / "letters").rglob("*.docx")) == sorted(
            d.path for d in letters
        )  # no letter file without its record
        assert delivery_states() == {"sent": len(deliveries())}
        assert len(list((home / "outbox").glob("*.eml"))) == len({d.message_id for d in deliveries()})
        [pack] = documents("agenda-pack")
        assert (home / pack.path).is_file()
    finally:
        _fill(small_volume, None)
        get_engine(get_settings().effective_database_url).dispose()  # its files are on the volume
        reset_settings()
    assert len(failures) >= 3, failures
    for line in failures:
        note(f"fault trials: disk full: {line.split(': the step')[0].split('; nothing')[0]}")
    note(f"fault trials: disk full: {len(failures)} runs stopped by ENOSPC, 0 half-written or empty files, "
         f"0 documents without their file, then letters and pack completed ({LETTERS} letters, 1 pack)")  # fmt: skip
