"""What a command reports about the documents it wrote."""

from __future__ import annotations

from sqlmodel import Session

from scrutiny.documents.pdf import libreoffice_available
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


def missing_pdf_warning(workspace: Workspace, rows: list[dict[str, str]]) -> list[str]:
    """One "Warning:" line when PDFs are wanted and some of these documents have none.

    The reason (LibreOffice failed, crashed or hung past its time limit) is in the run's log; the
    fault trials found that a command's user otherwise saw only an empty PDF column.
    """
    if not workspace.settings.pdf or not libreoffice_available():
        return []
    missing = [row["letter_id"] for row in rows if not row["pdf"]]
    if not missing:
        return []
    named = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    return [
        f"Warning: no PDF of {named}: LibreOffice failed or took longer than "
        f"{workspace.settings.pdf_timeout_s:g} s (SCRUTINY_PDF_TIMEOUT_S; the run's log says which); "
        "it goes without one, and the next 'scrutiny letters' or 'scrutiny run' makes it"
    ]
