"""Fault trials: the SMTP server drops mid-message, the IMAP server disappears mid-sweep, the disk
fills while writing. Real servers and a real file system throughout; in each case nothing is lost,
nothing is done twice, and the next run completes. Each trial prints its counts."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli
from tests.counts import note
from tests.fault_support import (
    deliveries,
    delivery_states,
    documents,
    empty_or_partial_files,
    free_port,
    one_line_error,
    recorded_files_are_whole,
    smtp_environment,
    start_sink,
)

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
