"""Meetings: listing, per-meeting timetables, and upserting meetings from iCalendar files."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from scrutiny.errors import ScrutinyError
from scrutiny.ics_import import ImportedMeeting, parse_meetings_ics
from scrutiny.services.provisional import reconcile_provisional_meetings
from scrutiny.services.requests import retime_request
from scrutiny.workspace import LONDON, CommitteeContext, Workspace
from state import models
from state.models import OPEN_STATUSES


@dataclass(frozen=True)
class MeetingRow:
    committee: str
    meeting_id: str
    date: str
    start: str
    venue: str
    cancelled: bool
    provisional: bool  # from the committee's meeting pattern, not yet in a real calendar
    items: list[str]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class ImportResult:
    file: str
    committee: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: int = 0
    requests_flagged: list[str] = field(default_factory=list)


def get_meeting(session: Session, meeting_id: str) -> models.Meeting:
    meeting = session.get(models.Meeting, meeting_id)
    if meeting is None:
        raise ScrutinyError(f"meeting {meeting_id!r} not found: see 'scrutiny meetings list'")
    return meeting


def list_meetings(session: Session, committee_id: str | None = None) -> list[MeetingRow]:
    rows = []
    query = select(models.Meeting).order_by(col(models.Meeting.date), col(models.Meeting.id))
    if committee_id is not None:
        query = query.where(models.Meeting.committee_id == committee_id)
    for meeting in session.exec(query):
        items = session.exec(
            select(models.AgendaItem.title).where(
                models.AgendaItem.meeting_id == meeting.id, col(models.AgendaItem.removed).is_(False)
            )
        ).all()
        rows.append(
            MeetingRow(
                committee=meeting.committee_id,
                meeting_id=meeting.id,
                date=meeting.date.isoformat(),
                start=meeting.start_time.strftime("%H:%M"),
                venue=meeting.venue,
                cancelled=meeting.cancelled,
                provisional=meeting.source == "pattern",
                items=list(items),
            )
        )
    return rows


def timetable_rows(
    session: Session, workspace: Workspace, meeting_id: str | None = None, committee_id: str | None = None
) -> list[dict[str, object]]:
    query = select(models.Meeting).order_by(col(models.Meeting.date), col(models.Meeting.id))
    if committee_id is not None:
        query = query.where(models.Meeting.committee_id == committee_id)
    meetings = [get_meeting(session, meeting_id)] if meeting_id else list(session.exec(query))
    rows = []
    for meeting in meetings:
        timetable = workspace.committee(meeting.committee_id).timetable(meeting.date)
        rows.append(
            {
                "committee": meeting.committee_id,
                "meeting_id": meeting.id,
                "date": meeting.date.isoformat(),
                "cancelled": meeting.cancelled,
                "letter_window_opens": timetable.letter_window_opens.isoformat(),
                "request_by_date": timetable.request_by_date.isoformat(),
                "reminder_date": timetable.reminder_date.isoformat(),
                "response_due_date": timetable.response_due_date.isoformat(),
                "overdue_date": timetable.overdue_date.isoformat(),
                "escalation_date": timetable.escalation_date.isoformat(),
                "publication_date": timetable.publication_date.isoformat(),
            }
        )
    return rows


def import_meetings(session: Session, committee: CommitteeContext, path: Path, as_of: dt.date) -> ImportResult:
    """Add, move or cancel this committee's meetings from an iCalendar file (its events only)."""
    info = committee.config.committee
    parsed = parse_meetings_ics(
        path,
        committee_match=info.calendar_match,
        default_start_time=info.default_start,
        default_venue=info.default_venue,
    )
    result = ImportResult(file=str(path), committee=committee.id, skipped=parsed.skipped)
    for event in parsed.meetings:
        _upsert(session, committee, event, result, as_of)
    session.flush()
    # A real calendar for a month replaces the pattern's provisional meetings in it.
    reconcile_provisional_meetings(session, committee, as_of)
    return result


def _upsert(
    session: Session, committee: CommitteeContext, event: ImportedMeeting, result: ImportResult, as_of: dt.date
) -> None:
    local_start = event.start.astimezone(LONDON)
    local_end = event.end.astimezone(LONDON) if event.end and not event.all_day else None
    mine = models.Meeting.committee_id == committee.id
    meeting = session.exec(select(models.Meeting).where(mine, models.Meeting.ics_uid == event.uid)).first()
    own = _own_export(session, committee, event.uid) if meeting is None else None
    if own is not None:
        _update_from_own_export(session, committee, own, event, local_start, local_end, result, as_of)
        return
    if meeting is None:
        # The first import of the council's calendar adopts the meeting configured (or
        # provisionally planned) for that day.
        meeting = session.exec(
            select(models.Meeting).where(
                mine, models.Meeting.date == local_start.date(), col(models.Meeting.ics_uid).is_(None)
            )
        ).first()
    if meeting is None:
        meeting = models.Meeting(
            id=_free_id(session, committee, local_start.date()),
            committee_id=committee.id,
            date=local_start.date(),
            start_time=local_start.time().replace(tzinfo=None),
            venue=event.venue,
            title=event.title or committee.name,
            cancelled=event.cancelled,
            ics_uid=event.uid,
            source="ics",
        )
        session.add(meeting)
        result.added.append(meeting.id)
        session.flush()
        return
    moved = meeting.date != local_start.date()
    changed = (
        moved
        or meeting.start_time != local_start.time().replace(tzinfo=None)
        or meeting.venue != event.venue
        or meeting.cancelled != event.cancelled
        or meeting.ics_uid != event.uid
    )
    newly_cancelled = event.cancelled and not meeting.cancelled
    meeting.date, meeting.start_time = local_start.date(), local_start.time().replace(tzinfo=None)
    meeting.end_time = local_end.time().replace(tzinfo=None) if local_end else None
    meeting.venue, meeting.cancelled, meeting.ics_uid, meeting.source = event.venue, event.cancelled, event.uid, "ics"
    session.add(meeting)
    _record_change(session, committee, meeting, result, as_of, cancelled=newly_cancelled, moved=moved, changed=changed)


def _record_change(
    session: Session,
    committee: CommitteeContext,
    meeting: models.Meeting,
    result: ImportResult,
    as_of: dt.date,
    *,
    cancelled: bool,
    moved: bool,
    changed: bool,
) -> None:
    """Count the change, and flag what it means for the meeting's items and requests."""
    if cancelled:
        result.cancelled.append(meeting.id)
        for item in session.exec(select(models.AgendaItem).where(models.AgendaItem.meeting_id == meeting.id)):
            item.needs_replanning = True
            session.add(item)
    elif moved:
        result.moved.append(meeting.id)
        result.requests_flagged.extend(retime_meeting(session, committee, meeting, as_of))
    elif changed:
        result.updated.append(meeting.id)
    else:
        result.unchanged.append(meeting.id)


def _own_export(session: Session, committee: CommitteeContext, uid: str) -> models.Meeting | None:
    """The meeting behind a UID that 'scrutiny calendar export' wrote (meeting-<id>@<uid_domain>)."""
    prefix, suffix = "meeting-", f"@{committee.config.committee.message_domain}"
    if not (uid.startswith(prefix) and uid.endswith(suffix)):
        return None
    meeting = session.get(models.Meeting, uid[len(prefix) : -len(suffix)])
    return meeting if meeting is not None and meeting.committee_id == committee.id else None


def _update_from_own_export(
    session: Session,
    committee: CommitteeContext,
    meeting: models.Meeting,
    event: ImportedMeeting,
    local_start: dt.datetime,
    local_end: dt.datetime | None,
    result: ImportResult,
    as_of: dt.date,
) -> None:
    """Our own export read back: the same meeting, by ID. It does not take the meeting's UID,
    so the council's calendar still adopts or updates it later; what an officer changed in a
    calendar client (date, time, venue, cancellation) is applied like any other import."""
    start_time = local_start.time().replace(tzinfo=None)
    default_end = dt.datetime.combine(local_start.date(), start_time) + dt.timedelta(
        minutes=committee.config.committee.meeting_minutes
    )
    end_time = meeting.end_time
    if local_end is not None and local_end.replace(tzinfo=None) != default_end:
        end_time = local_end.time().replace(tzinfo=None)
    moved = meeting.date != local_start.date()
    newly_cancelled = event.cancelled and not meeting.cancelled
    changed = (
        moved
        or meeting.start_time != start_time
        or meeting.end_time != end_time
        or meeting.venue != event.venue
        or meeting.cancelled != event.cancelled
    )
    if changed:  # write nothing when nothing changed
        meeting.date, meeting.start_time, meeting.end_time = local_start.date(), start_time, end_time
        meeting.venue, meeting.cancelled = event.venue, event.cancelled
        session.add(meeting)
    _record_change(session, committee, meeting, result, as_of, cancelled=newly_cancelled, moved=moved, changed=changed)


def retime_meeting(session: Session, committee: CommitteeContext, meeting: models.Meeting, as_of: dt.date) -> list[str]:
    """Give the requests of a moved meeting its new dates; returns those whose letter must be written again."""
    timetable = committee.timetable(meeting.date)
    flagged = []
    for request in session.exec(select(models.Request).where(models.Request.meeting_id == meeting.id)).all():
        status_before = request.status
        if retime_request(session, request, meeting, timetable, as_of) and status_before in OPEN:
            flagged.append(request.id)
    return flagged


OPEN = {s.value for s in OPEN_STATUSES}


def _free_id(session: Session, committee: CommitteeContext, day: dt.date) -> str:
    candidate, n = committee.scoped_id(day.isoformat()), 1
    while session.get(models.Meeting, candidate) is not None:
        n += 1
        candidate = committee.scoped_id(f"{day.isoformat()}-{n}")
    return candidate
