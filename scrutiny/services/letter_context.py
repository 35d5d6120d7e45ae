"""Build what a letter template sees from the database: one section per item the letter asks about.

The wording comes from the data: a first update asks for the review's listed points; only a
body that gave the last update is thanked for it; organisations are named by their short
name in CC lines; a contact known only by a role is "the Chair of <organisation>".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from scrutiny.dates import clock_time, full_date, weekday_full_date
from scrutiny.errors import ScrutinyError
from scrutiny.letters.context import (
    Addressee,
    Chair,
    LetterContext,
    Letterhead,
    LetterKind,
    Meeting,
    Recommendation,
    Section,
)
from scrutiny.services.planning import effective_last_taken
from scrutiny.services.recipients import CopyRecipient, letter_copies
from scrutiny.workspace import CommitteeContext
from state import models


@dataclass(frozen=True)
class LetterParts:
    """What a letter is about, gathered before it is written."""

    letter: models.Letter
    meeting: models.Meeting
    organisation: models.Organisation
    contact: models.Contact
    requests: list[models.Request]  # the requests the letter lists, one per section
    copies: list[CopyRecipient]


def gather_letter(
    session: Session, committee: CommitteeContext, letter: models.Letter, requests: list[models.Request], kind: str
) -> LetterParts:
    meeting = session.get(models.Meeting, letter.meeting_id)
    organisation = session.get(models.Organisation, letter.organisation_id)
    contact = session.get(models.Contact, letter.contact_id) if letter.contact_id else None
    if meeting is None or organisation is None:
        raise ScrutinyError(f"letter {letter.id}: its meeting or organisation is missing from the database")
    if contact is None:
        raise ScrutinyError(f"letter {letter.id}: {organisation.name} has no contact; add one in the committee file")
    if not requests:
        raise ScrutinyError(f"letter {letter.id}: nothing to ask for")
    copies = letter_copies(session, committee, letter, requests, escalation=kind == "escalation")
    return LetterParts(letter, meeting, organisation, contact, requests, copies)


def build_letter_context(
    session: Session,
    committee: CommitteeContext,
    parts: LetterParts,
    kind: LetterKind,
    as_of: dt.date,
    *,
    change_notice: list[str],
    previous_letter_date: dt.date | None,
) -> LetterContext:
    info = committee.config.committee
    chair = committee.config.chair
    meeting, contact, organisation = parts.meeting, parts.contact, parts.organisation
    due = committee.timetable(meeting.date).response_due_date
    chaser = kind in ("reminder", "overdue", "escalation")
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
        letter_date=full_date(as_of),
        reference=parts.letter.id,
        addressee=Addressee(
            name=contact.name or f"The {contact.role}",
            title=contact.role if contact.name else "",
            organisation=organisation.name,
            address_lines=list(organisation.address),
            email=contact.email,
        ),
        salutation=contact.salutation or (f"Dear {contact.name}" if contact.name else f"Dear {contact.role}"),
        sections=[_section(session, committee, request, meeting, thank=not chaser) for request in parts.requests],
        change_notice=change_notice,
        previous_letter_date=full_date(previous_letter_date) if previous_letter_date else None,
        request_date_text=full_date(parts.letter.issued_on) if chaser and parts.letter.issued_on else None,
        meeting=Meeting(
            date_text=weekday_full_date(meeting.date), time_text=clock_time(meeting.start_time), venue=meeting.venue
        ),
        response_due_text=weekday_full_date(due),
        respond_to_email=info.officer.email,
        chair=Chair(name=chair.name, role_line=f"Chair of the {info.name} at {info.council}"),
        cc=[copy.line for copy in parts.copies],
        days_overdue=(as_of - due).days if kind in ("overdue", "escalation") else None,
    )


def _section(
    session: Session, committee: CommitteeContext, request: models.Request, meeting: models.Meeting, *, thank: bool
) -> Section:
    item = session.get(models.AgendaItem, request.agenda_item_id)
    if item is None:
        raise ScrutinyError(f"request {request.id}: its agenda item is missing")
    commitment = session.get(models.Commitment, item.commitment_id) if item.commitment_id else None
    if commitment is None:
        return _one_off_section(item, meeting)
    recommendation = session.get(models.Recommendation, commitment.recommendation_id)
    if recommendation is None:
        raise ScrutinyError(f"commitment {commitment.key}: its recommendation is missing; run 'scrutiny init'")
    last_heard = effective_last_taken(session, commitment, meeting.date)
    gave_it = _gave_last_update(session, commitment, request.organisation_id, last_heard)
    return Section(
        heading=f"{item.title} (Recommendation {recommendation.number})",
        recommendation=Recommendation(
            number=recommendation.number,
            title=recommendation.title,
            text=recommendation.text,
            review_title=recommendation.review_title,
            review_year=recommendation.review_year,
        ),
        first_update=item.first_update,
        thanks=f"Thank you for the update you gave the Commission on {full_date(last_heard)}."
        if thank and gave_it
        else "",
        context_paragraphs=_context(commitment, item, meeting, last_heard),
        requests=[*(_as_request(t) for t in _topics(commitment, item)), *item.questions],
    )


def _one_off_section(item: models.AgendaItem, meeting: models.Meeting) -> Section:
    context = [
        f"The Commission has placed “{item.title}” on the agenda of its meeting on {weekday_full_date(meeting.date)}."
    ]
    if item.reason:
        context.append(item.reason)
    questions = list(item.questions) or [f"Please give the Commission a written update on {item.title.strip()}."]
    return Section(heading=item.title, context_paragraphs=context, requests=questions)


def _topics(commitment: models.Commitment, item: models.AgendaItem) -> list[str]:
    """A first update asks the review's own points; later ones also follow up the last update."""
    if item.first_update:
        return [*commitment.first_update_topics, *commitment.standing_topics]
    return [*commitment.standing_topics, *commitment.repeat_topics]


def _as_request(topic: str) -> str:
    """Topics are written to complete the sentence, so proper nouns ("Section 60") keep their case."""
    return f"Please update the Commission on {topic.strip()}"


def _context(
    commitment: models.Commitment, item: models.AgendaItem, meeting: models.Meeting, last_heard: dt.date
) -> list[str]:
    paragraphs: list[str] = []  # the template quotes the recommendation itself
    if last_heard == commitment.last_taken and commitment.last_heard_summary:
        paragraphs.append(commitment.last_heard_summary.strip())
    elif last_heard != commitment.last_taken:
        paragraphs.append(f"The Commission last took this update at its meeting on {full_date(last_heard)}.")
    due = item.cycle_due_date
    if due is not None and due < meeting.date:
        paragraphs.append(
            f"Under the recommendation this update was due by {full_date(due)}. The Commission has placed it on "
            f"the agenda of its meeting on {weekday_full_date(meeting.date)}."
        )
    else:
        paragraphs.append(
            f"The Commission has placed this update on the agenda of its meeting on {weekday_full_date(meeting.date)}."
        )
    if item.first_update:
        paragraphs.append(
            "As this is the first update since the review reported, the Commission would also like to follow up "
            "the specific points the review asked to be covered."
        )
    return paragraphs


def _gave_last_update(session: Session, commitment: models.Commitment, organisation_id: str, last: dt.date) -> bool:
    """Whether this body contributed the last time: as the file says, or by a response on record."""
    if last == commitment.last_taken:
        return organisation_id in commitment.last_heard_from
    answered = session.exec(
        select(models.Request.id)
        .join(models.AgendaItem, col(models.AgendaItem.id) == col(models.Request.agenda_item_id))
        .join(models.Meeting, col(models.Meeting.id) == col(models.Request.meeting_id))
        .where(
            models.AgendaItem.commitment_id == commitment.id,
            models.Meeting.date == last,
            models.Request.organisation_id == organisation_id,
            col(models.Request.received_on).is_not(None),
        )
    ).first()
    return answered is not None
