"""Send what the outbox holds: each recipient of each document once.

A recipient's row is claimed (pending -> sending, with a claim naming this process) before the
message goes, marked handed-over just before the final step that gives it to the SMTP server,
and sent the moment the server says it took it. A failure releases only this run's claim, so a
retry or another worker sends exactly the recipients still owed. A claim left by a run that died
is released by the next run: at once when the dead process was on this machine, after
STALE_CLAIM otherwise; so a crash never loses an e-mail. Sending it again can repeat it only if
the run died handed-over, between the server taking the message and its answer being recorded
(milliseconds that no SMTP client can close), and the repeat carries the same Message-ID.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from functools import partial

from sqlalchemy import Update, update
from sqlmodel import Session, col, select

from scrutiny.delivery import Checkpoints, Delivery, DeliveryReceipt
from scrutiny.delivery.claims import claim_holder_alive, new_claim
from scrutiny.errors import ScrutinyError
from scrutiny.workspace import Workspace
from state import models

STALE_CLAIM = dt.timedelta(minutes=15)
# A claim's states: sending (the server has not got the whole message) and handed-over (it may have).
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


def release_abandoned_claims(session: Session, document_id: int) -> None:
    """Make the recipients claimed by runs that died owed again, each only if it still holds the dead claim.

    Handed-over ones too: an SMTP server takes responsibility for a message only when it answers the
    final ".", and a run that died before recording the answer cannot know whether it came.
    """
    now = dt.datetime.now(dt.UTC)
    rows = session.exec(
        select(models.Delivery).where(
            models.Delivery.document_id == document_id, col(models.Delivery.state).in_(CLAIMED)
        )
    ).all()
    for row in rows:
        if _abandoned(row.claim, row.sent_at, now):
            session.exec(_unclaimed(row.id, row.claim))


def _unclaimed(delivery_id: int | None, claim: str) -> Update:
    return (
        update(models.Delivery)
        .where(col(models.Delivery.id) == delivery_id, col(models.Delivery.claim) == claim)
        .values(state="pending", claim="", sent_at=None, channel="", location="", message_id="")
    )


def deliver_document(
    workspace: Workspace, document_id: int, transport: Delivery, compose: Composer
) -> Delivered | None:
    """E-mail one document to each recipient still owed it; None when nobody is (another run sent it)."""
    token = new_claim()
    now = dt.datetime.now(dt.UTC)
    with workspace.session() as session:
        release_abandoned_claims(session, document_id)
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
        checkpoints = Checkpoints(
            handing_over=partial(_record, workspace, recipient.id, token, "handed-over"),
            accepted=partial(_record, workspace, recipient.id, token, "sent"),
        )
        try:
            receipt = transport.deliver(message, [recipient.address], checkpoints=checkpoints)
        except ScrutinyError as exc:
            failure = failure or exc
            _release(workspace, recipient.id, token)
            continue
        except BaseException:
            _release(workspace, recipient.id, token)
            raise
        _record(workspace, recipient.id, token, "sent", receipt)  # a channel with no checkpoints: now
        channel, location = receipt.channel, workspace.stored_path_text(receipt.location)
        sent.append(recipient.address)
    if failure is not None:
        raise failure
    return Delivered(document_id, sent, channel, location)


def _record(workspace: Workspace, delivery_id: int | None, token: str, state: str, receipt: DeliveryReceipt) -> None:
    """Move this run's claim on a recipient to `state` (handed-over or sent), with where the message went;
    committed before the caller goes on, since a crash may follow."""
    values: dict[str, object] = {
        "state": state,
        "channel": receipt.channel,
        "location": workspace.stored_path_text(receipt.location),
        "message_id": receipt.message_id,
    }
    if state == "sent":
        values |= {"claim": "", "sent_at": dt.datetime.now(dt.UTC)}
    with workspace.session() as session:
        session.exec(
            update(models.Delivery)
            .where(col(models.Delivery.id) == delivery_id, col(models.Delivery.claim) == token)
            .values(**values)
        )


def _release(workspace: Workspace, delivery_id: int | None, token: str) -> None:
    with workspace.session() as session:
        session.exec(_unclaimed(delivery_id, token))


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
