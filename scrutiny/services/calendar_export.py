"""The committee's meetings and deadlines from the database, written as an iCalendar file.

Stable output: every event's UID comes from the meeting ID, and DTSTAMP (the only field
that is not data) is the start of the newest day the workflow has recorded something on
(a letter issued, a chaser sent, a response received, a pack made; before any of that, the
newest date a commitment was last taken). Those are "as of" days, not the clock, so the
same database exports to the same bytes, whether replayed in a simulation or exported
twice in a row, and the stamp only moves forward as the year's work goes on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.errors import ScrutinyError
from scrutiny.ics_export import DEADLINE_KINDS, ExportMeeting, build_calendar
from scrutiny.workspace import LONDON, CommitteeContext
from state import models

# Before anything at all is recorded (no commitments either): a fixed, obviously old stamp.
_NOTHING_RECORDED = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class CalendarExport:
    path: Path
    meetings: int
    cancelled: int
    deadline_events: int
    generated_at: dt.datetime
    sha256: str


def export_meetings(session: Session, committee: CommitteeContext) -> list[ExportMeeting]:
    """Every meeting of the committee (cancelled ones too, so subscribers see the cancellation)
    with its agenda items and timetable dates."""
    minutes = committee.config.committee.meeting_minutes
    rows = []
    meetings = session.exec(
        select(models.Meeting)
        .where(models.Meeting.committee_id == committee.id)
        .order_by(col(models.Meeting.date), col(models.Meeting.id))
    )
    for meeting in meetings:
        items = session.exec(
            select(models.AgendaItem.title)
            .where(models.AgendaItem.meeting_id == meeting.id, col(models.AgendaItem.removed).is_(False))
            .order_by(col(models.AgendaItem.id))
        ).all()
        start = dt.datetime.combine(meeting.date, meeting.start_time, tzinfo=LONDON)
        if meeting.end_time is None:
            end = start + dt.timedelta(minutes=minutes)
        else:
            end = dt.datetime.combine(meeting.date, meeting.end_time, tzinfo=LONDON)
            if end <= start:  # an evening meeting that ends after midnight
                end += dt.timedelta(days=1)
        timetable = committee.timetable(meeting.date)
        rows.append(
            ExportMeeting(
                meeting_id=meeting.id,
                start=start,
                end=end,
                venue=meeting.venue,
                title=meeting.title,
                agenda_items=list(items),
                cancelled=meeting.cancelled,
                request_by_date=timetable.request_by_date,
                response_due_date=timetable.response_due_date,
                publication_date=timetable.publication_date,
            )
        )
    return rows


def export_stamp(session: Session, committee_id: str) -> dt.datetime:
    """00:00 UTC on the newest day the workflow recorded something for the committee (see the module note)."""
    requests = select(models.Request.id).where(models.Request.committee_id == committee_id)
    letters = select(models.Letter.id).where(models.Letter.committee_id == committee_id)
    meetings = select(models.Meeting.id).where(models.Meeting.committee_id == committee_id)
    candidates = [
        session.exec(
            select(func.max(models.Request.issued_on)).where(models.Request.committee_id == committee_id)
        ).one(),
        session.exec(
            select(func.max(models.Request.received_on)).where(models.Request.committee_id == committee_id)
        ).one(),
        session.exec(
            select(func.max(models.Reminder.sent_on)).where(col(models.Reminder.letter_id).in_(letters))
        ).one(),
        session.exec(
            select(func.max(models.Response.received_on)).where(col(models.Response.request_id).in_(requests))
        ).one(),
        session.exec(select(func.max(models.Pack.created_on)).where(col(models.Pack.meeting_id).in_(meetings))).one(),
        session.exec(
            select(func.max(models.Commitment.last_taken)).where(models.Commitment.committee_id == committee_id)
        ).one(),
    ]
    days = [_as_date(day) for day in candidates if day is not None]
    newest = max(days, default=_NOTHING_RECORDED)
    return dt.datetime.combine(newest, dt.time(0, 0), tzinfo=dt.UTC)


def export_calendar(session: Session, committee: CommitteeContext, path: Path, *, deadlines: bool) -> CalendarExport:
    """Write the calendar to `path` (whole or not at all). The folder must exist already:
    a typo in it should be an error, not a new folder somewhere."""
    _check_target(path)
    meetings = export_meetings(session, committee)
    stamp = export_stamp(session, committee.id)
    info = committee.config.committee
    data = build_calendar(
        committee_name=info.name,
        meetings=meetings,
        deadlines=deadlines,
        uid_domain=info.message_domain,
        generated_at=stamp,
    )
    try:
        write_bytes_atomic(path, data)
        digest = hashlib.sha256(data).hexdigest()
    except OSError as exc:
        raise ScrutinyError(f"{path}: cannot write the calendar ({exc.strerror or type(exc).__name__})") from None
    return CalendarExport(
        path=path,
        meetings=len(meetings),
        cancelled=sum(1 for m in meetings if m.cancelled),
        deadline_events=len(meetings) * len(DEADLINE_KINDS) if deadlines else 0,
        generated_at=stamp,
        sha256=digest,
    )


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise ScrutinyError(f"{path}: is a folder; give a file name such as {path / 'meetings.ics'}")
    folder = path.parent
    if not folder.exists():
        raise ScrutinyError(f"{path}: folder {folder} does not exist")
    if not folder.is_dir():
        raise ScrutinyError(f"{path}: {folder} is not a folder")


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    # SQLite hands back MAX() of a date column as text; PostgreSQL as a date.
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
