"""Write the letter that would be sent, so an officer can read it first: nothing is recorded or sent.

The letter is gathered and rendered inside a transaction that is always rolled back, so the
preview is exactly what `scrutiny letters` would write, and the database is as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from scrutiny.documents.naming import safe_slug
from scrutiny.errors import ScrutinyError
from scrutiny.letters.kinds import facts_for
from scrutiny.letters.render import render_letter
from scrutiny.services import letters as letter_service
from scrutiny.services.letter_context import build_letter_context, gather_letter
from scrutiny.workspace import LONDON, Workspace
from state import models


@dataclass(frozen=True)
class Preview:
    letter_id: str
    kind: str
    path: Path


class _Rollback(Exception):
    """Raised to leave the preview's transaction without keeping anything."""


def preview_letter(workspace: Workspace, letter_or_request_id: str, as_of: dt.date, out_dir: Path) -> Preview:
    if out_dir.exists() and not out_dir.is_dir():
        raise ScrutinyError(f"--out {out_dir}: is a file, not a folder")
    result: Preview | None = None
    try:
        with workspace.session() as session:
            letter = _letter(session, workspace, letter_or_request_id, as_of)
            committee = workspace.committee(letter.committee_id)
            requests = letter_service.askable_requests(session, letter.id)
            if not requests:
                raise ScrutinyError(f"letter {letter.id}: every request it covers is answered or withdrawn")
            kind = letter_service.letter_kind(session, letter, requests)
            meeting = session.get(models.Meeting, letter.meeting_id)
            if meeting is None:
                raise ScrutinyError(f"letter {letter.id}: meeting {letter.meeting_id} not found")
            change_notice, previous = letter_service.what_changed(session, committee, letter, requests, meeting, kind)
            parts = gather_letter(session, committee, letter, requests, kind)
            context = build_letter_context(
                session, committee, parts, kind, as_of, change_notice=change_notice, previous_letter_date=previous
            )
            out_dir.mkdir(parents=True, exist_ok=True)
            path = out_dir / f"{safe_slug(letter.id, 100)}-preview.docx"
            created = dt.datetime.combine(as_of, dt.time(9, 0), tzinfo=LONDON)
            render_letter(workspace.template(committee, facts_for(kind).template), context, path, created=created)
            result = Preview(letter.id, kind, path)
            raise _Rollback
    except _Rollback:
        pass
    if result is None:
        raise ScrutinyError(f"{letter_or_request_id}: no preview could be made")
    return result


def _letter(session: Session, workspace: Workspace, letter_or_request_id: str, as_of: dt.date) -> models.Letter:
    """The letter, or the one a request would go in if letters were written for its meeting today."""
    request = session.get(models.Request, letter_or_request_id)
    if request is not None and request.letter_id is None:
        committee = workspace.committee(request.committee_id)
        letter_service.letters_ready(session, committee, as_of, request.meeting_id)
        session.refresh(request)
    return letter_service.letter_for(session, letter_or_request_id)
