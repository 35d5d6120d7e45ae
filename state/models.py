"""SQLModel tables. One row per real-world thing; unique constraints make re-runs idempotent.

Every ID a user sees carries its committee (meeting ``lih-2027-01-25``, request
``lih-R15-1-mopac``, letter ``lih-2027-01-25-mopac``), so one database holds many committees
without collisions. Organisations and their contacts are shared by the committees of a council.
Stored file paths are relative to ``SCRUTINY_HOME``, so a home can be moved or restored.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RequestStatus(StrEnum):
    PLANNED = "planned"
    ISSUED = "issued"
    REMINDED = "reminded"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    RECEIVED = "received"
    RECEIVED_LATE = "received_late"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = (RequestStatus.ISSUED, RequestStatus.REMINDED, RequestStatus.OVERDUE, RequestStatus.ESCALATED)
ANSWERED_STATUSES = (RequestStatus.RECEIVED, RequestStatus.RECEIVED_LATE)


class Committee(SQLModel, table=True):
    id: str = Field(primary_key=True)
    prefix: str = Field(unique=True)  # the short tag every ID of this committee starts with, e.g. "lih"
    name: str
    short_name: str
    council: str
    config_sha256: str = ""
    config_path: str = ""  # relative to SCRUTINY_HOME


class Member(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("committee_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    committee_id: str = Field(foreign_key="committee.id", index=True)
    name: str
    role: str = "Member"
    email: str = ""
    active: bool = True


class Organisation(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str
    short_name: str = ""  # the display name in CC lines, e.g. "Central East BCU"
    address: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active_from: dt.date | None = None
    active_until: dt.date | None = None
    succeeded_by_id: str | None = Field(default=None, foreign_key="organisation.id")
    note: str = ""


class Contact(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: str = Field(foreign_key="organisation.id", index=True)
    name: str
    role: str = ""
    email: str
    salutation: str = ""
    current: bool = True


class Recommendation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("committee_id", "review_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    committee_id: str = Field(foreign_key="committee.id", index=True)
    review_id: str
    review_title: str
    review_year: int
    number: int
    title: str
    text: str


class Commitment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("committee_id", "key"),)
    id: str = Field(primary_key=True)  # "<prefix>-<key>", e.g. "lih-R15"
    committee_id: str = Field(foreign_key="committee.id", index=True)
    key: str  # as the committee file names it, e.g. "R15"
    recommendation_id: int = Field(foreign_key="recommendation.id")
    title: str
    theme: str
    interval_months: int = 12
    last_taken: dt.date
    last_heard_summary: str = ""
    last_heard_from: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    first_update_taken: bool = False
    respondents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    first_update_topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    standing_topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    repeat_topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cc: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    pinned_meeting_id: str | None = Field(default=None, foreign_key="meeting.id")


class Meeting(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("committee_id", "ics_uid"),)
    id: str = Field(primary_key=True)  # "<prefix>-<date it was first planned for>"
    committee_id: str = Field(foreign_key="committee.id", index=True)
    date: dt.date = Field(index=True)
    start_time: dt.time
    end_time: dt.time | None = None
    venue: str
    title: str
    cancelled: bool = False
    ics_uid: str | None = None
    source: str = "config"  # config, ics, pattern (provisional), officer
    minutes_path: str | None = None  # the approved-for-agreement minutes, appended to the next meeting's pack
    minutes_sha256: str | None = None


class AgendaItem(SQLModel, table=True):
    """A substantive item. An annual-update item is unique per commitment and cycle (its due date)."""

    __table_args__ = (UniqueConstraint("commitment_id", "cycle_due_date"),)
    id: int | None = Field(default=None, primary_key=True)
    committee_id: str = Field(foreign_key="committee.id", index=True)
    meeting_id: str | None = Field(default=None, foreign_key="meeting.id", index=True)
    commitment_id: str | None = Field(default=None, foreign_key="commitment.id", index=True)
    cycle_due_date: dt.date | None = None
    title: str
    source: str
    reason: str = ""
    pinned: bool = False
    first_update: bool = False
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    presenters: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    needs_replanning: bool = False
    removed: bool = False  # an officer took a one-off item off the agenda; its history stays


class Letter(SQLModel, table=True):
    """One letter to one organisation for one meeting, covering all its items there.

    Sequence 1 is the request letter; an item added after it went out gets a supplementary
    letter (sequence 2, 3, ...). A new version is written when the meeting moves.
    """

    __table_args__ = (UniqueConstraint("meeting_id", "organisation_id", "sequence"),)
    id: str = Field(primary_key=True)  # "<meeting id>-<organisation>[-<sequence>]"; the printed reference
    committee_id: str = Field(foreign_key="committee.id", index=True)
    meeting_id: str = Field(foreign_key="meeting.id", index=True)
    organisation_id: str = Field(foreign_key="organisation.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    sequence: int = 1
    version: int = 0  # 0 until the first version is written
    issued_on: dt.date | None = None
    meeting_date: dt.date | None = None  # the meeting date the latest version states
    due_date: dt.date | None = None  # the due date the latest version states
    needs_reissue: bool = False  # the meeting moved after it went out: a new version is owed


class Request(SQLModel, table=True):
    """A request for written evidence: one per respondent organisation per agenda item."""

    __table_args__ = (UniqueConstraint("agenda_item_id", "organisation_id"),)
    id: str = Field(primary_key=True)
    committee_id: str = Field(foreign_key="committee.id", index=True)
    agenda_item_id: int = Field(foreign_key="agendaitem.id", index=True)
    organisation_id: str = Field(foreign_key="organisation.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    meeting_id: str = Field(foreign_key="meeting.id", index=True)
    letter_id: str | None = Field(default=None, foreign_key="letter.id", index=True)  # the letter now covering it
    status: str = Field(default=RequestStatus.PLANNED, index=True)
    letter_window_opens: dt.date
    request_by_date: dt.date
    due_date: dt.date
    issued_on: dt.date | None = None
    received_on: dt.date | None = None


class LetterRequest(SQLModel, table=True):
    """Which requests each letter asked for: the history of a request's letters."""

    letter_id: str = Field(foreign_key="letter.id", primary_key=True)
    request_id: str = Field(foreign_key="request.id", primary_key=True, index=True)


class StatusChange(SQLModel, table=True):
    """Every change of a request's status, with when and why (``responses history``)."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(foreign_key="request.id", index=True)
    at: dt.datetime = Field(default_factory=_utcnow, sa_type=DateTime(timezone=True))
    as_of: dt.date
    old_status: str | None = None
    new_status: str
    cause: str  # planned, letter, chaser, response, withdrawal, re-timing
    detail: str = ""


class Response(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(foreign_key="request.id", index=True)
    path: str  # relative to SCRUTINY_HOME
    sha256: str
    original_name: str
    kind: str = "docx"  # docx or pdf
    received_on: dt.date
    source: str = "officer"  # officer, inbox, imap
    message_id: str | None = None
    recorded_at: dt.datetime = Field(default_factory=_utcnow, sa_type=DateTime(timezone=True))


class InboundMessage(SQLModel, table=True):
    """An e-mail or dropped file seen by ``responses collect``: each is taken once."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True)
    source: str  # imap or inbox
    letter_id: str | None = Field(default=None, foreign_key="letter.id")
    outcome: str  # recorded, duplicate, unmatched, refused
    detail: str = ""
    seen_at: dt.datetime = Field(default_factory=_utcnow, sa_type=DateTime(timezone=True))


class Reminder(SQLModel, table=True):
    """A chaser sent: at most one of each kind per letter and due date (a moved meeting restarts the ladder)."""

    __table_args__ = (UniqueConstraint("letter_id", "kind", "due_date"),)
    id: int | None = Field(default=None, primary_key=True)
    letter_id: str = Field(foreign_key="letter.id", index=True)
    kind: str
    due_date: dt.date
    sent_on: dt.date
    document_id: int | None = Field(default=None, foreign_key="document.id")


class Document(SQLModel, table=True):
    """Every file the product wrote, with its hash, so nothing is produced twice."""

    __table_args__ = (UniqueConstraint("path"),)
    id: int | None = Field(default=None, primary_key=True)
    committee_id: str | None = Field(default=None, foreign_key="committee.id", index=True)
    kind: str
    path: str  # relative to SCRUTINY_HOME
    sha256: str
    letter_id: str | None = Field(default=None, foreign_key="letter.id", index=True)
    meeting_id: str | None = Field(default=None, foreign_key="meeting.id")
    version: int = 1
    created_at: dt.datetime = Field(default_factory=_utcnow, sa_type=DateTime(timezone=True))


class Delivery(SQLModel, table=True):
    """One recipient of one document's e-mail: sent at most once, whatever retries or runs at once."""

    __table_args__ = (UniqueConstraint("document_id", "address"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    address: str
    name: str = ""
    role: str = "to"  # to, cc, member
    state: str = Field(default="pending", index=True)  # pending, sending, sent
    claim: str = ""  # "<host>|<pid>|<process start>|<token>" while a worker is sending (services/claims.py)
    channel: str = ""
    location: str = ""
    message_id: str = ""
    sent_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Pack(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: str = Field(foreign_key="meeting.id", index=True)
    version: int
    supplementary: bool = False
    docx_path: str  # relative to SCRUTINY_HOME
    pdf_path: str | None = None
    sha256: str
    included_responses: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    included_minutes: bool = False
    created_on: dt.date
    document_id: int | None = Field(default=None, foreign_key="document.id")
