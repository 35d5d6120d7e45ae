"""Check a response document before it is recorded (to be replaced by scrutiny.intake)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scrutiny.documents.atomic import file_sha256
from scrutiny.documents.word import check_word_document


@dataclass(frozen=True)
class AcceptedFile:
    path: Path
    sha256: str
    kind: str
    original_name: str


def accept_response_file(path: Path, work_dir: Path) -> AcceptedFile:
    check_word_document(path, what="response", hint="ask the respondent for the Word version")
    return AcceptedFile(path, file_sha256(path), "docx", path.name)
