"""Build what a letter template sees from the database: the request, its item, meeting and people."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from scrutiny.letters.context import (
    Addressee,
    Chair,
    LetterContext,
    Letterhead,
    LetterKind,
    Meeting,
    Recommendation,
    Review,
)
from scrutiny.services.planning import effective_last_taken
from scrutiny.workspace import Workspace
from state import models


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def weekday_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def clock(time: dt.time) -> str:
    hour = time.hour % 12 or 12
    return f"{hour}.{time.minute:02d} {'am' if time.hour < 12 else 'pm'}"


def build_letter_context(
    session: Session, workspace: Workspace, request: models.Request, kind: LetterKind, as_of: dt.date
) -> LetterContext:
    info = workspace.config.committee
    item = session.get(models.AgendaItem, request.agenda_item_id)
    meeting = session.get(models.Meeting, request.meeting_id)
    organisation = session.get(models.Organisation, request.organisation_id)
    contact = session.get(models.Contact, request.contact_id) if request.contact_id else None
    assert item is not None and meeting is not None and organisation is not None and contact is not None
    commitment = session.get(models.Commitment, item.commitment_key) if item.commitment_key else None
    assert commitment is not None
    recommendation = session.get(models.Recommendation, commitment.recommendation_id)
    assert recommendation is not None
    chair = next(m for m in workspace.config.members if m.name == info.chair)

    last_heard = effective_last_taken(session, commitment, meeting.date)
    return LetterContext(
        kind=kind,
        letterhead=Letterhead(
            department=info.department,
            committee_name=info.name,
            council_name=info.letterhead_name,
            address_lines=list(info.address),
            reply_to_name=info.officer.name,
            reply_to_role=info.officer.role,
            reply_to_email=info.officer.email,
        ),
        letter_date=long_date(as_of),
        reference=request.id,
        addressee=Addressee(
            name=contact.name,
            title=contact.role,
            organisation=organisation.name,
            address_lines=list(organisation.address),
            email=contact.email,
        ),
        salutation=contact.salutation or f"Dear {contact.name}",
        review=Review(title=recommendation.review_title, year=recommendation.review_year),
        recommendation=Recommendation(
            number=recommendation.number, title=recommendation.title, text=recommendation.text
        ),
        first_update=item.first_update,
        last_heard=long_date(last_heard) if last_heard else None,
        request_date_text=long_date(request.issued_on) if request.issued_on and kind != "request" else None,
        context_paragraphs=_context_paragraphs(commitment, item, meeting),
        requests=_requests(commitment, item),
        meeting=Meeting(date_text=weekday_date(meeting.date), time_text=clock(meeting.start_time), venue=meeting.venue),
        response_due_text=weekday_date(request.due_date),
        respond_to_email=info.officer.email,
        chair=Chair(name=chair.name, role_line=f"Chair of the {info.name} at {info.council}"),
        cc=_cc(session, workspace, commitment, request, kind, chair.name),
        days_overdue=(as_of - request.due_date).days if kind in ("overdue", "escalation") else None,
    )


def _context_paragraphs(commitment: models.Commitment, item: models.AgendaItem, meeting: models.Meeting) -> list[str]:
    paragraphs: list[str] = []  # the template itself quotes the recommendation
    if commitment.last_heard_summary:
        paragraphs.append(commitment.last_heard_summary.strip())
    # The template thanks the reader for the last update; this says where the next one stands.
    due = item.cycle_due_date
    if due is not None and due < meeting.date:
        paragraphs.append(
            f"Under the recommendation this update was due by {long_date(due)}. The Commission has placed it on "
            f"the agenda of its meeting on {weekday_date(meeting.date)}."
        )
    else:
        paragraphs.append(
            f"The Commission has placed this update on the agenda of its meeting on {weekday_date(meeting.date)}."
        )
    if item.first_update:
        paragraphs.append(
            "As this is the first update since the review reported, the Commission would also like to follow up "
            "the specific points the review asked to be covered."
        )
    return paragraphs


def _requests(commitment: models.Commitment, item: models.AgendaItem) -> list[str]:
    topics = [*(commitment.first_update_topics if item.first_update else []), *commitment.standing_topics]
    return [*(_as_request(t) for t in topics), *item.questions]


def _as_request(topic: str) -> str:
    """Topics are written to complete the sentence, so proper nouns ("Section 60") keep their case."""
    return f"Please update the Commission on {topic.strip()}"


def _cc(
    session: Session,
    workspace: Workspace,
    commitment: models.Commitment,
    request: models.Request,
    kind: LetterKind,
    chair_name: str,
) -> list[str]:
    """The other respondents to the same item, the standing CC list, and the Chair on an escalation."""
    lines: list[str] = []
    others = session.exec(
        select(models.Request)
        .where(models.Request.agenda_item_id == request.agenda_item_id, models.Request.id != request.id)
        .order_by(col(models.Request.id))
    ).all()
    for other in others:
        organisation = session.get(models.Organisation, other.organisation_id)
        contact = session.get(models.Contact, other.contact_id) if other.contact_id else None
        if organisation is not None and contact is not None:
            role = f", {contact.role}" if contact.role else ""
            lines.append(f"{contact.name}{role} ({organisation.name})")
    lines.extend(commitment.cc)
    if kind == "escalation":
        lines.insert(0, f"{chair_name}, Chair of the {workspace.config.committee.name}")
    return lines
