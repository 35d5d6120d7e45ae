"""The PDF beside each letter: made after the letter is safely recorded, recorded once.

Conversion is slow, so it runs with no transaction open: `pdf_to_make` says what to convert,
the caller converts, `record_pdf` records it. A failed conversion does not hold the letter
back: the DOCX goes out, and the next delivery, or else the next `letters` run (`pdfs_missing`),
tries the PDF again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scrutiny.documents.atomic import file_sha256
from scrutiny.letters.kinds import KINDS
from scrutiny.workspace import Workspace
from state import models


def pdf_to_make(session: Session, workspace: Workspace, document_id: int) -> Path | None:
    """The DOCX of a document whose PDF is still to be made, or None."""
    document = session.get(models.Document, document_id)
    if document is None or not document.path.endswith(".docx"):
        return None
    docx = workspace.resolve(document.path)
    pdf = docx.with_suffix(".pdf")
    recorded = session.exec(
        select(models.Document.id).where(models.Document.path == workspace.stored_path(pdf))
    ).first()
    return None if recorded is not None and pdf.exists() else docx


def pdfs_missing(session: Session, workspace: Workspace, as_of: dt.date) -> list[int]:
    """Letters and chasers of meetings on or after ``as_of`` whose PDF is not there (two queries)."""
    kinds = list(KINDS)
    upcoming = (
        select(models.Document.id, models.Document.path, models.Document.kind)
        .join(models.Meeting, col(models.Meeting.id) == col(models.Document.meeting_id))
        .where(col(models.Meeting.date) >= as_of)
    )
    letters = session.exec(
        upcoming.where(col(models.Document.kind).in_(kinds), col(models.Document.path).endswith(".docx"))
    ).all()
    made = {
        path
        for _id, path, _kind in session.exec(upcoming.where(col(models.Document.kind).in_([f"{k}-pdf" for k in kinds])))
    }
    missing = []
    for document_id, path, _kind in letters:
        pdf = path.removesuffix(".docx") + ".pdf"
        if document_id is not None and (pdf not in made or not workspace.resolve(pdf).exists()):
            missing.append(int(document_id))
    return missing


def record_pdf(session: Session, workspace: Workspace, document_id: int, pdf: Path) -> None:
    document = session.get(models.Document, document_id)
    if document is None:
        return
    stored = workspace.stored_path(pdf)
    if session.exec(select(models.Document.id).where(models.Document.path == stored)).first() is not None:
        return
    try:
        with session.begin_nested():
            session.add(
                models.Document(
                    committee_id=document.committee_id,
                    kind=f"{document.kind}-pdf",
                    path=stored,
                    sha256=file_sha256(pdf),
                    letter_id=document.letter_id,
                    meeting_id=document.meeting_id,
                    version=document.version,
                )
            )
    except IntegrityError:
        pass  # another run converted and recorded the same letter at the same moment
