"""Fault trials of the services under the product: LibreOffice hangs or crashes mid-conversion, and
PostgreSQL restarts mid-run. Real LibreOffice, a real private PostgreSQL instance, a real SMTP
server. In each case the command completes or fails in one line, nothing is lost or done twice,
nothing is left running, and the next run completes. Each trial prints its counts.

tests/test_libreoffice_lifecycle.py covers the converter itself (kills of the command, timeouts,
crashes of one conversion); these trials are of the commands around it.
"""

from __future__ import annotations

import email
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest

from scrutiny.documents import office_files
from scrutiny.documents.libreoffice import active_session, libreoffice_available
from tests.cli_helpers import run_cli
from tests.counts import note
from tests.factories import bundled_config_data, write_config
from tests.fault_support import (
    PrivatePostgres,
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

pytestmark = pytest.mark.usefixtures("prefect_harness")

AS_OF = "2026-11-21"
MEETING = "lih-2027-01-25"
TAG_VARIABLE = "SCRUTINY_FAULT_TRIAL"


# --------------------------------------------------------------------------------------
# 1. LibreOffice hangs, or crashes, while converting a letter


@pytest.fixture
def office_trial(
    sqlite_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """One letter to write (MOPAC, asked about both items), PDFs on with a short time limit, and a tag
    every process the command starts inherits, in a private temporary folder."""
    assert libreoffice_available(), "LibreOffice is required: scripts/setup.sh installs it"
    data = bundled_config_data()
    for commitment in data["commitments"]:
        commitment["respondents"] = ["mopac"]
    assert run_cli(capsys, "init", "--config", str(write_config(tmp_path / "committee.yaml", data))).code == 0
    assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
    monkeypatch.setenv("SCRUTINY_PDF", "true")
    monkeypatch.setenv("SCRUTINY_PDF_TIMEOUT_S", "4")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr("tempfile.tempdir", None)  # re-read TMPDIR
    tag = uuid.uuid4().hex
    monkeypatch.setenv(TAG_VARIABLE, tag)
    yield tag


def _tagged(tag: str) -> dict[int, str]:
    """Live processes (zombies aside) carrying the tag, other than this one: pid -> command name."""
    marker = f"{TAG_VARIABLE}={tag}".encode()
    found = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if int(entry.name) == os.getpid() or "\nState:\tZ" in (entry / "status").read_text():
                continue
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found[int(entry.name)] = (entry / "comm").read_text().strip()
        except (OSError, ValueError):
            continue
    return found


def _guard_engine(pid: int) -> tuple[int, str] | None:
    """The guard process above ``pid`` and its engine ("uno": warm, "cli": one conversion)."""
    while pid > 1:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return None
        for index, arg in enumerate(argv[:-1]):
            if arg.endswith(b"office_guard.py"):
                return pid, argv[index + 1].decode()
        pid = parent
    return None


class OfficeSaboteur:
    """Stops (SIGSTOP: a hang) or kills (SIGKILL: a crash) each LibreOffice the command starts, once it
    is converting: a warm one as soon as it is ready (the letter is sent to it at once), a one-shot
    ``soffice --convert-to`` as soon as it appears. ``limit`` bounds how many it breaks."""

    def __init__(self, tag: str, signum: signal.Signals, *, delay_s: float = 0.0, limit: int = 100) -> None:
        self.tag, self.signum, self.delay_s, self.limit = tag, signum, delay_s, limit
        self.broken: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> OfficeSaboteur:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _converting(self, pid: int) -> bool:
        guard = _guard_engine(pid)
        if guard is None:
            return False
        if guard[1] != "uno":
            return True
        session = active_session()
        ids = session.process_ids() if session is not None else None
        return ids is not None and ids[0] == guard[0]  # a warm one is ready once the session holds its guard

    def _run(self) -> None:
        while not self._stop.is_set() and len(self.broken) < self.limit:
            for pid, name in _tagged(self.tag).items():
                if name == "soffice.bin" and pid not in self.broken and self._converting(pid):
                    time.sleep(self.delay_s)
                    try:
                        os.kill(pid, self.signum)
                    except ProcessLookupError:
                        continue
                    self.broken.append(pid)
            time.sleep(0.02)


def _wait_until_gone(tag: str, seconds: float = 15) -> dict[int, str]:
    deadline = time.monotonic() + seconds
    while (left := _tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def _warnings(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("Warning: ")]


def _attachments_sent(home: Path) -> list[str]:
    names = []
    for path in sorted((home / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        names += [str(part.get_filename()) for part in message.iter_attachments()]
    return names


def _after_a_broken_run(home: Path, tag: str, result_code: int, out: str, err: str) -> str:
    """What every run that met a broken LibreOffice must leave: the letter and its e-mail, no PDF,
    no half file, no LibreOffice, no profile, and one line saying so; returns that line."""
    assert result_code == 0, err  # the letter does not wait for its PDF
    assert _wait_until_gone(tag) == {}
    folder = home / "letters" / MEETING
    assert sorted(p.name for p in folder.iterdir()) == [f"{MEETING}-mopac-v1.docx"]  # no PDF, whole or half
    assert documents("request-pdf") == [] and len(documents("request")) == 1
    assert _attachments_sent(home) == [f"{MEETING}-mopac-v1.docx", "invite.ics"]  # sent, without the PDF
    assert empty_or_partial_files(home) == [] and recorded_files_are_whole(home) == []
    assert sorted(Path(os.environ["TMPDIR"]).glob(office_files.WORKDIR_PREFIX + "*")) == []
    [line] = _warnings(out)
    assert line.startswith(f"Warning: no PDF of {MEETING}-mopac: LibreOffice failed or took longer than 4 s"), out
    assert line.endswith("the next 'scrutiny letters' or 'scrutiny run' makes it")
    return line


def _next_run_makes_the_pdf(home: Path, tag: str, capsys: pytest.CaptureFixture[str]) -> Path:
    again = run_cli(capsys, "letters", "--as-of", AS_OF)
    assert again.code == 0, again.err
    assert _wait_until_gone(tag) == {}
    pdf = home / "letters" / MEETING / f"{MEETING}-mopac-v1.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and b"/StructTreeRoot" in pdf.read_bytes()
    [recorded] = documents("request-pdf")
    assert recorded.path == f"letters/{MEETING}/{pdf.name}"
    assert len(documents("request")) == 1 and len(list((home / "outbox").glob("*.eml"))) == 1  # nothing re-sent
    assert _warnings(again.out) == []
    assert empty_or_partial_files(home) == [] and recorded_files_are_whole(home) == []
    return pdf


def test_libreoffice_hanging_holds_nothing_back_and_the_next_run_makes_the_pdf(
    sqlite_home: Path, office_trial: str, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    with OfficeSaboteur(office_trial, signal.SIGSTOP) as hang:
        result = run_cli(capsys, "letters", "--as-of", AS_OF)
    took = time.monotonic() - started
    _after_a_broken_run(sqlite_home, office_trial, result.code, result.out, result.err)
    assert len(hang.broken) == 2  # when written, then once more before the e-mail went
    assert took < 60, f"two 4 s time limits took {took:.0f} s"
    _next_run_makes_the_pdf(sqlite_home, office_trial, capsys)
    note(
        f"fault trials: LibreOffice hang: {len(hang.broken)} conversions hung (SIGSTOP), each stopped at its 4 s "
        f"limit in a {took:.0f} s run, letter sent without its PDF, 0 LibreOffice left, next run made the PDF"
    )


def test_libreoffice_crashing_holds_nothing_back_and_the_next_run_makes_the_pdf(
    sqlite_home: Path, office_trial: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with OfficeSaboteur(office_trial, signal.SIGKILL, delay_s=0.2) as crash:
        result = run_cli(capsys, "letters", "--as-of", AS_OF)
    _after_a_broken_run(sqlite_home, office_trial, result.code, result.out, result.err)
    assert len(crash.broken) >= 3, crash.broken  # each conversion's LibreOffice and its replacement
    # The next run meets one more crash: the replacement LibreOffice converts the letter.
    with OfficeSaboteur(office_trial, signal.SIGKILL, delay_s=0.2, limit=1) as once:
        _next_run_makes_the_pdf(sqlite_home, office_trial, capsys)
    assert len(once.broken) == 1
    note(
        f"fault trials: LibreOffice crash: {len(crash.broken)} LibreOffice processes SIGKILLed mid-conversion, "
        "1 warning line, letter sent without its PDF, 0 LibreOffice left; the next run survived "
        "1 more crash and made the PDF"
    )


# --------------------------------------------------------------------------------------
# 2. PostgreSQL restarts in the middle of a run


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        yield server
    finally:
        from state.db import get_engine

        for database in ("scrutiny", "postgres"):
            get_engine(server.url(database)).dispose()  # no connection outlives the instance
        get_engine.cache_clear()
        server.destroy()


def test_postgres_restarting_mid_run_loses_and_repeats_nothing(
    private_postgres: PrivatePostgres,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scrutiny.settings import reset_settings

    url = private_postgres.start()
    home = tmp_path / "home"
    home.mkdir()
    for name in ("SCRUTINY_CONFIG", "SCRUTINY_TEMPLATES_DIR", "SCRUTINY_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCRUTINY_HOME", str(home))
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", url)
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    port = free_port()
    smtp_environment(monkeypatch, port, retry_delays="0")
    controller, sink = start_sink(port)
    reset_settings()

    # Fault 1: an operator restarts PostgreSQL (-m fast) as the second letter is being written,
    # inside the transaction that records it.
    letters_dir = home / "letters" / MEETING
    restarted = threading.Event()

    def restart_at_the_second_letter() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not restarted.is_set():
            if letters_dir.is_dir() and sum(1 for _ in letters_dir.glob("*.docx")) >= 2:
                private_postgres.restart()
                restarted.set()
                return
            time.sleep(0.005)

    # Fault 2: PostgreSQL stops after the SMTP server took a message and before the sender hears
    # "250", and is back a second later: the message went, and its "sent" mark must not be lost.
    def stop_at_the_third_message(received: int) -> None:
        if received == 3:
            private_postgres.stop()
            threading.Timer(1.0, private_postgres.start_again).start()

    sink.on_message = stop_at_the_third_message
    outcomes: list[str] = []
    try:
        assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
        watcher = threading.Thread(target=restart_at_the_second_letter, daemon=True)
        watcher.start()
        for _ in range(6):  # as an officer would: run it again until it completes after both faults
            result = run_cli(capsys, "letters", "--as-of", AS_OF)
            if result.code == 0:
                outcomes.append("completed")
                if private_postgres.restarts >= 2:
                    break
                continue
            error = one_line_error(result.code, result.err, result.out)
            assert "the database stopped answering" in error or "cannot connect" in error, error
            outcomes.append(
                "failed in one line (" + ("cannot connect" if "cannot connect" in error else "stopped answering") + ")"
            )
            time.sleep(0.5)
            private_postgres.wait_ready()
        watcher.join(5)
        assert private_postgres.restarts == 2 and restarted.is_set(), outcomes
        final = run_cli(capsys, "letters", "--as-of", AS_OF)  # the next run after the faults completes
        assert final.code == 0, final.err
        # Each letter once, at its first version, with its file; each e-mail sent, once to each recipient.
        letters = documents("request")
        assert len(letters) == 5 and {d.version for d in letters} == {1}
        assert sorted(p.name for p in letters_dir.glob("*.docx")) == sorted(Path(d.path).name for d in letters)
        rows = deliveries()
        assert delivery_states() == {"sent": len(rows)}
        pairs = sink.pairs()
        duplicates = sum(n - 1 for n in Counter(pairs).values())
        assert duplicates == 0 and set(pairs) == {(r.message_id.strip(), r.address.lower()) for r in rows}
        assert recorded_files_are_whole(home) == [] and empty_or_partial_files(home) == []
    finally:
        controller.stop()
        reset_settings()
    note(
        f"fault trials: PostgreSQL restart: {private_postgres.restarts} restarts (one mid-letter, one between the "
        f"SMTP server's acceptance and the sent mark); runs: {', '.join(outcomes)}; then 5 letters once each, "
        f"{len(pairs)} messages received once each, 0 lost, 0 duplicates"
    )
