"""Reminders, overdue notices and escalations: per letter, listing only what is still outstanding.

The ladder is keyed by the letter and the due date it states, so when a meeting moves and a
new due date is given, the ladder starts again; chasers already sent stay in the history.
The chaser dates come from the meeting's timetable, the one place the rules are applied.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import exists
from sqlalchemy import select as select_columns  # sqlmodel's select is typed for ORM rows
from sqlmodel import Session, col, select

from scrutiny.errors import ScrutinyError
from scrutiny.letters.context import LetterKind
from scrutiny.letters.kinds import CHASER_ORDER, facts_for
from scrutiny.services.letter_context import gather_letter
from scrutiny.services.letters import WrittenDocument, get_letter, render_and_record
from scrutiny.services.requests import set_status
from scrutiny.workspace import CommitteeContext, Workspace
from state import models
from state.db import insert_if_absent
from state.models import OPEN_STATUSES, RequestStatus


def outstanding_requests(session: Session, letter_id: str) -> list[models.Request]:
    return list(
        session.exec(
            select(models.Request)
            .where(
                models.Request.letter_id == letter_id,
                col(models.Request.status).in_([s.value for s in OPEN_STATUSES]),
            )
            .order_by(col(models.Request.agenda_item_id), col(models.Request.id))
        )
    )


def chasers_due(session: Session, committee: CommitteeContext, as_of: dt.date) -> list[tuple[str, LetterKind]]:
    """(letter, kind) pairs to send today: only the most advanced chaser that applies, once per due date.

    Two queries whatever the history: the letters of coming meetings with something outstanding,
    and the chasers already sent for them.
    """
    outstanding = exists().where(
        col(models.Request.letter_id) == col(models.Letter.id),
        col(models.Request.status).in_([s.value for s in OPEN_STATUSES]),
    )
    letters = session.exec(
        select(models.Letter, models.Meeting)
        .join(models.Meeting, col(models.Letter.meeting_id) == col(models.Meeting.id))
        .where(
            # Scoped through the meeting, so the database starts from the committee's coming meetings
            # and never walks the letters of past years.
            models.Meeting.committee_id == committee.id,
            col(models.Letter.version) > 0,
            col(models.Letter.needs_reissue).is_(False),  # the new version goes first
            col(models.Meeting.cancelled).is_(False),
            col(models.Meeting.date) > as_of,
            outstanding,
        )
        .order_by(col(models.Letter.id))
    ).all()
    sent: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    if letters:
        reminders = session.execute(
            select_columns(
                col(models.Reminder.letter_id), col(models.Reminder.kind), col(models.Reminder.due_date)
            ).where(col(models.Reminder.letter_id).in_([letter.id for letter, _meeting in letters]))
        )
        for letter_id, sent_kind, due_date in reminders:
            sent[(letter_id, due_date)].add(sent_kind)
    due: list[tuple[str, LetterKind]] = []
    for letter, meeting in letters:
        timetable = committee.timetable(meeting.date)
        if as_of >= timetable.escalation_date:
            kind: LetterKind = "escalation"
        elif as_of >= timetable.overdue_date:
            kind = "overdue"
        elif timetable.reminder_date <= as_of <= timetable.response_due_date:
            kind = "reminder"
        else:
            continue
        already = sent[(letter.id, timetable.response_due_date)]
        if any(CHASER_ORDER.index(s) >= CHASER_ORDER.index(kind) for s in already if s in CHASER_ORDER):
            continue
        due.append((letter.id, kind))
    return due


def write_chaser(
    session: Session,
    workspace: Workspace,
    committee: CommitteeContext,
    letter_id: str,
    kind: LetterKind,
    as_of: dt.date,
) -> WrittenDocument | None:
    """Write one chaser; None when it was already sent for this due date (by this run or another)."""
    facts = facts_for(kind)
    if not facts.chaser:
        raise ScrutinyError(f"{kind} is not a chaser")
    letter = get_letter(session, letter_id)
    meeting = session.get(models.Meeting, letter.meeting_id)
    if meeting is None:
        raise ScrutinyError(f"letter {letter.id}: meeting {letter.meeting_id} not found")
    due = committee.timetable(meeting.date).response_due_date
    outstanding = outstanding_requests(session, letter.id)
    if not outstanding:
        return None
    # The unique (letter, kind, due date) row is the claim, in the transaction that writes the chaser.
    claim = {"letter_id": letter.id, "kind": kind, "due_date": due, "sent_on": as_of}
    if not insert_if_absent(session, models.Reminder, claim, ["letter_id", "kind", "due_date"]):
        return None
    reminder = session.exec(
        select(models.Reminder).where(
            models.Reminder.letter_id == letter.id, models.Reminder.kind == kind, models.Reminder.due_date == due
        )
    ).one()
    parts = gather_letter(session, committee, letter, outstanding, kind)
    written = render_and_record(
        session, workspace, committee, parts, kind, as_of,
        stem=f"{letter.id}-{kind}-due-{due.isoformat()}", version=letter.version,
        change_notice=[], previous_letter_date=None,
    )  # fmt: skip
    reminder.document_id = written.document_id
    session.add(reminder)
    for request in outstanding:
        set_status(
            session,
            request,
            RequestStatus(str(facts.status_after)),
            cause="chaser",
            as_of=as_of,
            detail=f"{kind} {letter.id}",
        )
    session.flush()
    return written
