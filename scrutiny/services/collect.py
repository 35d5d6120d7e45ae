"""Collect written responses as they arrive: from a mailbox (IMAP) and from the home's inbox folder.

A message or file is matched to its letter by the reference the letter prints ("Our ref: …")
in its subject, body or attachment names; each attachment goes through the same intake as
`responses record`. Each message is taken once (its Message-ID is kept in the database); a
processed one moves to `inbox/done/` (or is marked seen on IMAP). One that matches nothing, or
whose attachment is refused, stays where it is (on IMAP: flagged and moved to a folder for an
officer) and is reported with its reason. Nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scrutiny.documents import scratch
from scrutiny.documents.scratch import scratch_directory
from scrutiny.errors import ScrutinyError
from scrutiny.intake import AcceptedDocument, IntakeLimits, inspect_response
from scrutiny.intake.imap import ImapMessage, ImapSource
from scrutiny.intake.inbox import InboxEntry, iter_inbox, move_to_done
from scrutiny.intake.messages import ReceivedMessage, safe_filename
from scrutiny.intake.references import find_reference
from scrutiny.services.responses import record_response
from scrutiny.workspace import LONDON, Workspace, retry_on_conflict
from state import models
from state.models import ANSWERED_STATUSES, OPEN_STATUSES, RequestStatus

_RECOMMENDATION = re.compile(r"\b(?:recommendation|rec\.?|r)\s*(\d{1,2})\b", re.IGNORECASE)


@dataclass(frozen=True)
class CollectedRow:
    source: str  # imap or inbox
    name: str  # the subject, or the file name
    outcome: str  # recorded, already collected, unmatched, refused
    letter_id: str
    requests: list[str]
    detail: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class _Incoming:
    source: str
    key: str
    name: str
    texts: list[str]
    documents: list[tuple[str, bytes]]  # (file name, bytes)
    received: dt.date | None
    problem: str | None = None


def collect_responses(
    workspace: Workspace, as_of: dt.date, *, committee_id: str | None = None, imap: ImapSource | None = None
) -> list[CollectedRow]:
    """Sweep the inbox folder, then the mailbox when one is given; one row per message or file seen."""
    rows: list[CollectedRow] = []
    inbox = workspace.settings.inbox_dir
    for entry in iter_inbox(inbox, min_age_s=0.0):
        incoming = _from_inbox(entry)
        row = _take(workspace, incoming, as_of, committee_id)
        if row.outcome in ("recorded", "already collected"):
            move_to_done(entry.path, inbox)
        rows.append(row)
    if imap is not None:
        for message in imap.messages():
            incoming = _from_imap(message)
            row = _take(workspace, incoming, as_of, committee_id)
            if row.outcome in ("recorded", "already collected"):
                imap.mark_done(message.uid)
            else:
                imap.flag_and_move(message.uid, imap.unmatched_folder, row.detail)
            rows.append(row)
    return rows


def _from_inbox(entry: InboxEntry) -> _Incoming:
    if entry.kind == "document":
        data = entry.path.read_bytes()
        return _Incoming("inbox", entry.key, entry.name, [entry.name], [(entry.name, data)], None)
    if entry.message is None:
        return _Incoming("inbox", entry.key, entry.name, [entry.name], [], None, problem=entry.problem)
    return _from_message("inbox", entry.message, entry.name)


def _from_imap(message: ImapMessage) -> _Incoming:
    if message.oversized:
        return _Incoming(
            "imap", message.key, message.subject, [message.subject], [], None,
            problem=f"the message is too large to collect ({message.size} bytes)",
        )  # fmt: skip
    return _from_message("imap", message, message.subject or message.uid)


def _from_message(source: str, message: ReceivedMessage, name: str) -> _Incoming:
    texts = [message.subject, message.text, *(filename for filename, _ in message.attachments)]
    return _Incoming(source, message.key, name, texts, list(message.attachments), _date_of(message.raw))


def _date_of(raw: bytes) -> dt.date | None:
    header = re.search(rb"^Date:[ \t]*(.+?)\r?$", raw[:65536], re.MULTILINE | re.IGNORECASE)
    if header is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(header.group(1).decode("ascii", "replace"))
    except (TypeError, ValueError, IndexError):
        return None
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(LONDON).date()


def _take(workspace: Workspace, incoming: _Incoming, as_of: dt.date, committee_id: str | None) -> CollectedRow:
    with workspace.session() as session:
        seen = session.exec(
            select(models.InboundMessage).where(models.InboundMessage.message_id == incoming.key)
        ).first()
        if seen is not None and seen.outcome == "recorded":
            return CollectedRow(incoming.source, incoming.name, "already collected", seen.letter_id or "", [], "")
        letter = _match(session, incoming, committee_id)
    if incoming.problem is not None:
        return _leave(workspace, incoming, "refused", None, incoming.problem)
    if letter is None:
        return _leave(workspace, incoming, "unmatched", None, "no reference to one of our letters in it")
    if not incoming.documents:
        return _leave(workspace, incoming, "refused", letter.id, "no document attached: the response must be attached")
    limits = IntakeLimits.from_settings(workspace.settings)
    with scratch_directory(scratch.COLLECT) as work:
        accepted: list[AcceptedDocument] = []
        for number, (filename, data) in enumerate(incoming.documents, start=1):
            source = Path(work) / f"in-{number}" / safe_filename(filename)
            source.parent.mkdir()
            source.write_bytes(data)
            try:
                accepted.append(inspect_response(source, limits, work_dir=Path(work) / "checked", name=filename))
            except ScrutinyError as exc:
                return _leave(workspace, incoming, "refused", letter.id, str(exc))
        recorded = retry_on_conflict(
            workspace, lambda session: _record(session, workspace, incoming, letter.id, accepted, as_of)
        )
    return CollectedRow(incoming.source, incoming.name, "recorded", letter.id, recorded, f"{len(accepted)} document(s)")


def _match(session: Session, incoming: _Incoming, committee_id: str | None) -> models.Letter | None:
    query = select(models.Letter.id).where(col(models.Letter.version) > 0)
    if committee_id is not None:
        query = query.where(models.Letter.committee_id == committee_id)
    letter_ids = list(session.exec(query))
    reference = find_reference(incoming.texts, letter_ids)
    return session.get(models.Letter, reference) if reference else None


def _record(
    session: Session, workspace: Workspace, incoming: _Incoming, letter_id: str,
    documents: list[AcceptedDocument], as_of: dt.date,
) -> list[str]:  # fmt: skip
    letter = session.get(models.Letter, letter_id)
    if letter is None:
        raise ScrutinyError(f"letter {letter_id} not found")
    recorded: list[str] = []
    for document in documents:
        for request in _targets(session, letter, document, incoming.texts):
            received = _received_on(session, request, incoming.received, as_of)
            result = record_response(
                session, workspace, request_id=request.id, stored_from=document.path, sha256=document.sha256,
                kind=document.kind, original_name=document.original_name, received_on=received, today=as_of,
                source=incoming.source, message_id=incoming.key,
            )  # fmt: skip
            recorded.append(result.request_id)
    row = session.exec(select(models.InboundMessage).where(models.InboundMessage.message_id == incoming.key)).first()
    row = row or models.InboundMessage(message_id=incoming.key, source=incoming.source, outcome="recorded")
    row.letter_id, row.outcome, row.detail = letter_id, "recorded", ", ".join(sorted(set(recorded)))
    session.add(row)
    session.flush()
    return sorted(set(recorded))


def _targets(
    session: Session, letter: models.Letter, document: AcceptedDocument, texts: list[str]
) -> list[models.Request]:
    """The requests a document answers: the one its name points to (by request ID or recommendation
    number), else every request of the letter still open (else every one: a further document)."""
    requests = list(
        session.exec(
            select(models.Request)
            .join(models.LetterRequest, col(models.LetterRequest.request_id) == col(models.Request.id))
            .where(models.LetterRequest.letter_id == letter.id, models.Request.status != RequestStatus.WITHDRAWN)
            .order_by(col(models.Request.id))
        )
    )
    named = find_reference([document.original_name, *texts[:1]], [r.id for r in requests])
    if named is not None:
        return [r for r in requests if r.id == named]
    numbers = {int(n) for n in _RECOMMENDATION.findall(document.original_name)}
    if numbers:
        chosen = [r for r in requests if _recommendation_number(session, r) in numbers]
        if chosen:
            return chosen
    still_open = [r for r in requests if r.status in [s.value for s in OPEN_STATUSES]]
    return still_open or [r for r in requests if r.status in [s.value for s in ANSWERED_STATUSES]]


def _recommendation_number(session: Session, request: models.Request) -> int | None:
    item = session.get(models.AgendaItem, request.agenda_item_id)
    commitment = session.get(models.Commitment, item.commitment_id) if item and item.commitment_id else None
    recommendation = session.get(models.Recommendation, commitment.recommendation_id) if commitment else None
    return recommendation.number if recommendation else None


def _received_on(session: Session, request: models.Request, sent: dt.date | None, as_of: dt.date) -> dt.date:
    """The day it arrived as far as we can tell: its Date, kept between the letter's issue and today."""
    issued = session.exec(
        select(col(models.Letter.issued_on))
        .join(models.LetterRequest, col(models.LetterRequest.letter_id) == col(models.Letter.id))
        .where(models.LetterRequest.request_id == request.id, col(models.Letter.issued_on).is_not(None))
        .order_by(col(models.Letter.issued_on))
    ).first()
    day = min(sent or as_of, as_of)
    return max(day, issued) if issued else day


def _leave(workspace: Workspace, incoming: _Incoming, outcome: str, letter_id: str | None, detail: str) -> CollectedRow:
    """Record that the message was seen and why it was left (so it is reported, not lost)."""

    def note(session: Session) -> None:
        row = session.exec(
            select(models.InboundMessage).where(models.InboundMessage.message_id == incoming.key)
        ).first()
        row = row or models.InboundMessage(message_id=incoming.key, source=incoming.source, outcome=outcome)
        row.letter_id, row.outcome, row.detail = letter_id, outcome, detail[:500]
        session.add(row)

    try:
        retry_on_conflict(workspace, note)
    except IntegrityError:
        pass  # another run noted the same message at the same moment
    return CollectedRow(incoming.source, incoming.name, outcome, letter_id or "", [], detail)
