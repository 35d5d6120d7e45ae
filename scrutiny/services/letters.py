"""Request letters: one per organisation and meeting, covering all its items there, each written once.

Requests whose letter window has opened are gathered into their organisation's letter for the
meeting; an item added after that letter went out gets a supplementary letter. When a meeting
moves, its letters get a new version; requests moved to another meeting get a new letter.
A letter is claimed by bumping its version in the transaction that renders it, so two runs
at once write it once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, update
from sqlmodel import Session, col, select

from scrutiny.dates import weekday_full_date
from scrutiny.errors import ScrutinyError
from scrutiny.letters.context import LetterKind
from scrutiny.letters.kinds import facts_for
from scrutiny.letters.render import check_letter_renders, letter_path, render_letter
from scrutiny.letters.samples import sample_context
from scrutiny.services.letter_context import LetterParts, build_letter_context, gather_letter
from scrutiny.services.outbox import queue_recipients
from scrutiny.services.provisional import is_superseded
from scrutiny.services.requests import current_contact, set_status
from scrutiny.workspace import LONDON, CommitteeContext, Workspace
from state import models
from state.models import OPEN_STATUSES, RequestStatus

_ASKABLE = (RequestStatus.PLANNED, *OPEN_STATUSES)


@dataclass(frozen=True)
class WrittenDocument:
    letter_id: str
    kind: str
    document_id: int
    path: str  # relative to the home
    sha256: str


def get_letter(session: Session, letter_id: str) -> models.Letter:
    letter = session.get(models.Letter, letter_id)
    if letter is None:
        raise ScrutinyError(f"letter {letter_id!r} not found: see 'scrutiny responses due'")
    return letter


def letters_ready(
    session: Session, committee: CommitteeContext, as_of: dt.date, meeting_id: str | None = None
) -> list[str]:
    """Letters to write today: new ones whose window has opened (or all of one meeting an officer
    names), and new versions owed because a meeting moved."""
    _gather_requests(session, committee, as_of, meeting_id)
    askable = exists().where(  # in the same query: no query per letter
        col(models.Request.letter_id) == col(models.Letter.id),
        col(models.Request.status).in_([s.value for s in _ASKABLE]),
    )
    query = (
        select(models.Letter.id)
        .join(models.Meeting, col(models.Letter.meeting_id) == col(models.Meeting.id))
        .where(
            models.Meeting.committee_id == committee.id,  # from the coming meetings, not every past letter
            col(models.Meeting.cancelled).is_(False),
            col(models.Meeting.date) > as_of,
            (col(models.Letter.version) == 0) | col(models.Letter.needs_reissue).is_(True),
            askable,
        )
        .order_by(col(models.Letter.id))
    )
    if meeting_id is not None:
        query = query.where(models.Letter.meeting_id == meeting_id)
    return list(session.exec(query))


def letters_ready_to_write(
    session: Session, workspace: Workspace, committee: CommitteeContext, as_of: dt.date, meeting_id: str | None = None
) -> list[str]:
    """`letters_ready`, refused with nothing prepared when the committee's letter template cannot be rendered.

    Preparing letters records them (version 0) before each is written; a template that fails for
    every letter would leave those records behind, so it is rendered once with sample data first,
    inside the same transaction: a refusal rolls the preparation back.
    """
    ready = letters_ready(session, committee, as_of, meeting_id)
    if ready:
        check_template_renders(workspace, committee, "request")
    return ready


def check_template_renders(workspace: Workspace, committee: CommitteeContext, kind: LetterKind) -> None:
    """Render the committee's template for `kind` with sample data, in memory (nothing is written)."""
    check_letter_renders(workspace.template(committee, facts_for(kind).template), sample_context(kind))


def askable_requests(session: Session, letter_id: str) -> list[models.Request]:
    return list(
        session.exec(
            select(models.Request)
            .where(models.Request.letter_id == letter_id, col(models.Request.status).in_([s.value for s in _ASKABLE]))
            .order_by(col(models.Request.agenda_item_id), col(models.Request.id))
        )
    )


def _gather_requests(session: Session, committee: CommitteeContext, as_of: dt.date, meeting_id: str | None) -> None:
    """Put each request that needs a letter into its organisation's letter for the meeting."""
    query = (
        select(models.Request)
        .join(models.Meeting, col(models.Request.meeting_id) == col(models.Meeting.id))
        .where(
            models.Meeting.committee_id == committee.id,  # from the coming meetings, not every past request
            col(models.Request.letter_id).is_(None),
            col(models.Request.status).in_([s.value for s in _ASKABLE]),
            col(models.Meeting.cancelled).is_(False),
            col(models.Meeting.date) > as_of,
        )
        .order_by(col(models.Request.id))
    )
    superseded: dict[str, bool] = {}  # per meeting: its requests share the answer
    for request in session.exec(query).all():
        # Requests already asked (then moved) need their new letter at once; new ones wait for the window.
        due_now = request.status != RequestStatus.PLANNED or request.letter_window_opens <= as_of
        if not due_now and request.meeting_id != meeting_id:
            continue
        if request.meeting_id not in superseded:
            meeting = session.get(models.Meeting, request.meeting_id)
            superseded[request.meeting_id] = meeting is not None and is_superseded(session, committee, meeting)
        if superseded[request.meeting_id]:
            continue  # a provisional meeting the real calendar has replaced: no letter goes for it
        letter = _open_letter(session, committee, request.meeting_id, request.organisation_id)
        request.letter_id = letter.id
        session.add(request)
    session.flush()


def _open_letter(session: Session, committee: CommitteeContext, meeting_id: str, organisation_id: str) -> models.Letter:
    """The organisation's unwritten letter for the meeting, or a new one (supplementary if one went out)."""
    letters = session.exec(
        select(models.Letter)
        .where(models.Letter.meeting_id == meeting_id, models.Letter.organisation_id == organisation_id)
        .order_by(col(models.Letter.sequence))
    ).all()
    unwritten = next((letter for letter in letters if letter.version == 0), None)
    if unwritten is not None:
        return unwritten
    sequence = (letters[-1].sequence + 1) if letters else 1
    suffix = "" if sequence == 1 else f"-{sequence}"
    contact = current_contact(session, organisation_id)
    letter = models.Letter(
        id=f"{meeting_id}-{organisation_id}{suffix}",
        committee_id=committee.id,
        meeting_id=meeting_id,
        organisation_id=organisation_id,
        contact_id=contact.id if contact else None,
        sequence=sequence,
    )
    session.add(letter)
    session.flush()  # a concurrent run creating the same letter stops here (retried by the caller)
    return letter


def write_letter(
    session: Session,
    workspace: Workspace,
    committee: CommitteeContext,
    letter_id: str,
    as_of: dt.date,
    *,
    reissue: bool = False,
) -> WrittenDocument | None:
    """Write the letter's next version; None when there is nothing to write (or another run wrote it)."""
    letter = get_letter(session, letter_id)
    requests = askable_requests(session, letter.id)
    if not requests:
        if reissue:
            raise ScrutinyError(
                f"letter {letter_id}: every request it covers is answered or withdrawn; nothing to send"
            )
        return None
    if letter.version > 0 and not (letter.needs_reissue or reissue):
        return None
    if reissue and letter.version == 0:
        raise ScrutinyError(f"letter {letter_id} has not been written yet: run 'scrutiny letters' to issue it")
    kind = letter_kind(session, letter, requests)
    retimed_now = letter.needs_reissue
    claimed = session.exec(
        update(models.Letter)
        .where(col(models.Letter.id) == letter.id, col(models.Letter.version) == letter.version)
        .values(version=letter.version + 1, needs_reissue=False)
    )
    if claimed.rowcount != 1:
        return None
    session.refresh(letter)
    meeting = session.get(models.Meeting, letter.meeting_id)
    if meeting is None:
        raise ScrutinyError(f"letter {letter.id}: meeting {letter.meeting_id} not found")
    contact = current_contact(session, letter.organisation_id)  # whoever is the contact today
    letter.contact_id = contact.id if contact else letter.contact_id
    change_notice, previous = what_changed(session, committee, letter, requests, meeting, kind)
    parts = gather_letter(session, committee, letter, requests, kind)
    written = render_and_record(
        session, workspace, committee, parts, kind, as_of,
        stem=f"{letter.id}-v{letter.version}", version=letter.version,
        change_notice=change_notice, previous_letter_date=previous,
    )  # fmt: skip
    due = committee.timetable(meeting.date).response_due_date
    linked = _linked_requests(session, letter.id)
    for request in requests:
        if request.id not in linked:
            session.add(models.LetterRequest(letter_id=letter.id, request_id=request.id))
        if request.status == RequestStatus.PLANNED:
            request.issued_on = as_of
            request.contact_id = letter.contact_id
            set_status(
                session,
                request,
                RequestStatus.ISSUED,
                cause="letter",
                as_of=as_of,
                detail=f"{letter.id} v{letter.version}",
            )
        elif kind == "retimed" or retimed_now:
            set_status(session, request, RequestStatus.ISSUED, cause="re-timing", as_of=as_of,
                       detail=f"{letter.id} v{letter.version}: due {due.isoformat()}")  # fmt: skip
    letter.issued_on = letter.issued_on or as_of
    letter.due_date, letter.meeting_date = due, meeting.date
    session.add(letter)
    session.flush()
    return written


def letter_kind(session: Session, letter: models.Letter, requests: list[models.Request]) -> LetterKind:
    if letter.needs_reissue:
        return "retimed"
    if letter.version > 0:  # an officer's reissue keeps the kind of the first version
        first = session.exec(
            select(models.Document.kind)
            .where(models.Document.letter_id == letter.id, col(models.Document.version) == 1)
            .where(col(models.Document.kind).in_(["request", "supplementary", "retimed"]))
        ).first()
        return first if first in ("request", "supplementary", "retimed") else "request"  # type: ignore[return-value]
    earlier = session.exec(  # one query for all the requests: did another letter ask for any of them?
        select(models.LetterRequest.request_id).where(
            col(models.LetterRequest.request_id).in_([r.id for r in requests]),
            models.LetterRequest.letter_id != letter.id,
        )
    ).first()
    if earlier is not None:
        return "retimed"
    return "supplementary" if letter.sequence > 1 else "request"


def _earlier_letter(session: Session, letter_id: str, request_id: str) -> models.Letter | None:
    return session.exec(
        select(models.Letter)
        .join(models.LetterRequest, col(models.LetterRequest.letter_id) == col(models.Letter.id))
        .where(models.LetterRequest.request_id == request_id, models.Letter.id != letter_id)
        .order_by(col(models.Letter.issued_on).desc())
    ).first()


def what_changed(
    session: Session,
    committee: CommitteeContext,
    letter: models.Letter,
    requests: list[models.Request],
    meeting: models.Meeting,
    kind: LetterKind,
) -> tuple[list[str], dt.date | None]:
    """The paragraphs that tell the respondent what changed, and the date of our earlier letter."""
    due = weekday_full_date(committee.timetable(meeting.date).response_due_date)
    if kind == "supplementary":
        first = session.exec(
            select(models.Letter).where(
                models.Letter.meeting_id == letter.meeting_id,
                models.Letter.organisation_id == letter.organisation_id,
                models.Letter.sequence == 1,
            )
        ).first()
        return [], first.issued_on if first else None
    if kind != "retimed":
        return [], None
    if letter.version > 1:  # this letter's meeting moved
        was = f"on {weekday_full_date(letter.meeting_date)}" if letter.meeting_date else "as first arranged"
        notice = (
            f"The Commission's meeting {was} has moved to {weekday_full_date(meeting.date)}. "
            f"The written response is now due by {due}."
        )
        return [notice], letter.issued_on
    notices: list[str] = []
    previous: dt.date | None = None
    for request in requests:
        earlier = _earlier_letter(session, letter.id, request.id)
        if earlier is None:
            continue
        old = session.get(models.Meeting, earlier.meeting_id)
        item = session.get(models.AgendaItem, request.agenda_item_id)
        when = weekday_full_date(earlier.meeting_date or (old.date if old else meeting.date))
        what = "was cancelled" if old is not None and old.cancelled else "has been rearranged"
        title = item.title if item else "this item"
        notices.append(
            f"The Commission's meeting on {when} {what}. It will now take “{title}” at its meeting on "
            f"{weekday_full_date(meeting.date)}, and the written response is now due by {due}."
        )
        previous = previous or earlier.issued_on
    return list(dict.fromkeys(notices)), previous


def _linked_requests(session: Session, letter_id: str) -> set[str]:
    return set(session.exec(select(models.LetterRequest.request_id).where(models.LetterRequest.letter_id == letter_id)))


def render_and_record(
    session: Session,
    workspace: Workspace,
    committee: CommitteeContext,
    parts: LetterParts,
    kind: LetterKind,
    as_of: dt.date,
    *,
    stem: str,
    version: int,
    change_notice: list[str],
    previous_letter_date: dt.date | None,
) -> WrittenDocument:
    """Render a letter or chaser, record it with its hash, and queue its e-mail to each recipient."""
    context = build_letter_context(
        session, committee, parts, kind, as_of, change_notice=change_notice, previous_letter_date=previous_letter_date
    )
    path = letter_path(workspace.settings.letters_dir, parts.meeting.id, stem)
    document = models.Document(
        committee_id=committee.id,
        kind=kind,
        path=workspace.stored_path(path),
        sha256="",
        letter_id=parts.letter.id,
        meeting_id=parts.meeting.id,
        version=version,
    )
    session.add(document)
    session.flush()  # a concurrent run writing the same path stops here, before touching the file
    template = workspace.template(committee, facts_for(kind).template)
    created = dt.datetime.combine(as_of, dt.time(9, 0), tzinfo=LONDON)
    try:
        rendered = render_letter(template, context, path, created=created)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    document.sha256 = rendered.sha256
    session.add(document)
    session.flush()
    if document.id is None:
        raise ScrutinyError(f"letter {parts.letter.id}: the document could not be recorded")
    queue_recipients(session, document.id, to=(parts.contact.email, parts.contact.name), copies=parts.copies)
    return WrittenDocument(parts.letter.id, kind, document.id, document.path, rendered.sha256)


def letter_for(session: Session, letter_or_request_id: str) -> models.Letter:
    """A letter by its own ID, or the letter now covering a request."""
    letter = session.get(models.Letter, letter_or_request_id)
    if letter is not None:
        return letter
    request = session.get(models.Request, letter_or_request_id)
    if request is None:
        raise ScrutinyError(f"{letter_or_request_id!r} is neither a letter nor a request: see 'scrutiny responses due'")
    if request.letter_id is None:
        raise ScrutinyError(f"request {request.id} has no letter yet: its window opens {request.letter_window_opens}")
    return get_letter(session, request.letter_id)
