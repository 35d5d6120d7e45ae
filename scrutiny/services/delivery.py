"""Send what the outbox holds: each recipient of each document at most once.

A recipient's row is claimed (pending -> sending, with a token) before the message goes, and
marked sent after; a failure releases only this run's claim, so a retry or another worker
sends exactly the recipients still owed. A claim left by a crashed run expires, at once when
its holder is known to be gone (claims.py).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session, col, select

from scrutiny.delivery import Delivery
from scrutiny.errors import ScrutinyError
from scrutiny.services import claims
from scrutiny.workspace import Workspace
from state import models
from state.db import is_disk_full

STALE_CLAIM = dt.timedelta(minutes=15)
DATABASE_PATIENCE_S = 30.0  # how long a "sent" mark waits for a database that went away
Composer = Callable[[Session, Workspace, models.Document], EmailMessage]


@dataclass(frozen=True)
class Delivered:
    document_id: int
    sent: list[str]
    channel: str
    location: str


def pending_documents(session: Session, *, kinds: list[str] | None = None) -> list[int]:
    """Documents with a recipient still owed their e-mail (or claimed by a run that died or failed)."""
    stale_before = dt.datetime.now(dt.UTC) - STALE_CLAIM
    query = (
        select(models.Delivery.document_id)
        .where(
            or_(
                col(models.Delivery.state) == "pending",
                (col(models.Delivery.state) == "sending") & (col(models.Delivery.sent_at) < stale_before),
            )
        )
        .distinct()
    )
    held = select(models.Delivery.document_id, models.Delivery.claim).where(col(models.Delivery.state) == "sending")
    if kinds is not None:
        query = query.join(models.Document, col(models.Document.id) == col(models.Delivery.document_id)).where(
            col(models.Document.kind).in_(kinds)
        )
        held = held.join(models.Document, col(models.Document.id) == col(models.Delivery.document_id)).where(
            col(models.Document.kind).in_(kinds)
        )
    found = {int(document_id) for document_id in session.exec(query)}
    found |= {int(document_id) for document_id, claim in session.exec(held) if claims.abandoned(claim)}
    return sorted(found)


def deliver_document(
    workspace: Workspace, document_id: int, transport: Delivery, compose: Composer
) -> Delivered | None:
    """E-mail one document to each recipient still owed it; None when nobody is (another run sent it)."""
    token = claims.new_claim()
    try:
        return _deliver_claimed(workspace, document_id, transport, compose, token)
    finally:
        claims.finished(token)


def _deliver_claimed(
    workspace: Workspace, document_id: int, transport: Delivery, compose: Composer, token: str
) -> Delivered | None:
    now = dt.datetime.now(dt.UTC)
    with workspace.session() as session:
        held = session.exec(
            select(models.Delivery.claim).where(
                models.Delivery.document_id == document_id, models.Delivery.state == "sending"
            )
        )
        gone = sorted({claim for claim in held if claims.abandoned(claim)})
        session.exec(
            update(models.Delivery)
            .where(
                col(models.Delivery.document_id) == document_id,
                or_(
                    col(models.Delivery.state) == "pending",
                    (col(models.Delivery.state) == "sending") & (col(models.Delivery.sent_at) < now - STALE_CLAIM),
                    (col(models.Delivery.state) == "sending") & col(models.Delivery.claim).in_(gone),
                ),
            )
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
        try:
            receipt = transport.deliver(message, [recipient.address])
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


def _write_patiently(workspace: Workspace, statement: Any) -> None:
    """Run one small UPDATE, waiting out a database that is restarting or briefly gone.

    After a message has gone, its "sent" mark is worth a wait: without it the next run sends the
    message again (the fault trials restart PostgreSQL between the SMTP server's reply and the mark).
    A full disk is not waited for: it does not clear by itself.
    """
    deadline = time.monotonic() + DATABASE_PATIENCE_S
    pause = 0.2
    while True:
        try:
            with workspace.session() as session:
                session.exec(statement)
            return
        except (OperationalError, InterfaceError) as exc:
            if is_disk_full(exc) or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def _release(workspace: Workspace, delivery_id: int | None, token: str) -> None:
    _write_patiently(
        workspace,
        update(models.Delivery)
        .where(col(models.Delivery.id) == delivery_id, col(models.Delivery.claim) == token)
        .values(state="pending", claim="", sent_at=None),
    )


def _mark_sent(
    workspace: Workspace, delivery_id: int | None, token: str, channel: str, location: str, message_id: str
) -> None:
    _write_patiently(
        workspace,
        update(models.Delivery)
        .where(col(models.Delivery.id) == delivery_id, col(models.Delivery.claim) == token)
        .values(
            state="sent",
            claim="",
            channel=channel,
            location=location,
            message_id=message_id,
            sent_at=dt.datetime.now(dt.UTC),
        ),  # fmt: skip
    )


def delivery_summary(session: Session, document_id: int) -> str:
    """'outbox: 3 sent' or 'smtp: 2 sent, 1 pending', for listings."""
    rows = session.exec(
        select(models.Delivery.state, models.Delivery.channel).where(models.Delivery.document_id == document_id)
    ).all()
    if not rows:
        return "no e-mail address"
    sent = [channel for state, channel in rows if state == "sent"]
    withheld = sum(1 for state, _channel in rows if state == "withheld")  # owed to someone since forgotten: never sent
    pending = len(rows) - len(sent) - withheld
    channel = sent[0] if sent else ""
    parts = [f"{len(sent)} sent"] if sent else []
    if pending:
        parts.append(f"{pending} pending")
    if withheld:
        parts.append(f"{withheld} withheld")
    return f"{channel + ': ' if channel else ''}{', '.join(parts)}"
