"""Delivering the e-mails of letters, chasers and packs: each document retried on its own, failures kept pending."""

from __future__ import annotations

import datetime as dt

from prefect import task

from flows.secrets import smtp_password
from scrutiny import progress
from scrutiny.delivery.transport import make_transport
from scrutiny.documents.letter_pdf import convert_letter_to_pdf
from scrutiny.documents.pdf import libreoffice_available
from scrutiny.errors import ScrutinyError
from scrutiny.services import delivery, distribution, pdfs
from scrutiny.services.home import open_workspace
from scrutiny.workspace import Workspace


def ensure_pdf(workspace: Workspace, document_id: int) -> None:
    """Make the PDF beside a letter with no transaction open; a failure only delays the PDF."""
    if not workspace.settings.pdf:
        return
    with workspace.session() as session:
        docx = pdfs.pdf_to_make(session, workspace, document_id)
    if docx is None:
        return
    try:
        made = convert_letter_to_pdf(docx, docx.parent, timeout_s=workspace.settings.pdf_timeout_s)
    except ScrutinyError as exc:
        print(f"PDF of {docx.name} not made, the letter goes without it for now: {exc}")
        return
    if made is not None:
        with workspace.session() as session:
            pdfs.record_pdf(session, workspace, document_id, made)


def make_missing_pdfs(workspace: Workspace, as_of: dt.date) -> None:
    """The PDFs an earlier run could not make (LibreOffice hung or crashed) of letters and chasers
    whose meeting is still to come. Their e-mail may have gone without it; the file is still wanted
    beside the letter (the fault trials found that nothing ever made it otherwise)."""
    if not workspace.settings.pdf or not libreoffice_available():
        return
    with workspace.session() as session:
        missing = pdfs.pdfs_missing(session, workspace, as_of)
    for document_id in missing:
        ensure_pdf(workspace, document_id)


@task(name="deliver-document", task_run_name="deliver-{document_id}")
def deliver_task(document_id: int) -> str | None:
    workspace = open_workspace()
    with workspace.session() as session:
        pack = distribution.is_pack_document(session, document_id)
    if not pack:  # a pack's PDF is the assembler's; a letter's that failed earlier is tried again
        ensure_pdf(workspace, document_id)
    transport = make_transport(workspace.settings, smtp_password(workspace.settings))
    delivered = delivery.deliver_document(workspace, document_id, transport, distribution.compose_document)
    return delivered.location if delivered else None


@task(name="pending-deliveries")
def pending_deliveries_task(kinds: list[str] | None = None) -> list[int]:
    with open_workspace().session() as session:
        return delivery.pending_documents(session, kinds=kinds)


def deliver_pending(workspace: Workspace, kinds: list[str] | None = None) -> list[str]:
    """Send every e-mail still owed, each document retried as SCRUTINY_DELIVERY_RETRY_DELAYS says.

    A message that still fails stays pending (its claims are released) for the next run; the
    others are still attempted. Returns one line per failure.
    """
    delays = workspace.settings.delivery_retry_delay_seconds
    deliver = deliver_task.with_options(retries=len(delays), retry_delay_seconds=delays or 0)
    failures: list[str] = []
    pending = pending_deliveries_task(kinds)
    with progress.track(total=len(pending), label="Sending e-mails") as bar:
        for document_id in pending:
            try:
                deliver(document_id)
            except ScrutinyError as exc:
                failures.append(str(exc))
            bar.advance(f"e-mail of document {document_id}")
    return failures


def delivery_failure(written: str, failures: list[str]) -> ScrutinyError:
    """One line: what was kept, what is pending, and the first reason."""
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return ScrutinyError(
        f"{written}, but {len(failures)} e-mail(s) could not be sent and stay pending for the next "
        f"'scrutiny letters', 'scrutiny remind' or 'scrutiny run': {failures[0]}{more}"
    )
