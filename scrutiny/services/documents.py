"""What a command reports about the documents it wrote."""

from __future__ import annotations

from sqlmodel import Session

from scrutiny.services.delivery import delivery_summary
from scrutiny.workspace import Workspace
from state import models


def describe_documents(session: Session, workspace: Workspace, document_ids: list[int]) -> list[dict[str, str]]:
    """One row per document: its letter, kind, the files written (DOCX and PDF when there is one), and e-mail."""
    rows = []
    for document_id in document_ids:
        document = session.get(models.Document, document_id)
        if document is None:
            continue
        docx = workspace.resolve(document.path)
        pdf = docx.with_suffix(".pdf")
        rows.append(
            {
                "committee": document.committee_id or "",
                "letter_id": document.letter_id or "",
                "kind": document.kind,
                "path": str(docx),
                "pdf": str(pdf) if pdf.exists() else "",
                "email": delivery_summary(session, document_id),
            }
        )
    return rows
