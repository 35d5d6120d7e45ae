"""Agenda items an officer adds, moves and removes: one-off items beside the planned annual updates.

A one-off item with respondents gets requests like any other item, so letters, chasers, the
tracker and the pack take it up. The rules match the planner's: an item whose letters have
gone out stays on its meeting unless that meeting is cancelled, a meeting that has taken place
keeps its items, and a removed item with letters out keeps its record (its open requests are
withdrawn). Items are shown as ``<prefix>-item-<number>`` (e.g. ``lih-item-12``); the bare
number is accepted too.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from scrutiny.dates import weekday_full_date
from scrutiny.errors import ScrutinyError
from scrutiny.services.item_notes import capacity_note, letter_notes, published_pack
from scrutiny.services.meetings import get_meeting
from scrutiny.services.requests import detach_from_letter, respondent_on, set_status, sync_item_requests
from scrutiny.workspace import CommitteeContext
from state import models
from state.models import ANSWERED_STATUSES, OPEN_STATUSES, RequestStatus

ONE_OFF_SOURCE = "The Commission's work programme"
_ITEM_REF = re.compile(r"^(?:(?P<prefix>[a-z0-9]+)-)??(?:item-)?(?P<number>\d+)$")


@dataclass(frozen=True)
class ItemRow:
    committee: str
    item_id: str
    meeting_id: str | None
    meeting_date: str | None
    title: str
    kind: str  # "one-off" or "annual update R15"
    respondents: list[str]
    presenters: list[str]
    questions: list[str]
    status: str  # planned, letters out, answered, no requests, not placed, meeting cancelled, removed
    responses: str  # "1 of 2 received"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ItemChange:
    """What an add, move or remove did, with one line per thing the officer should know."""

    item_id: str
    title: str
    meeting_id: str
    meeting_date: dt.date
    requests: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changed: bool = True


def item_label(committee: CommitteeContext, item: models.AgendaItem) -> str:
    return f"{committee.prefix}-item-{item.id}"


def get_item(session: Session, item_ref: str) -> models.AgendaItem:
    """An item by ``lih-item-12``, ``item-12`` or ``12``; a prefix must be its committee's."""
    found = _ITEM_REF.match(item_ref.strip().lower())
    if found is None:
        raise ScrutinyError(f"item {item_ref!r} is not an item ID (e.g. lih-item-12 or 12): see 'scrutiny items list'")
    item = session.get(models.AgendaItem, int(found["number"]))
    prefix = found["prefix"]
    if item is not None and prefix is not None:
        committee = session.get(models.Committee, item.committee_id)
        item = item if committee is not None and committee.prefix == prefix else None
    if item is None:
        raise ScrutinyError(f"item {item_ref!r} not found: see 'scrutiny items list'")
    return item


def add_item(
    session: Session,
    *,
    committee: CommitteeContext,
    meeting_id: str,
    title: str,
    respondents: list[str],
    questions: list[str],
    presenters: list[str],
    as_of: dt.date,
) -> ItemChange:
    """Put a one-off item on a coming meeting, with a request to each respondent."""
    title = _one_line(title, "--title")
    meeting = _open_meeting(session, committee, meeting_id, as_of)
    asked = _respondents(session, respondents, meeting)
    same = session.exec(
        select(models.AgendaItem).where(
            models.AgendaItem.meeting_id == meeting.id,
            col(models.AgendaItem.removed).is_(False),
            func.lower(models.AgendaItem.title) == title.lower(),
        )
    ).first()
    if same is not None:
        raise ScrutinyError(
            f"meeting {meeting.id} already has “{same.title}” ({item_label(committee, same)}): nothing added"
        )
    item = models.AgendaItem(
        committee_id=committee.id,
        meeting_id=meeting.id,
        title=title,
        source=ONE_OFF_SOURCE,
        questions=[_one_line(q, "--question") for q in questions],
        presenters=[_one_line(p, "--presenter") for p in presenters],
    )
    session.add(item)
    session.flush()
    sync_item_requests(session, committee, item, [organisation.id for organisation in asked.values()], as_of)
    session.flush()
    notes = [
        f"{given} ended on {_ended(session, given)}: its successor {organisation.id} is asked"
        for given, organisation in asked.items()
        if given != organisation.id
    ]
    notes += capacity_note(session, committee, meeting)
    notes += letter_notes(session, committee, item, meeting, as_of)
    return _change(session, committee, item, meeting, notes)


def move_item(
    session: Session, *, committee: CommitteeContext, item: models.AgendaItem, meeting_id: str, as_of: dt.date
) -> ItemChange:
    """Move a one-off item to another coming meeting; its requests follow with that meeting's dates."""
    label = _one_off(committee, item, "move", f"'scrutiny plan pin {{key}} {meeting_id}'")
    target = _open_meeting(session, committee, meeting_id, as_of)
    current = session.get(models.Meeting, item.meeting_id) if item.meeting_id else None
    if current is not None and current.id == target.id:
        return _change(session, committee, item, target, [f"{label} is already on {target.id}: nothing changed"], False)
    if current is not None and not current.cancelled:
        if current.date < as_of:
            raise ScrutinyError(f"meeting {current.id} has already taken place: {label} stays on its record")
        if _letters_out(session, item):
            raise ScrutinyError(
                f"{label} is on meeting {current.id} and its letters have gone out: it stays there unless that "
                f"meeting is cancelled (take it off with 'scrutiny items remove {label}')"
            )
    item.meeting_id, item.needs_replanning = target.id, False
    session.add(item)
    session.flush()
    respondents = [r.organisation_id for r in _requests(session, item)]
    sync_item_requests(session, committee, item, respondents, as_of)
    session.flush()
    notes = capacity_note(session, committee, target) + letter_notes(session, committee, item, target, as_of)
    return _change(session, committee, item, target, notes)


def remove_item(
    session: Session, *, committee: CommitteeContext, item: models.AgendaItem, as_of: dt.date
) -> ItemChange:
    """Take a one-off item off its meeting's agenda; with letters out its record and history stay."""
    label = _one_off(committee, item, "remove", "'scrutiny plan pin {key} MEETING_ID' to move it")
    meeting = session.get(models.Meeting, item.meeting_id) if item.meeting_id else None
    if meeting is None:
        raise ScrutinyError(f"{label} is on no meeting: nothing to remove")
    if meeting.date < as_of and not meeting.cancelled:
        raise ScrutinyError(f"meeting {meeting.id} has already taken place: {label} stays on its record")
    withdrawn: list[models.Request] = []
    dropped = 0
    for request in _requests(session, item):
        if request.status == RequestStatus.PLANNED:  # nothing was sent: it goes, as the planner's unsent ones do
            detach_from_letter(session, request)
            session.exec(delete(models.StatusChange).where(col(models.StatusChange.request_id) == request.id))
            session.delete(request)
            dropped += 1
        elif request.status in OPEN_STATUSES:
            set_status(session, request, RequestStatus.WITHDRAWN, cause="withdrawal", as_of=as_of,
                       detail=f"“{item.title}” was taken off the agenda by an officer")  # fmt: skip
            withdrawn.append(request)
    item.removed = True
    session.add(item)
    session.flush()
    notes = []
    if withdrawn:
        names = ", ".join(sorted({r.organisation_id for r in withdrawn}))
        notes.append(
            f"{len(withdrawn)} request(s) withdrawn ({', '.join(r.id for r in withdrawn)}): no more chasers; "
            f"let {names} know the item is off the agenda"
        )
    if dropped:
        notes.append(f"{dropped} planned request(s) dropped: no letter had gone out for them")
    published = published_pack(session, meeting.id)
    if published is not None:
        notes.append(f"the published agenda (v{published.version}) lists it: announce its withdrawal at the meeting")
    return _change(session, committee, item, meeting, notes)


def list_items(session: Session, *, committees: list[CommitteeContext], meeting_id: str | None = None) -> list[ItemRow]:
    """Every item of these committees (of one meeting when named), in meeting order; removed ones marked."""
    by_id = {c.id: c for c in committees}
    query = (
        select(models.AgendaItem, models.Meeting)
        .outerjoin(models.Meeting, col(models.Meeting.id) == col(models.AgendaItem.meeting_id))
        .where(col(models.AgendaItem.committee_id).in_(list(by_id)))
        .order_by(col(models.Meeting.date).is_(None), col(models.Meeting.date), col(models.AgendaItem.id))
    )
    if meeting_id is not None:
        query = query.where(models.AgendaItem.meeting_id == get_meeting(session, meeting_id).id)
    rows = []
    for item, meeting in session.exec(query).all():
        committee = by_id[item.committee_id]
        requests = _requests(session, item)
        asked = [r for r in requests if r.status != RequestStatus.WITHDRAWN]
        received = sum(r.status in ANSWERED_STATUSES for r in asked)
        rows.append(
            ItemRow(
                committee=committee.id,
                item_id=item_label(committee, item),
                meeting_id=item.meeting_id,
                meeting_date=meeting.date.isoformat() if meeting else None,
                title=item.title,
                kind=f"annual update {_key(committee, item)}" if item.commitment_id else "one-off",
                respondents=[r.organisation_id for r in requests],
                presenters=list(item.presenters),
                questions=list(item.questions),
                status="meeting cancelled"
                if meeting and meeting.cancelled and not item.removed
                else _status(item, requests),
                responses=f"{received} of {len(asked)} received" if asked else "",
            )
        )
    return rows


# --------------------------------------------------------------------------------------
# Checks


def _one_line(text: str, option: str) -> str:
    if any(c in text for c in "\r\n"):
        raise ScrutinyError(f"{option} {text.strip()[:40]!r}...: must be one line")
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ScrutinyError(f"{option}: must not be empty")
    return cleaned


def _open_meeting(session: Session, committee: CommitteeContext, meeting_id: str, as_of: dt.date) -> models.Meeting:
    """A meeting of this committee that can still take an item."""
    meeting = get_meeting(session, meeting_id)
    if meeting.committee_id != committee.id:
        raise ScrutinyError(f"meeting {meeting.id} belongs to committee {meeting.committee_id}, not {committee.id}")
    if meeting.cancelled:
        raise ScrutinyError(f"meeting {meeting.id} is cancelled: choose another meeting (see 'scrutiny meetings list')")
    if meeting.date < as_of:
        raise ScrutinyError(f"meeting {meeting.id} has already taken place: choose a coming meeting")
    return meeting


def _respondents(session: Session, given: list[str], meeting: models.Meeting) -> dict[str, models.Organisation]:
    """Each named organisation, or its successor on the meeting's date, once each."""
    asked: dict[str, models.Organisation] = {}
    for organisation_id in dict.fromkeys(r.strip() for r in given):
        if session.get(models.Organisation, organisation_id) is None:
            known = ", ".join(session.exec(select(models.Organisation.id).order_by(col(models.Organisation.id))).all())
            raise ScrutinyError(f"--respondent {organisation_id!r}: no such organisation (known: {known})")
        current = respondent_on(session, organisation_id, meeting.date)
        if current is None:
            raise ScrutinyError(
                f"--respondent {organisation_id}: not active on {meeting.date.isoformat()} and no successor is "
                "configured"
            )
        if current.id not in {o.id for o in asked.values()}:
            asked[organisation_id] = current
    return asked


def _ended(session: Session, organisation_id: str) -> str:
    organisation = session.get(models.Organisation, organisation_id)
    ended = organisation.active_until if organisation else None
    return ended.isoformat() if ended else "an earlier date"


def _one_off(committee: CommitteeContext, item: models.AgendaItem, action: str, instead: str) -> str:
    """The item's label, once it is known to be a one-off item still on the agenda."""
    label = item_label(committee, item)
    if item.commitment_id:
        key = _key(committee, item)
        raise ScrutinyError(
            f"{label} is the {key} annual update, placed by the planner: it cannot be {action}d here; use "
            + instead.format(key=key)
        )
    if item.removed:
        raise ScrutinyError(f"{label} was taken off the agenda already: add it again with 'scrutiny items add'")
    return label


def _key(committee: CommitteeContext, item: models.AgendaItem) -> str:
    return (item.commitment_id or "").removeprefix(f"{committee.prefix}-")


def _requests(session: Session, item: models.AgendaItem) -> list[models.Request]:
    return list(
        session.exec(
            select(models.Request).where(models.Request.agenda_item_id == item.id).order_by(col(models.Request.id))
        )
    )


def _letters_out(session: Session, item: models.AgendaItem) -> bool:
    return any(r.status != RequestStatus.PLANNED for r in _requests(session, item))


def _status(item: models.AgendaItem, requests: list[models.Request]) -> str:
    if item.removed:
        return "removed"
    if item.meeting_id is None:
        return "not placed"
    asked = [r for r in requests if r.status != RequestStatus.WITHDRAWN]
    if not asked:
        return "no requests"
    if all(r.status == RequestStatus.PLANNED for r in asked):
        return "planned"
    if all(r.status in ANSWERED_STATUSES for r in asked):
        return "answered"
    return "letters out"


def _change(
    session: Session,
    committee: CommitteeContext,
    item: models.AgendaItem,
    meeting: models.Meeting,
    notes: list[str],
    changed: bool = True,
) -> ItemChange:
    requests = [r.id for r in _requests(session, item) if r.status != RequestStatus.WITHDRAWN]
    return ItemChange(item_label(committee, item), item.title, meeting.id, meeting.date, requests, notes, changed)


def describe_meeting(change: ItemChange) -> str:
    return f"{change.meeting_id} ({weekday_full_date(change.meeting_date)})"
