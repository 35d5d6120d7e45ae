"""Agenda packs from the database: the first pack, then supplementary packs for late responses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from scrutiny.dates import clock_time
from scrutiny.errors import ScrutinyError
from scrutiny.pack.assemble import assemble_pack
from scrutiny.pack.spec import PackItem, PackResponse, PackSpec, Presenter, WorkProgrammeRow, standard_agenda
from scrutiny.services.distribution import queue_pack_for_members
from scrutiny.services.meetings import get_meeting
from scrutiny.workspace import CommitteeContext, Workspace
from state import models
from state.models import RequestStatus


@dataclass(frozen=True)
class PackResult:
    meeting_id: str
    version: int
    supplementary: bool
    docx: str
    pdf: str | None
    to_follow: list[str]
    created: bool
    publication_date: str = ""
    late_warning: str | None = None  # published after the statutory date: the items need the Chair's agreement


def packs_due(session: Session, committee: CommitteeContext, as_of: dt.date) -> list[str]:
    """Meetings whose agenda is published by today and which have not yet met."""
    due = []
    for meeting in session.exec(
        select(models.Meeting).where(
            models.Meeting.committee_id == committee.id,
            col(models.Meeting.date) > as_of,
            col(models.Meeting.cancelled).is_(False),
        )
    ):
        if committee.timetable(meeting.date).publication_date <= as_of:
            due.append(meeting.id)
    return due


def assemble_meeting_pack(workspace: Workspace, meeting_id: str, as_of: dt.date, *, send: bool = True) -> PackResult:
    with workspace.session() as session:
        meeting = get_meeting(session, meeting_id)
        committee = workspace.committee(meeting.committee_id)
        if meeting.cancelled:
            raise ScrutinyError(f"meeting {meeting_id} is cancelled: no agenda pack")
        previous = session.exec(
            select(models.Pack).where(models.Pack.meeting_id == meeting_id).order_by(col(models.Pack.version))
        ).all()
        included = {response_id for pack in previous for response_id in pack.included_responses}
        items, new_responses = _substantive_items(session, workspace, meeting, included)
        minutes = _previous_minutes(session, workspace, meeting)
        new_minutes = minutes is not None and not any(pack.included_minutes for pack in previous)
        if previous and not new_responses and not new_minutes:
            latest = previous[-1]
            return PackResult(
                meeting_id,
                latest.version,
                latest.supplementary,
                str(workspace.resolve(latest.docx_path)),
                str(workspace.resolve(latest.pdf_path)) if latest.pdf_path else None,
                [],
                False,
            )
        version = (previous[-1].version + 1) if previous else 1
        spec = _spec(
            session,
            committee,
            meeting,
            items,
            version,
            supplementary_of=previous[-1].version if previous else None,
            minutes=minutes if new_minutes else None,
            as_of=as_of,
            original=previous[0] if previous else None,
            supplementary_number=sum(1 for pack in previous if pack.supplementary) + 1 if previous else None,
        )
        out_dir = workspace.settings.packs_dir / meeting.id
        assembled = assemble_pack(spec, _templates(workspace, committee), out_dir, with_pdf=workspace.settings.pdf)
        session.add(
            models.Pack(
                meeting_id=meeting_id,
                version=version,
                supplementary=bool(previous),
                docx_path=workspace.stored_path(assembled.docx),
                pdf_path=workspace.stored_path(assembled.pdf) if assembled.pdf else None,
                sha256=assembled.sha256,
                included_responses=sorted(new_responses),
                included_minutes=new_minutes,
                created_on=as_of,
            )
        )
        session.add(
            document := models.Document(
                committee_id=committee.id,
                kind="supplementary-pack" if previous else "agenda-pack",
                path=workspace.stored_path(assembled.docx),
                sha256=assembled.sha256,
                meeting_id=meeting_id,
                version=version,
            )
        )
        if send:  # the members' e-mails are owed in the same transaction that records the pack
            queue_pack_for_members(session, document=document, as_of=as_of)
        return PackResult(
            meeting_id,
            version,
            bool(previous),
            str(assembled.docx),
            str(assembled.pdf) if assembled.pdf else None,
            assembled.to_follow,
            True,
            as_of.isoformat(),
            assembled.late_warning,
        )


def next_meeting_before_publication(session: Session, committee: CommitteeContext, as_of: dt.date) -> str | None:
    """The next meeting whose agenda is not yet published: the one a draft pack previews."""
    for meeting in session.exec(
        select(models.Meeting)
        .where(
            models.Meeting.committee_id == committee.id,
            col(models.Meeting.date) > as_of,
            col(models.Meeting.cancelled).is_(False),
        )
        .order_by(col(models.Meeting.date))
    ):
        if committee.timetable(meeting.date).publication_date > as_of:
            return meeting.id
    return None


def draft_pack(workspace: Workspace, meeting_id: str, as_of: dt.date) -> PackResult:
    """A preview of a meeting's pack as things stand, under packs/<date>/draft/.

    Drafts are rewritten on every run and never recorded, so the published pack is still
    version 1 and late responses still make a supplementary pack.
    """
    with workspace.session() as session:
        meeting = get_meeting(session, meeting_id)
        committee = workspace.committee(meeting.committee_id)
        items, _ = _substantive_items(session, workspace, meeting, set())
        spec = _spec(
            session, committee, meeting, items, 1, supplementary_of=None,
            minutes=_previous_minutes(session, workspace, meeting),
            # a preview of the pack as it will be published: on its statutory date at the earliest
            as_of=max(as_of, committee.timetable(meeting.date).publication_date),
        )  # fmt: skip
    out_dir = workspace.settings.packs_dir / meeting.id / "draft"
    assembled = assemble_pack(spec, _templates(workspace, committee), out_dir, with_pdf=workspace.settings.pdf)
    return PackResult(
        meeting_id,
        0,
        False,
        str(assembled.docx),
        str(assembled.pdf) if assembled.pdf else None,
        assembled.to_follow,
        True,
        spec.published_on.isoformat(),
    )


def _templates(workspace: Workspace, committee: CommitteeContext) -> Path:
    """The committee's own template folder when it overrides the pack sheets, else the shared one."""
    own = committee.folder / "templates"
    if (own / "front_sheet.docx").is_file() or (own / "cover_sheet.docx").is_file():
        return own
    return workspace.settings.effective_templates_dir


def _substantive_items(
    session: Session, workspace: Workspace, meeting: models.Meeting, already_included: set[int]
) -> tuple[list[PackItem], set[int]]:
    items: list[PackItem] = []
    new: set[int] = set()
    agenda = session.exec(
        select(models.AgendaItem)
        .where(models.AgendaItem.meeting_id == meeting.id, col(models.AgendaItem.removed).is_(False))
        .order_by(col(models.AgendaItem.id))
    ).all()
    for item in agenda:
        responses: list[PackResponse] = []
        presenters: list[str | Presenter] = []
        requests = session.exec(
            select(models.Request)
            .where(models.Request.agenda_item_id == item.id, models.Request.status != RequestStatus.WITHDRAWN)
            .order_by(col(models.Request.id))
        ).all()
        for request in requests:
            organisation = session.get(models.Organisation, request.organisation_id)
            contact = session.get(models.Contact, request.contact_id) if request.contact_id else None
            if organisation is None:
                raise ScrutinyError(f"request {request.id}: its organisation is missing from the database")
            presenters.append(
                Presenter(contact.name or contact.role, contact.role if contact.name else "", _display(organisation))
                if contact
                else _display(organisation)
            )
            received = session.exec(
                select(models.Response)
                .where(models.Response.request_id == request.id)
                .order_by(col(models.Response.id))
            ).all()
            for response in received:
                if response.id in already_included:
                    continue
                new.add(response.id or 0)
                responses.append(
                    PackResponse(organisation.name, workspace.resolve(response.path), response.received_on)
                )
            if not received:
                responses.append(PackResponse(organisation.name, None, None))
        items.append(
            PackItem(
                title=item.title,
                kind="substantive",
                purpose=_purpose(item),
                presenters=[*item.presenters] or presenters,  # an officer's one-off item names its own
                source=item.source,
                responses=responses,
            )
        )
    return items, new


def _purpose(item: models.AgendaItem) -> str:
    return (
        f"To receive the annual update requested under {item.source} and to question the contributors."
        if item.commitment_id
        else "To consider the item."
    )


def _previous_meeting(session: Session, meeting: models.Meeting) -> models.Meeting | None:
    return session.exec(
        select(models.Meeting)
        .where(
            models.Meeting.committee_id == meeting.committee_id,
            col(models.Meeting.date) < meeting.date,
            col(models.Meeting.cancelled).is_(False),
        )
        .order_by(col(models.Meeting.date).desc())
    ).first()


def _previous_minutes(session: Session, workspace: Workspace, meeting: models.Meeting) -> Path | None:
    """The minutes of the meeting before, to be agreed at this one, once an officer has recorded them."""
    previous = _previous_meeting(session, meeting)
    return workspace.resolve(previous.minutes_path) if previous is not None and previous.minutes_path else None


def _spec(
    session: Session,
    committee: CommitteeContext,
    meeting: models.Meeting,
    items: list[PackItem],
    version: int,
    supplementary_of: int | None,
    minutes: Path | None,
    as_of: dt.date,
    original: models.Pack | None = None,
    supplementary_number: int | None = None,
) -> PackSpec:
    info = committee.config.committee
    previous_meeting = _previous_meeting(session, meeting)
    members = [f"{m.name} ({m.role})" if m.role != "Member" else m.name for m in committee.config.members]
    return PackSpec(
        committee_name=info.name,
        council_name=info.council,
        meeting_title=meeting.title,
        meeting_date=meeting.date,
        start_time_text=clock_time(meeting.start_time),
        venue=meeting.venue,
        members=members,
        contact_officer=f"{info.officer.name}, {info.officer.role}",
        contact_email=info.officer.email,
        published_on=as_of,  # a pack is published the day it is made
        statutory_publication_date=committee.timetable(meeting.date).publication_date,
        original_published_on=original.created_on if original is not None else None,
        supplementary_number=supplementary_number,
        municipal_year=_municipal_year(meeting.date)[2],
        items=standard_agenda(items, previous_meeting_date=previous_meeting.date if previous_meeting else None),
        previous_minutes=minutes,
        work_programme=_work_programme(session, meeting),
        supplementary_of=supplementary_of,
        version=version,
    )


def _municipal_year(day: dt.date) -> tuple[dt.date, dt.date, str]:
    """The municipal year (May to April) holding ``day``: first day, first day of the next, "2026/27"."""
    first = dt.date(day.year if day.month >= 5 else day.year - 1, 5, 1)
    return first, dt.date(first.year + 1, 5, 1), f"{first.year}/{(first.year + 1) % 100:02d}"


def _requests_summary(session: Session, item: models.AgendaItem) -> str:
    statuses = [
        request.status
        for request in session.exec(select(models.Request).where(models.Request.agenda_item_id == item.id))
        if request.status != RequestStatus.WITHDRAWN
    ]
    if not statuses:
        return ""
    received = sum(status in (RequestStatus.RECEIVED, RequestStatus.RECEIVED_LATE) for status in statuses)
    late = sum(status in (RequestStatus.OVERDUE, RequestStatus.ESCALATED) for status in statuses)
    return f"{received} of {len(statuses)} responses received" + (f", {late} overdue" if late else "")


def _work_programme(session: Session, meeting: models.Meeting) -> list[WorkProgrammeRow]:
    """Every meeting of the municipal year with its items; a meeting without items gets one row."""
    first, after, _ = _municipal_year(meeting.date)
    rows = []
    for other in session.exec(
        select(models.Meeting)
        .where(
            models.Meeting.committee_id == meeting.committee_id,
            col(models.Meeting.date) >= first,
            col(models.Meeting.date) < after,
        )
        .order_by(col(models.Meeting.date))
    ):
        if other.cancelled:
            status = "cancelled"
        elif other.id == meeting.id:
            status = "this meeting"
        else:
            status = "held" if other.date < meeting.date else "planned"
        items = session.exec(
            select(models.AgendaItem)
            .where(models.AgendaItem.meeting_id == other.id, col(models.AgendaItem.removed).is_(False))
            .order_by(col(models.AgendaItem.id))
        ).all()
        if not items:
            rows.append(WorkProgrammeRow(other.date, None, meeting_cancelled=other.cancelled))
        for item in items:
            rows.append(
                WorkProgrammeRow(
                    other.date,
                    item.title,
                    item.source,
                    status,
                    _requests_summary(session, item),
                    meeting_cancelled=other.cancelled,
                )
            )
    return rows


def _display(organisation: models.Organisation) -> str:
    return organisation.short_name or organisation.name
