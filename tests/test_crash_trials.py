"""Crash trials (issue 12): seeded SIGKILLs at random points of `run`, `letters`, `remind`, `pack` and
`responses collect`, on SQLite and on PostgreSQL, with a real SMTP server and a real IMAP mailbox.

One home lives through the letters, chasers, responses and packs of up to three winters, each
command a real `scrutiny` process against one Prefect API. Each step's command is SIGKILLed at a
seeded uniform offset within the working time of an uncrashed run of the same step (from its first
progress line to its last, measured in the first winter), counted from its first progress line;
then it is run again to completion. After every step: each letter exists once, with each of its
versions once; each chaser once, with its document; every file the database names is there, whole,
with its hash, and no file is left without its row, empty or half-written; every e-mail is sent,
and reached the SMTP server once (or, only when a killed run had it accepted and not yet marked
sent, twice with the same Message-ID: the window no SMTP client can close); every response that
arrived was taken in once; SQLite's integrity check is ok (PostgreSQL: no transaction left
open); no process of the command is left.
"""

from __future__ import annotations

import datetime as dt
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from state import models
from state.db import get_engine
from tests.cli_helpers import run_cli
from tests.counts import note
from tests.fault_support import SinkHandler, empty_or_partial_files, free_port, recorded_files_are_whole, start_sink
from tests.imap_server import ImapAccount
from tests.intake_support import word_docx
from tests.product_processes import RunningCommand, half_written_files, start_command, wait_until_gone

pytestmark = pytest.mark.usefixtures("prefect_harness")  # one Prefect API for every command, not one each

SEED = 12
KILLS_PER_DATABASE = 10
KINDS = ("run", "letters", "remind", "pack", "collect")
LETTER_KINDS = ("request", "supplementary", "retimed")
CHASER_KINDS = ("reminder", "overdue", "escalation")
PHASES = {  # the last progress line before the kill: what the command was doing (or had just done)
    "Placing": "planning",
    "Collecting": "collecting",
    "Writing letters": "writing letters",
    "Writing chasers": "writing chasers",
    "Sending e-mails": "sending e-mails",
    "Assembling": "assembling packs",
}


@dataclass(frozen=True)
class Step:
    kind: str  # the command: run, letters, remind, pack or collect
    role: str  # its part in the year: steps of one role do the same work for another meeting
    args: tuple[str, ...]
    arrivals: tuple[tuple[str, str], ...] = ()  # (letter, how) responses that arrive before the step


def _winter(meeting: str, days: list[str]) -> list[Step]:
    """One year's correspondence about `meeting`, on days from its timetable, each step with work to do."""
    plan, letters, remind, early, overdue, pack, late, last = days
    return [
        Step("run", "plan, the day before the letter window", ("run", "--as-of", plan)),
        Step("letters", "letters", ("letters", "--as-of", letters)),
        Step("remind", "reminders", ("remind", "--as-of", remind)),
        Step("collect", "responses", ("responses", "collect", "--as-of", early),
             ((f"{meeting}-mopac", "imap"), (f"{meeting}-hackney-csp", "inbox document"))),
        Step("remind", "overdue notices", ("remind", "--as-of", overdue)),
        Step("pack", "agenda pack", ("pack", meeting, "--as-of", pack)),
        Step("collect", "late responses", ("responses", "collect", "--as-of", late),
             ((f"{meeting}-met-ce-bcu", "imap"), (f"{meeting}-young-peoples-ssmg", "inbox e-mail"))),
        Step("run", "escalations and the supplementary pack", ("run", "--as-of", last)),
    ]  # fmt: skip


STORY = [
    *_winter("lih-2027-01-25", ["2026-11-12", "2026-11-21", "2027-01-04", "2027-01-06", "2027-01-11", "2027-01-15",
                                "2027-01-18", "2027-01-19"]),
    *_winter("lih-2028-01-24", ["2027-11-11", "2027-11-20", "2028-01-04", "2028-01-05", "2028-01-10", "2028-01-14",
                                "2028-01-17", "2028-01-18"]),
    *_winter("lih-2029-01-22", ["2028-11-09", "2028-11-17", "2029-01-03", "2029-01-04", "2029-01-08", "2029-01-12",
                                "2029-01-15", "2029-01-16"]),
]  # fmt: skip

# The working time of the latest uncrashed run of each step of the year (first progress line to last), kept
# for the file: measured in the first winter of whichever database comes first, and updated whenever a
# command ends before its kill point. A kill point of a later step of the same role is drawn from it.
_working_s: dict[str, float] = {}


@dataclass
class Tally:
    kills: Counter[str] = field(default_factory=Counter)
    phases: Counter[str] = field(default_factory=Counter)
    measured: int = 0
    reruns: int = 0
    finished_first: int = 0  # ended before its kill point: its step was done uncrashed
    files_checked: int = 0
    responses: int = 0
    # (Message-ID, recipient) the SMTP server accepted from a killed run that had not yet marked them sent
    in_doubt: set[tuple[str, str]] = field(default_factory=set)
    repeats: int = 0  # of those, how many the re-run sent again (so the server holds two copies)


@dataclass
class Trial:
    home: Path
    database_url: str
    api: str
    settings: dict[str, str]
    sink: SinkHandler
    account: ImapAccount
    rng: random.Random
    tally: Tally = field(default_factory=Tally)

    def start(self, step: Step, name: str) -> RunningCommand:
        return start_command(
            list(step.args), self.home, self.database_url, self.home.parent / "tmp" / name, self.api, self.settings
        )


def test_seeded_sigkills_lose_and_duplicate_nothing(home: Path, database_url: str, imap_account: ImapAccount) -> None:
    from prefect.settings import PREFECT_API_URL

    engine = database_url.split(":", 1)[0].split("+", 1)[0]
    port = free_port()
    controller, sink = start_sink(port)
    smtp = {"SCRUTINY_SMTP_HOST": "127.0.0.1", "SCRUTINY_SMTP_PORT": str(port), "SCRUTINY_SMTP_STARTTLS": "false",
            "SCRUTINY_DELIVERY_RETRY_DELAYS": "0"}  # fmt: skip
    trial = Trial(home, database_url, str(PREFECT_API_URL.value()), smtp | _imap_settings(imap_account), sink,
                  imap_account, random.Random(f"{SEED}-{engine}"))  # fmt: skip
    tally = trial.tally
    try:
        for number, step in enumerate(STORY):
            if sum(tally.kills.values()) >= KILLS_PER_DATABASE and all(tally.kills[kind] for kind in KINDS):
                break
            _arrive(trial, step)
            before = _work_done(database_url)
            if step.role not in _working_s:
                _working_s[step.role] = _run_to_end(trial, step, f"{number}-measured")
                tally.measured += 1
            elif _run_and_kill(trial, step, f"{number}-killed"):
                _run_to_end(trial, step, f"{number}-rerun")
                tally.reruns += 1
            where = f"step {number} ({' '.join(step.args)}, {engine})"
            assert _work_done(database_url) > before, f"{where}: did nothing, so a kill in it tested nothing"
            _check(trial, step, where)
    finally:
        controller.stop()

    kills = sum(tally.kills.values())
    note(
        f"crash trials ({engine}): {kills} SIGKILLs ({', '.join(f'{tally.kills[k]} {k}' for k in KINDS)}; "
        f"last progress before the kill: {', '.join(f'{n} {p}' for p, n in tally.phases.most_common())}); "
        f"{tally.reruns} re-runs completed, {tally.measured} uncrashed runs measured, {tally.finished_first} "
        f"ended before their kill point; {len(sink.pairs())} e-mails received, 0 lost, 0 duplicates, "
        f"{len(tally.in_doubt)} accepted by the server before a kill but not yet marked sent, {tally.repeats} of "
        f"them sent again (same Message-ID); {tally.responses} responses taken in once; {tally.files_checked} "
        f"checks of a recorded file (whole, its hash); "
        + ("integrity ok" if engine == "sqlite" else "no transaction left open")
    )
    assert kills >= KILLS_PER_DATABASE and all(tally.kills[kind] for kind in KINDS), (
        f"the story ran out with {kills} SIGKILLs {dict(tally.kills)}: {tally.finished_first} ended first"
    )


def test_a_chaser_cut_short_leaves_nothing_recorded(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a kill while a chaser was written left, found by the trials on SQLite (PostgreSQL had it
    right): its claim row alone was committed, as the SAVEPOINT that inserted it had opened the
    transaction, so the chaser stayed "sent" with no document or e-mail. Here, deterministically."""
    from scrutiny.services import chasers
    from scrutiny.services.home import open_workspace

    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "run", "--as-of", "2026-11-21").code == 0  # the letters go out
    workspace = open_workspace()
    day = dt.date(2027, 1, 4)
    committee = workspace.committee("living-in-hackney")
    with workspace.session() as session:
        letter_id, kind = chasers.chasers_due(session, committee, day)[0]
    with pytest.raises(RuntimeError), workspace.session() as session:
        assert chasers.write_chaser(session, workspace, committee, letter_id, kind, day) is not None
        raise RuntimeError("the run dies before the chaser's transaction commits")
    with workspace.session() as session:
        assert session.exec(select(models.Reminder)).all() == []
        assert (letter_id, kind) in chasers.chasers_due(session, committee, day)  # so the next run sends it


def _imap_settings(account: ImapAccount) -> dict[str, str]:
    return {
        "SCRUTINY_IMAP_HOST": account.host,
        "SCRUTINY_IMAP_PORT": str(account.port),
        "SCRUTINY_IMAP_USER": account.user,
        "SCRUTINY_IMAP_PASSWORD": account.password,
        "SCRUTINY_IMAP_SSL": "false",
    }


# --------------------------------------------------------------------------------------
# Running, killing, running again


def _run_to_end(trial: Trial, step: Step, name: str) -> float:
    """Run the command to its end (exit 0); returns its working time: first progress line to last."""
    command = trial.start(step, name)
    code = command.finish(timeout_s=300)
    assert code == 0, f"{' '.join(step.args)} exited {code}:\n{command.stderr}"
    _assert_nothing_left(command, f"{' '.join(step.args)} (completed)")
    return _working_time(command, step)


def _working_time(command: RunningCommand, step: Step) -> float:
    assert command.lines, f"{' '.join(step.args)} printed no progress"
    return command.lines[-1][0] - command.lines[0][0]


def _run_and_kill(trial: Trial, step: Step, name: str) -> bool:
    """Start the command and SIGKILL it at a seeded offset within its working time; True if it was killed.

    The offset counts from the command's first progress line: imports, the database and the flow's
    start come before it and take longer the more loaded the machine, so the kill points spread over
    the work itself (planning, collecting, writing, sending, assembling) whatever the load.
    """
    offset = trial.rng.uniform(0.0, _working_s[step.role])
    received_before = len(trial.sink.pairs())
    command = trial.start(step, name)
    command.wait_for_line("", timeout_s=300)
    deadline = (command.lines[0][0] if command.lines else time.monotonic()) + offset
    while command.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    phase = next((p for prefix, p in PHASES.items() if command.lines and command.lines[-1][1].startswith(prefix)), "")
    if command.process.poll() is None:
        command.process.send_signal(signal.SIGKILL)  # the command alone, as the OOM killer or a power cut would
    code = command.finish(timeout_s=30)
    _assert_nothing_left(command, f"{' '.join(step.args)} (killed {offset:.1f} s in, {phase or 'starting'})")
    if code == 0:  # it ended first: an uncrashed run, and a fresher measure of the step's working time
        _working_s[step.role] = _working_time(command, step)
        trial.tally.finished_first += 1
        return False
    assert code == -signal.SIGKILL, f"{' '.join(step.args)} exited {code}:\n{command.stderr}"
    trial.tally.kills[step.kind] += 1
    trial.tally.phases[phase or "starting"] += 1
    # What the server accepted from the killed run and the run did not mark sent, it sends again: the
    # unavoidable window between the server's "250" and the mark (the repeat keeps its Message-ID).
    with _session(trial.database_url) as session:
        marked = {(d.message_id, d.address.lower()) for d in session.exec(select(models.Delivery)) if d.state == "sent"}
    trial.tally.in_doubt |= set(trial.sink.pairs()[received_before:]) - marked
    return True


def _assert_nothing_left(command: RunningCommand, what: str) -> None:
    left = wait_until_gone(command.marker, timeout_s=5)
    assert not left, f"{what}: processes left behind: {[(p.pid, p.cmdline[:80]) for p in left]}"


# --------------------------------------------------------------------------------------
# Responses arriving: by IMAP, as an .eml in the inbox folder, as a document named with the reference


def _arrive(trial: Trial, step: Step) -> None:
    inbox = trial.home / "inbox"
    for letter_id, how in step.arrivals:
        document = _response(trial.home.parent / "made", letter_id)
        if how == "inbox document":
            inbox.mkdir(exist_ok=True)
            (inbox / f"{letter_id} response.docx").write_bytes(document.read_bytes())
            continue
        sent = dt.date.fromisoformat(step.args[-1]) - dt.timedelta(days=1)
        raw = _response_email(letter_id, document, sent)
        if how == "imap":
            trial.account.append(raw)
        else:
            inbox.mkdir(exist_ok=True)
            (inbox / f"{letter_id}.eml").write_bytes(raw)


def _response(made: Path, letter_id: str) -> Path:
    path = word_docx(made / letter_id, f"{letter_id} written response.docx")
    document = Document(str(path))  # each respondent's own words: no two responses share a hash
    document.add_paragraph(f"This is the written response to our reference {letter_id}.")
    document.save(str(path))
    return path


def _response_email(letter_id: str, document: Path, day: dt.date) -> bytes:
    message = EmailMessage()
    message["From"] = f"Respondent <response@{letter_id}.example>"
    message["To"] = "tracey.anderson@hackney.example"
    message["Subject"] = f"RE: request for a written update (ref {letter_id})"
    message["Date"] = f"{day.strftime('%a, %d %b %Y')} 10:00:00 +0000"
    message["Message-ID"] = _response_key(letter_id)
    message.set_content("Please find our written response attached.")
    message.add_attachment(
        document.read_bytes(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename=document.name,
    )
    return message.as_bytes()


def _response_key(letter_id: str) -> str:
    return f"<response-{letter_id}@respondent.example>"


# --------------------------------------------------------------------------------------
# What must hold after every step


def _session(database_url: str) -> Session:
    return Session(get_engine(database_url))


def _work_done(database_url: str) -> int:
    """Rows a step can add: documents, deliveries, responses, packs, items planned (0 before the schema)."""
    if database_url.startswith("sqlite:///") and not Path(database_url.removeprefix("sqlite:///")).exists():
        return 0  # the first command creates the database: looking now would create an empty file
    if not inspect(get_engine(database_url)).has_table("document"):
        return 0
    with _session(database_url) as session:
        tables: tuple[Any, ...] = (models.Document, models.Delivery, models.Response, models.Pack, models.AgendaItem)
        return sum(len(session.exec(select(table.id)).all()) for table in tables)


def _check(trial: Trial, step: Step, where: str) -> None:
    with _session(trial.database_url) as session:
        letters = session.exec(select(models.Letter)).all()
        documents = session.exec(select(models.Document)).all()
        reminders = session.exec(select(models.Reminder)).all()
        deliveries = session.exec(select(models.Delivery)).all()
        responses = session.exec(select(models.Response)).all()
        packs = session.exec(select(models.Pack)).all()
        inbound = session.exec(select(models.InboundMessage)).all()
    _check_letters(letters, documents, reminders, where)
    _check_files(trial, documents, responses, packs, where)
    _check_emails(trial, deliveries, where)
    _check_responses(trial, step, responses, inbound, where)
    _check_database(trial.database_url, where)


def _check_letters(
    letters: list[models.Letter], documents: list[models.Document], reminders: list[models.Reminder], where: str
) -> None:
    """Each letter once, with each of its versions once (the current one among them); each chaser once."""
    versions: dict[str, list[int]] = {}
    for document in documents:
        if document.kind in LETTER_KINDS and document.letter_id:
            versions.setdefault(document.letter_id, []).append(document.version)
    for letter in letters:
        found = sorted(versions.get(letter.id, []))
        assert found == list(range(1, letter.version + 1)), f"{where}: {letter.id} v{letter.version}: {found}"
    chasers = {d.id or 0: d.kind for d in documents if d.kind in CHASER_KINDS}
    assert sorted(r.document_id or 0 for r in reminders) == sorted(chasers), (
        f"{where}: chasers recorded {[(r.letter_id, r.kind, r.document_id) for r in reminders]}, "
        f"chaser documents {chasers}"
    )
    assert all(chasers[r.document_id] == r.kind for r in reminders if r.document_id), f"{where}: chaser kinds"


def _check_files(
    trial: Trial,
    documents: list[models.Document],
    responses: list[models.Response],
    packs: list[models.Pack],
    where: str,
) -> None:
    """Every file the database names is whole with its hash; every file written has its row; none is
    empty or half-written."""
    home = trial.home
    assert recorded_files_are_whole(home) == [], f"{where}: {recorded_files_are_whole(home)}"
    named = {d.path for d in documents} | {r.path for r in responses} | {p.docx_path for p in packs}
    trial.tally.files_checked += len(named)
    written = {
        str(path.relative_to(home))
        for folder in ("letters", "packs", "responses")
        if (home / folder).exists()
        for path in (home / folder).rglob("*")
        if path.is_file() and "draft" not in path.relative_to(home).parts  # drafts are rewritten, never recorded
    }
    assert sorted(written - named) == [], f"{where}: files without their row"
    assert empty_or_partial_files(home) == [], f"{where}: {empty_or_partial_files(home)}"
    assert half_written_files(home) == [], f"{where}: {half_written_files(home)}"


def _check_emails(trial: Trial, deliveries: list[models.Delivery], where: str) -> None:
    """Every e-mail sent, and received once: twice only if the server had it from a killed run that had
    not marked it sent (then with the same Message-ID), never lost, never under two Message-IDs."""
    unsent = [(d.document_id, d.address, d.state) for d in deliveries if d.state != "sent"]
    assert unsent == [], f"{where}: e-mails not sent after a completed run: {unsent}"
    recorded = {(d.message_id, d.address.lower()) for d in deliveries}
    received = Counter(trial.sink.pairs())
    assert set(received) == recorded, (
        f"{where}: recorded but not received {sorted(recorded - set(received))}, "
        f"received but not recorded {sorted(set(received) - recorded)}"
    )
    twice = {pair: n for pair, n in received.items() if n > 1}
    assert all(n == 2 and pair in trial.tally.in_doubt for pair, n in twice.items()), (
        f"{where}: e-mails that reached the SMTP server more than once: {twice}"
    )
    trial.tally.repeats = len(twice)
    subjects = Counter((str(m["Subject"]), rcpt.lower()) for m, rcpts in trial.sink.received for rcpt in rcpts)
    assert sum(subjects.values()) - len(subjects) == len(twice), f"{where}: one letter sent under two Message-IDs"


def _check_responses(
    trial: Trial, step: Step, responses: list[models.Response], inbound: list[models.InboundMessage], where: str
) -> None:
    """Every response that arrived was taken in, once, and left the inbox folder or was marked seen."""
    for letter_id, how in step.arrivals:
        taken = [
            m.outcome
            for m in inbound
            if (m.letter_id == letter_id and m.message_id.startswith("file:"))
            or (how != "inbox document" and m.message_id == _response_key(letter_id))
        ]
        assert taken == ["recorded"], f"{where}: the response to {letter_id} ({how}): {taken}"
        trial.tally.responses += 1
    if step.arrivals:
        left = [p.name for p in (trial.home / "inbox").iterdir() if p.is_file()]
        assert left == [], f"{where}: left in the inbox folder: {left}"
        unseen = [flags for flags, _ in trial.account.messages("INBOX") if "\\Seen" not in flags]
        assert unseen == [], f"{where}: {len(unseen)} IMAP messages not marked seen"
    assert len({(r.request_id, r.sha256) for r in responses}) == len(responses), f"{where}: a response twice"


def _check_database(database_url: str, where: str) -> None:
    engine = get_engine(database_url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            result = [row[0] for row in connection.execute(text("PRAGMA integrity_check"))]
            assert result == ["ok"], f"{where}: SQLite integrity check: {result}"
        else:  # a killed client's transaction must not linger, holding its locks
            open_transactions = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                )
            ).scalar_one()
            assert open_transactions == 0, f"{where}: {open_transactions} transaction(s) left open"
