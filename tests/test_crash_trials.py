"""Crash trials (issue 12): seeded SIGKILLs at random points of `run`, `letters`, `remind`, `pack` and
`responses collect`, on SQLite and on PostgreSQL, with a real SMTP server and a real IMAP mailbox.

One home lives through the letters, chasers, responses and packs of up to three winters. Each
step's command is killed at a seeded uniform offset within the working time of an uncrashed run of
the same step (from its first progress line to its last, measured once, in the first winter),
counted from its first progress line, then run again to completion. After every step:
each letter exists once with its current version and every file the database names is there,
whole, with its hash; no file is half-written or empty, nor left without its row; no e-mail
reached the SMTP server twice and every e-mail was sent (none left claimed or pending); every
response that arrived was taken in; SQLite's integrity check is ok; no process is left.
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
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from scrutiny.documents.atomic import file_sha256
from state import models
from state.db import get_engine
from tests.counts import note
from tests.imap_server import ImapAccount
from tests.intake_support import word_docx
from tests.product_processes import half_written_files, start_command, wait_until_gone
from tests.smtp_sink import SmtpSink, smtp_sink

pytestmark = pytest.mark.usefixtures("prefect_harness")  # one Prefect API for every command, not one each

SEED = 12
KILLS_PER_DATABASE = 10
KINDS = ("run", "letters", "remind", "pack", "collect")
LETTER_KINDS = ("request", "supplementary", "retimed")
CHASER_KINDS = ("reminder", "overdue", "escalation")
DOCUMENT_FOLDERS = ("letters", "packs", "responses", "outbox", "inbox")


@dataclass(frozen=True)
class Step:
    kind: str  # the command: run, letters, remind, pack or collect
    role: str  # its part in the year: steps of the same role do the same work for another meeting
    args: tuple[str, ...]
    arrivals: tuple[tuple[str, str], ...] = ()  # (letter, how) responses that arrive before the step


def _winter(meeting: str, days: list[str]) -> list[Step]:
    """One year's correspondence about `meeting` (dates from its timetable), each step with work to do."""
    plan, letters, remind, early, overdue, pack, late, last = days
    return [
        Step("run", "plan (the day before the letter window)", ("run", "--as-of", plan)),
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

# The working time of an uncrashed run of each step of the year (from its first progress line to its last),
# measured once per file, on the first winter of whichever database comes first: the window a kill point
# of the same step in a later winter (or on the other database) is drawn from.
_uncrashed_s: dict[str, float] = {}


@dataclass
class Tally:
    kills: Counter[str]
    phases: Counter[str]
    measured: int = 0
    reruns: int = 0
    finished_first: int = 0  # the command ended before its kill point: no kill, the next step is tried
    files_checked: int = 0
    responses: int = 0
    # (Message-ID, recipient) of e-mails a killed run had handed over without recording the server's answer
    in_doubt: set[tuple[str, str]] = field(default_factory=set)
    repeats: int = 0  # of those, how many the server had in fact taken, and so got again from the re-run


def test_seeded_sigkills_lose_and_duplicate_nothing(
    database_url: str, tmp_path: Path, imap_account: ImapAccount
) -> None:
    engine_name = database_url.split(":", 1)[0].split("+", 1)[0]
    rng = random.Random(f"{SEED}-{engine_name}")
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    from prefect.settings import PREFECT_API_URL

    api = str(PREFECT_API_URL.value())
    tally = Tally(Counter(), Counter())
    with smtp_sink() as sink:
        settings = {**sink.settings(), **_imap_settings(imap_account)}
        for number, step in enumerate(STORY):
            if sum(tally.kills.values()) >= KILLS_PER_DATABASE and all(tally.kills[k] for k in KINDS):
                break
            _arrive(step, home, imap_account, tmp_path / "made")
            before = _work_done(database_url)
            where = f"step {number} ({' '.join(step.args)}, {engine_name})"
            if step.role not in _uncrashed_s:
                _uncrashed_s[step.role] = _run_to_end(
                    step, home, database_url, tmp / f"{number}-measure", api, settings
                )
                tally.measured += 1
            else:
                killed = _run_and_kill(step, home, database_url, tmp / f"{number}-killed", api, settings, rng, tally)
                if killed:
                    _run_to_end(step, home, database_url, tmp / f"{number}-rerun", api, settings)
                    tally.reruns += 1
            assert _work_done(database_url) > before, f"{where}: did nothing, so its kill tested nothing"
            _check_invariants(home, database_url, sink, step, imap_account, tally, where)

    kills = sum(tally.kills.values())
    received = len(sink.received)
    by_kind = ", ".join(f"{tally.kills[kind]} {kind}" for kind in KINDS)
    phases = ", ".join(f"{n} {phase}" for phase, n in tally.phases.most_common())
    note(
        f"crash trials ({engine_name}): {kills} SIGKILLs ({by_kind}; last progress line before the kill: {phases}); "
        f"{tally.reruns} re-runs completed, {tally.measured} uncrashed runs measured, "
        f"{tally.finished_first} ended before their kill point; {received} e-mails received, 0 lost, 0 twice "
        f"but {tally.repeats} of {len(tally.in_doubt)} killed between the final '.' and the server's answer "
        f"(sent again, same Message-ID); {tally.responses} responses taken in once; "
        f"{tally.files_checked} file checks; "
        + ("integrity ok" if engine_name == "sqlite" else "no transaction left open")
    )
    assert kills >= KILLS_PER_DATABASE, f"only {kills} SIGKILLs landed: {tally}"
    assert all(tally.kills[kind] for kind in KINDS), tally.kills


def _imap_settings(account: ImapAccount) -> dict[str, str]:
    return {
        "SCRUTINY_IMAP_HOST": account.host,
        "SCRUTINY_IMAP_PORT": str(account.port),
        "SCRUTINY_IMAP_USER": account.user,
        "SCRUTINY_IMAP_PASSWORD": account.password,
        "SCRUTINY_IMAP_SSL": "false",
    }


# --------------------------------------------------------------------------------------
# Running, killing, re-running


def _run_to_end(step: Step, home: Path, database_url: str, tmp: Path, api: str, settings: dict[str, str]) -> float:
    """Run the command to its end (exit 0); returns its working time: from its first progress line to its last."""
    command = start_command(list(step.args), home, database_url, tmp, api, settings)
    code = command.finish(timeout_s=300)
    assert code == 0, f"{' '.join(step.args)} exited {code}:\n{command.stderr}"
    assert command.lines, f"{' '.join(step.args)} printed no progress"
    _assert_nothing_left(command.marker, f"{' '.join(step.args)} (completed)")
    return command.lines[-1][0] - command.lines[0][0]


def _run_and_kill(
    step: Step,
    home: Path,
    database_url: str,
    tmp: Path,
    api: str,
    settings: dict[str, str],
    rng: random.Random,
    tally: Tally,
) -> bool:
    """Start the command and SIGKILL it at a seeded offset within its working time; True if it was killed.

    The offset counts from the command's first progress line (imports, the database and the flow's start
    come before it, and take longer the more loaded the machine), so kill points spread over the work:
    planning, collecting, writing, sending, assembling.
    """
    offset = rng.uniform(0.0, _uncrashed_s[step.role])
    command = start_command(list(step.args), home, database_url, tmp, api, settings)
    command.wait_for_line("", timeout_s=300)
    deadline = (command.lines[0][0] if command.lines else time.monotonic()) + offset
    while command.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if command.process.poll() is not None:
        assert command.finish(timeout_s=30) == 0, command.stderr
        tally.finished_first += 1
        return False
    phase = _phase(command.lines[-1][1] if command.lines else "")
    command.process.send_signal(signal.SIGKILL)  # the command alone, as the OOM killer or a power cut would
    code = command.finish(timeout_s=30)
    if code == 0:  # it ended between the look and the kill
        tally.finished_first += 1
        return False
    assert code == -signal.SIGKILL, f"{' '.join(step.args)} exited {code}:\n{command.stderr}"
    tally.kills[step.kind] += 1
    tally.phases[phase] += 1
    with _session(database_url) as session:
        handed_over = session.exec(select(models.Delivery).where(models.Delivery.state == "handed-over")).all()
    tally.in_doubt |= {(d.message_id, d.address.lower()) for d in handed_over}
    _assert_nothing_left(command.marker, f"{' '.join(step.args)} (killed at {offset:.1f} s, {phase})")
    return True


def _phase(last_line: str) -> str:
    """What the command was doing, from its last progress line."""
    for prefix, phase in (
        ("Placing", "planning"),
        ("Collecting", "collecting"),
        ("Writing letters", "writing letters"),
        ("Writing chasers", "writing chasers"),
        ("Sending e-mails", "sending e-mails"),
        ("Assembling", "assembling packs"),
    ):
        if last_line.startswith(prefix):
            return phase
    return "starting"


def _assert_nothing_left(marker: str, what: str) -> None:
    left = wait_until_gone(marker, timeout_s=5)
    assert not left, f"{what}: processes left behind: {[(p.pid, p.cmdline[:80]) for p in left]}"


# --------------------------------------------------------------------------------------
# Responses arriving


def _arrive(step: Step, home: Path, account: ImapAccount, made: Path) -> None:
    for letter_id, how in step.arrivals:
        document = _response(made, letter_id)
        if how == "inbox document":  # named with the letter's reference
            target = home / "inbox" / f"{letter_id} response.docx"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(document.read_bytes())
            continue
        raw = _response_email(letter_id, document, _sent_day(step))
        if how == "imap":
            account.append(raw)
        else:
            target = home / "inbox" / f"{letter_id}.eml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(raw)


def _response(made: Path, letter_id: str) -> Path:
    path = word_docx(made / letter_id, f"{letter_id} written response.docx")
    from docx import Document

    document = Document(str(path))  # each respondent's own words: no two responses share a hash
    document.add_paragraph(f"This is the written response to our reference {letter_id}.")
    document.save(str(path))
    return path


def _sent_day(step: Step) -> dt.date:
    return dt.date.fromisoformat(step.args[-1]) - dt.timedelta(days=1)


def _response_email(letter_id: str, document: Path, day: dt.date) -> bytes:
    message = EmailMessage()
    message["From"] = f"Respondent <response@{letter_id}.example>"
    message["To"] = "tracey.anderson@hackney.example"
    message["Subject"] = f"RE: request for a written update (ref {letter_id})"
    message["Date"] = f"{day.strftime('%a, %d %b %Y')} 10:00:00 +0000"
    message["Message-ID"] = f"<response-{letter_id}@respondent.example>"
    message.set_content("Please find our written response attached.")
    message.add_attachment(
        document.read_bytes(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename=document.name,
    )
    return message.as_bytes()


# --------------------------------------------------------------------------------------
# What must hold after every re-run


def _session(database_url: str) -> Session:
    return Session(get_engine(database_url))


def _work_done(database_url: str) -> int:
    """Everything a step can add: documents, deliveries, responses, packs, items planned (0 before the schema)."""
    if database_url.startswith("sqlite:///") and not Path(database_url.removeprefix("sqlite:///")).exists():
        return 0  # the first command creates the database; looking would create an empty file first
    if not inspect(get_engine(database_url)).has_table("document"):
        return 0
    with _session(database_url) as session:
        return sum(
            len(session.exec(select(table.id)).all())  # type: ignore[attr-defined]
            for table in (models.Document, models.Delivery, models.Response, models.Pack, models.AgendaItem)
        )


def _check_invariants(
    home: Path,
    database_url: str,
    sink: SmtpSink,
    step: Step,
    account: ImapAccount,
    tally: Tally,
    where: str,
) -> None:
    with _session(database_url) as session:
        letters = session.exec(select(models.Letter)).all()
        documents = session.exec(select(models.Document)).all()
        reminders = session.exec(select(models.Reminder)).all()
        deliveries = session.exec(select(models.Delivery)).all()
        responses = session.exec(select(models.Response)).all()
        packs = session.exec(select(models.Pack)).all()
        inbound = {m.message_id: m for m in session.exec(select(models.InboundMessage))}

    # Each letter once, with each of its versions once and the current one among them.
    versions: dict[str, list[int]] = {}
    for document in documents:
        if document.kind in LETTER_KINDS and document.letter_id:
            versions.setdefault(document.letter_id, []).append(document.version)
    for letter in letters:
        assert sorted(versions.get(letter.id, [])) == list(range(1, letter.version + 1)), (
            f"{where}: letter {letter.id} v{letter.version} has versions {sorted(versions.get(letter.id, []))}"
        )
    # Each chaser once (the unique row is the claim), with its document.
    chaser_documents = {d.id or 0: d for d in documents if d.kind in CHASER_KINDS}
    assert sorted(r.document_id or 0 for r in reminders) == sorted(chaser_documents), f"{where}: chasers and documents"
    for reminder in reminders:
        assert chaser_documents[reminder.document_id or 0].kind == reminder.kind, f"{where}: {reminder}"

    # Every file the database names is whole, with its hash; every file written has its row.
    named = {d.path: d.sha256 for d in documents} | {r.path: r.sha256 for r in responses}
    named |= {p.docx_path: p.sha256 for p in packs}
    for stored, sha in named.items():
        path = home / stored
        assert path.is_file() and path.stat().st_size > 0, f"{where}: {stored} is missing or empty"
        assert file_sha256(path) == sha, f"{where}: {stored} does not match its recorded SHA-256"
        tally.files_checked += 1
    written = [
        str(p.relative_to(home))
        for folder in ("letters", "packs", "responses")
        if (home / folder).exists()
        for p in (home / folder).rglob("*")
        if p.is_file() and "draft" not in p.relative_to(home).parts  # drafts are rewritten and never recorded
    ]
    assert sorted(set(written) - set(named)) == [], f"{where}: files without their row"
    assert half_written_files(home) == [], f"{where}: half-written files {half_written_files(home)}"
    empty = [
        str(p.relative_to(home))
        for folder in DOCUMENT_FOLDERS
        if (home / folder).exists()
        for p in (home / folder).rglob("*")
        if p.is_file() and p.stat().st_size == 0
    ]
    assert empty == [], f"{where}: empty files {empty}"

    # Every e-mail sent, each once at the SMTP server: none lost, none twice, but for a run killed in the
    # unavoidable window (handed over, the server's answer not yet recorded), whose repeat keeps its Message-ID.
    unsent = [(d.document_id, d.address, d.state) for d in deliveries if d.state != "sent"]
    assert unsent == [], f"{where}: e-mails not sent after a completed re-run: {unsent}"
    recorded = {(d.message_id, d.address.lower()) for d in deliveries}
    assert len(recorded) == len(deliveries), f"{where}: two recipients recorded with one Message-ID"
    received = Counter((r.message_id, r.recipient) for r in sink.received)
    assert set(received) == recorded, (
        f"{where}: sent but not received {sorted(recorded - set(received))}, "
        f"received but not recorded {sorted(set(received) - recorded)}"
    )
    twice = {pair: n for pair, n in received.items() if n > 1}
    assert all(n == 2 and pair in tally.in_doubt for pair, n in twice.items()), (
        f"{where}: e-mails that reached the SMTP server more than once: {twice} (in doubt: {tally.in_doubt})"
    )
    tally.repeats = len(twice)
    by_subject = Counter((r.subject, r.recipient) for r in sink.received)
    assert sum(by_subject.values()) - len(by_subject) == tally.repeats, f"{where}: one letter, two Message-IDs"

    # Every response that arrived was taken in, once, and left its inbox.
    for letter_id, how in step.arrivals:
        key = f"<response-{letter_id}@respondent.example>" if how != "inbox document" else None
        matches = [m for k, m in inbound.items() if (k == key if key else m.letter_id == letter_id)]
        assert [m.outcome for m in matches] == ["recorded"], f"{where}: the response to {letter_id} ({how}): {matches}"
        tally.responses += 1
    if step.arrivals:
        assert [p.name for p in (home / "inbox").iterdir() if p.is_file()] == [], f"{where}: left in the inbox"
        assert all("\\Seen" in flags for flags, _ in account.messages("INBOX")), f"{where}: IMAP messages not seen"
    assert len({(r.request_id, r.sha256) for r in responses}) == len(responses), f"{where}: a response twice"

    _check_database(database_url, where)


def _check_database(database_url: str, where: str) -> None:
    engine = get_engine(database_url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            result: list[Any] = list(connection.execute(text("PRAGMA integrity_check")))
            assert [row[0] for row in result] == ["ok"], f"{where}: SQLite integrity check: {result}"
        else:  # a killed client's transaction must not linger, holding its locks
            open_transactions = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                )
            ).scalar_one()
            assert open_transactions == 0, f"{where}: {open_transactions} transaction(s) left open"
