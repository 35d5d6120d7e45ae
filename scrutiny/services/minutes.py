"""The minutes of a meeting: recorded once agreed for publication, appended to the next meeting's pack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from scrutiny.documents.atomic import file_sha256, write_bytes_atomic
from scrutiny.documents.word import check_word_document
from scrutiny.services.meetings import get_meeting
from scrutiny.workspace import Workspace


@dataclass(frozen=True)
class RecordedMinutes:
    meeting_id: str
    path: str
    replaced: bool
    unchanged: bool


def record_minutes(session: Session, workspace: Workspace, *, meeting_id: str, source: Path) -> RecordedMinutes:
    meeting = get_meeting(session, meeting_id)
    check_word_document(source, what="minutes")
    digest = file_sha256(source)
    if meeting.minutes_sha256 == digest and meeting.minutes_path:
        return RecordedMinutes(meeting_id, str(workspace.resolve(meeting.minutes_path)), replaced=False, unchanged=True)
    # A corrected version is a new file: the one already sent in a pack stays as it was.
    target = workspace.settings.minutes_dir / f"{meeting.id}-minutes-{digest[:12]}.docx"
    write_bytes_atomic(target, source.read_bytes())
    replaced = meeting.minutes_path is not None
    meeting.minutes_path, meeting.minutes_sha256 = workspace.stored_path(target), digest
    session.add(meeting)
    return RecordedMinutes(meeting_id, str(target), replaced=replaced, unchanged=False)
