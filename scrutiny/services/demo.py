"""The main command's first look: something to show on any day, and where to find it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from scrutiny.workspace import Workspace
from state import models
from state.models import RequestStatus

if TYPE_CHECKING:  # flows import Prefect; only the type is needed here
    from flows.cycle import CycleResult


@dataclass(frozen=True)
class EarlyLetters:
    meeting_id: str
    meeting_date: str
    window_opens: str


def next_meeting_to_show(
    session: Session, workspace: Workspace, as_of: dt.date, committee_id: str | None
) -> EarlyLetters | None:
    """The next meeting with letters still to write, when no coming meeting has a letter out yet.

    Once any letter is out, a re-run shows that instead: nothing goes early twice.
    """
    upcoming = (
        select(col(models.Letter.id))
        .join(models.Meeting, col(models.Meeting.id) == col(models.Letter.meeting_id))
        .where(col(models.Letter.version) > 0, col(models.Meeting.date) > as_of)
    )
    planned = (
        select(col(models.Request.meeting_id), col(models.Meeting.date), col(models.Request.letter_window_opens))
        .join(models.Meeting, col(models.Meeting.id) == col(models.Request.meeting_id))
        .where(
            models.Request.status == RequestStatus.PLANNED,
            col(models.Meeting.cancelled).is_(False),
            col(models.Meeting.date) > as_of,
        )
        .order_by(col(models.Meeting.date))
    )
    if committee_id is not None:
        upcoming = upcoming.where(models.Letter.committee_id == committee_id)
        planned = planned.where(models.Request.committee_id == committee_id)
    if session.exec(upcoming).first() is not None:
        return None
    first = session.exec(planned).first()
    if first is None:
        return None
    meeting_id, meeting_date, window = first
    return EarlyLetters(meeting_id, meeting_date.isoformat(), window.isoformat())


def where_to_look(workspace: Workspace, result: CycleResult, tracker: Path) -> list[str]:
    settings = workspace.settings
    packs = [pack for pack in [*result.packs, *result.drafts] if pack.docx]
    lines = ["Where to look:", f"  letters (DOCX and PDF):  {settings.letters_dir}/<meeting>/"]
    for pack in packs[:2]:
        label = "draft pack" if pack.version == 0 else f"agenda pack v{pack.version}"
        lines.append(f"  {label} ({pack.meeting_id}):  {pack.pdf or '(no PDF: LibreOffice is not installed)'}")
        lines.append(f"  {' ' * len(label)}  {' ' * (len(pack.meeting_id) + 2)}   {pack.docx}")
    lines += [
        f"  e-mails (nothing is really sent):  {settings.outbox_dir}/",
        f"  the tracker (Excel):  {tracker}",
        "",
        "Next, try:",
        "  scrutiny responses due                  what is due, from whom, by when",
        "  scrutiny programme                      the work programme with the reason for each placement",
        "  scrutiny timetable --explain            every deadline and how it was worked out",
        "  scrutiny letters preview <REQUEST_ID>   read a letter before it goes",
        "  scrutiny run --as-of 2027-01-13         the same day by day: reminders, overdue notices, escalations",
    ]
    return lines
