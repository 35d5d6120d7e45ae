"""The work programme: each meeting, its items, where each item comes from and its requests."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlmodel import Session, col, select

from state import models


@dataclass(frozen=True)
class ProgrammeRequest:
    request_id: str
    organisation: str
    status: str
    due_date: str


@dataclass(frozen=True)
class ProgrammeItem:
    title: str
    commitment: str | None
    source: str
    reason: str
    pinned: bool
    requests: list[ProgrammeRequest]


@dataclass(frozen=True)
class ProgrammeMeeting:
    committee: str
    meeting_id: str
    date: str
    cancelled: bool
    items: list[ProgrammeItem]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class UnplacedItem:
    committee: str
    commitment: str | None
    title: str
    due_date: str | None
    reason: str


def work_programme(session: Session, committee_id: str | None = None) -> list[ProgrammeMeeting]:
    """Every meeting in date order with its items (in the order they were added) and requests."""
    organisations = {o.id: o.name for o in session.exec(select(models.Organisation))}
    programme = []
    query = select(models.Meeting).order_by(col(models.Meeting.date), col(models.Meeting.id))
    if committee_id is not None:
        query = query.where(models.Meeting.committee_id == committee_id)
    for meeting in session.exec(query):
        items = session.exec(
            select(models.AgendaItem)
            .where(models.AgendaItem.meeting_id == meeting.id, col(models.AgendaItem.removed).is_(False))
            .order_by(col(models.AgendaItem.id))
        ).all()
        programme.append(
            ProgrammeMeeting(
                committee=meeting.committee_id,
                meeting_id=meeting.id,
                date=meeting.date.isoformat(),
                cancelled=meeting.cancelled,
                items=[_item(session, item, organisations) for item in items],
            )
        )
    return programme


def unplaced_items(session: Session, committee_id: str | None = None) -> list[UnplacedItem]:
    """Items the planner could not yet put on a meeting (their reason says why)."""
    query = (
        select(models.AgendaItem)
        .where(col(models.AgendaItem.meeting_id).is_(None), col(models.AgendaItem.removed).is_(False))
        .order_by(col(models.AgendaItem.cycle_due_date), col(models.AgendaItem.commitment_id))
    )
    if committee_id is not None:
        query = query.where(models.AgendaItem.committee_id == committee_id)
    rows = session.exec(query).all()
    return [
        UnplacedItem(
            committee=item.committee_id,
            commitment=_key(item),
            title=item.title,
            due_date=item.cycle_due_date.isoformat() if item.cycle_due_date else None,
            reason=item.reason,
        )
        for item in rows
    ]


def _item(session: Session, item: models.AgendaItem, organisations: dict[str, str]) -> ProgrammeItem:
    requests = session.exec(
        select(models.Request).where(models.Request.agenda_item_id == item.id).order_by(col(models.Request.id))
    ).all()
    return ProgrammeItem(
        title=item.title,
        commitment=_key(item),
        source=item.source,
        reason=item.reason,
        pinned=item.pinned,
        requests=[
            ProgrammeRequest(
                request_id=r.id,
                organisation=organisations.get(r.organisation_id, r.organisation_id),
                status=r.status,
                due_date=r.due_date.isoformat(),
            )
            for r in requests
        ],
    )


def _key(item: models.AgendaItem) -> str | None:
    """The commitment's key as the committee file names it ("R15"), from its scoped ID ("lih-R15")."""
    return item.commitment_id.split("-", 1)[1] if item.commitment_id else None
