"""Send what the outbox holds: each recipient of each document once.

A recipient's row is claimed (pending -> sending, with a claim naming this process) before the
message goes, marked handed-over just before the SMTP server takes it, and sent after; a failure
releases only this run's claim, so a retry or another worker sends exactly the recipients still
owed. A claim left by a run that died is settled by the next run: at once when the dead process
was on the same machine, after STALE_CLAIM otherwise. A message not yet handed over is owed
again; one handed over is taken as sent, so a crash neither loses an e-mail nor sends it twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from functools import partial

from sqlalchemy import update
from sqlmodel import Session, col, select

from scrutiny.delivery import Delivery, DeliveryReceipt
from scrutiny.delivery.claims import claim_holder_alive, new_claim
from scrutiny.errors import ScrutinyError
from scrutiny.workspace import Workspace
from state import models

STALE_CLAIM = dt.timedelta(minutes=15)
# A claim's states: sending (the message may not have gone) and handed-over (it went, or all but went).
CLAIMED = ("sending", "handed-over")
Composer = Callable[[Session, Workspace, models.Document], EmailMessage]


@dataclass(frozen=True)
class Delivered:
    document_id: int
    sent: list[str]
    channel: str
    location: str


def pending_documents(session: Session, *, kinds: list[str] | None = None) -> list[int]:
    """Documents with a recipient still owed their e-mail, or claimed by a run that died."""
    query = select(models.Delivery.document_id, models.Delivery.state, models.Delivery.claim, models.Delivery.sent_at)
    query = query.where(col(models.Delivery.state).in_(["pending", *CLAIMED]))
    if kinds is not None:
        query = query.join(models.Document, col(models.Document.id) == col(models.Delivery.document_id)).where(
            col(models.Document.kind).in_(kinds)
        )
    now = dt.datetime.now(dt.UTC)
    owed = {
        int(document_id)
        for document_id, state, claim, claimed_at in session.exec(query)
        if state == "pending" or _abandoned(claim, claimed_at, now)
    }
    return sorted(owed)


def _abandoned(claim: str, claimed_at: dt.datetime | None, now: dt.datetime) -> bool:
    """A claim whose process is gone; when that cannot be told (another machine), one old enough to be dead."""
    alive = claim_holder_alive(claim)
    if alive is not None:
        return not alive
    if claimed_at is not None and claimed_at.tzinfo is None:
        claimed_at = claimed_at.replace(tzinfo=dt.UTC)  # SQLite keeps no zone: the value is UTC
    return claimed_at is not None and claimed_at < now - STALE_CLAIM


def settle_abandoned_claims(session: Session, document_id: int) -> None:
    """The claims on a document left by runs that died: a message handed over went (sent); one not yet
    handed over did not (pending again). Each row is changed only if it still holds the dead claim."""
    now = dt.datetime.now(dt.UTC)
    rows = session.exec(
        select(models.Delivery).where(
            models.Delivery.document_id == document_id, col(models.Delivery.state).in_(CLAIMED)
        )
    ).all()
    for row in rows:
        if not _abandoned(row.claim, row.sent_at, now):
            continue
        values: dict[str, object] = (
            {"state": "sent", "claim": ""}  # channel, location and Message-ID were recorded at the hand-over
            if row.state == "handed-over"
            else {"state": "pending", "claim": "", "sent_at": None}
        )
        session.exec(
            update(models.Delivery)
            .where(col(models.Delivery.id) == row.id, col(models.Delivery.claim) == row.claim)
            .values(**values)
        )


def deliver_document(
    workspace: Workspace, document_id: int, transport: Delivery, compose: Composer
) -> Delivered | None:
    """E-mail one document to each recipient still owed it; None when nobody is (another run sent it)."""
    token = new_claim()
    now = dt.datetime.now(dt.UTC)
    with workspace.session() as session:
        settle_abandoned_claims(session, document_id)
        session.exec(
            update(models.Delivery)
            .where(col(models.Delivery.document_id) == document_id, col(models.Delivery.state) == "pending")
            .values(state="sending", claim=token, sent_at=now)  # sent_at marks when the claim was taken
        )
    with workspace.session() as session:
        mine = list(
            session.exec(
                select(models.Delivery).where(
                    models.Delivery.document_id == document_id, models.Delivery.claim == token
                )
            )
        )
        if not mine:
            return None
        document = session.get(models.Document, document_id)
        if document is None:
            raise ScrutinyError(f"document {document_id} not found")
        message = compose(session, workspace, document)
    sent: list[str] = []
    channel = location = ""
    failure: ScrutinyError | None = None
    for recipient in mine:
        hand_over = partial(_hand_over, workspace, recipient.id, token)
        try:
            receipt = transport.deliver(message, [recipient.address], on_hand_over=hand_over)
        except ScrutinyError as exc:
            failure = failure or exc
            _release(workspace, recipient.id, token)
            continue
        except BaseException:
            _release(workspace, recipient.id, token)
            raise
        channel, location = receipt.channel, workspace.stored_path_text(receipt.location)
        _mark_sent(workspace, recipient.id, token, channel, location, receipt.message_id)
        sent.append(recipient.address)
    if failure is not None:
        raise failure
    return Delivered(document_id, sent, channel, location)


def _hand_over(workspace: Workspace, delivery_id: int | None, token: str, receipt: DeliveryReceipt) -> None:
    """Record, before the server takes the message, that it is about to: committed, so a crash after it
    counts the message as sent, with where it went."""
    with workspace.session() as session:
        session.exec(
            update(models.Delivery)
            .where(col(models.Delivery.id) == delivery_id, col(models.Delivery.claim) == token)
            .values(
                state="handed-over",
                channel=receipt.channel,
                location=workspace.stored_path_text(receipt.location),
                message_id=receipt.message_id,
            )
        )


def _release(workspace: Workspace, delivery_id: int | None, token: str) -> None:
    with workspace.session() as session:
        session.exec(
            update(models.Delivery)
            .where(col(models.Delivery.id) == delivery_id, col(models.Delivery.claim) == token)
            .values(state="pending", claim="", sent_at=None, channel="", location="", message_id="")
        )


def _mark_sent(
    workspace: Workspace, delivery_id: int | None, token: str, channel: str, location: str, message_id: str
) -> None:
    with workspace.session() as session:
        session.exec(
            update(models.Delivery)
            .where(col(models.Delivery.id) == delivery_id, col(models.Delivery.claim) == token)
            .values(
                state="sent",
                claim="",
                channel=channel,
                location=location,
                message_id=message_id,
                sent_at=dt.datetime.now(dt.UTC),
            )  # fmt: skip
        )


def delivery_summary(session: Session, document_id: int) -> str:
    """'outbox: 3 sent' or 'smtp: 2 sent, 1 pending', for listings."""
    rows = session.exec(
        select(models.Delivery.state, models.Delivery.channel).where(models.Delivery.document_id == document_id)
    ).all()
    if not rows:
        return "no e-mail address"
    sent = [channel for state, channel in rows if state == "sent"]
    pending = len(rows) - len(sent)
    channel = sent[0] if sent else ""
    parts = [f"{len(sent)} sent"] if sent else []
    if pending:
        parts.append(f"{pending} pending")
    return f"{channel + ': ' if channel else ''}{', '.join(parts)}"
