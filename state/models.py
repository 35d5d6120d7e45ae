"""SQLModel tables. One row per real-world thing; unique constraints make re-runs idempotent."""

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


class Committee(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str
    short_name: str
    council: str
    config_sha256: str = ""


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
    __table_args__ = (UniqueConstraint("review_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    committee_id: str = Field(foreign_key="committee.id", index=True)
    review_id: str
    review_title: str
    review_year: int
    number: int
    title: str
    text: str


class Commitment(SQLModel, table=True):
    key: str = Field(primary_key=True)
    committee_id: str = Field(foreign_key="committee.id", index=True)
    recommendation_id: int = Field(foreign_key="recommendation.id")
    title: str
    theme: str
    interval_months: int = 12
    last_taken: dt.date
    last_heard_summary: str = ""
    first_update_taken: bool = False
    respondents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    first_update_topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    standing_topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cc: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    pinned_meeting_id: str | None = Field(default=None, foreign_key="meeting.id")


class Meeting(SQLModel, table=True):
    id: str = Field(primary_key=True)
    committee_id: str = Field(foreign_key="committee.id", index=True)
    date: dt.date = Field(index=True)
    start_time: dt.time
    end_time: dt.time | None = None
    venue: str
    title: str
    cancelled: bool = False
    ics_uid: str | None = Field(default=None, unique=True)
    source: str = "config"
    minutes_path: str | None = None  # the approved-for-agreement minutes, appended to the next meeting's pack
    minutes_sha256: str | None = None


class AgendaItem(SQLModel, table=True):
    """A substantive item. An annual-update item is unique per commitment and cycle (its due date)."""

    __table_args__ = (UniqueConstraint("commitment_key", "cycle_due_date"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: str | None = Field(default=None, foreign_key="meeting.id", index=True)
    commitment_key: str | None = Field(default=None, foreign_key="commitment.key")
    cycle_due_date: dt.date | None = None
    title: str
    source: str
    reason: str = ""
    pinned: bool = False
    first_update: bool = False
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    needs_replanning: bool = False


class Request(SQLModel, table=True):
    """A request for written evidence: one per respondent organisation per agenda item."""

    __table_args__ = (UniqueConstraint("agenda_item_id", "organisation_id"),)
    id: str = Field(primary_key=True)
    agenda_item_id: int = Field(foreign_key="agendaitem.id", index=True)
    organisation_id: str = Field(foreign_key="organisation.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    meeting_id: str = Field(foreign_key="meeting.id", index=True)
    status: str = Field(default=RequestStatus.PLANNED, index=True)
    letter_window_opens: dt.date
    request_by_date: dt.date
    due_date: dt.date
    issued_on: dt.date | None = None
    received_on: dt.date | None = None
    due_date_changed: bool = False
    claimed_by: str | None = None
    letter_version: int = 0


class Response(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(foreign_key="request.id", index=True)
    path: str
    sha256: str
    original_name: str
    received_on: dt.date
    recorded_at: dt.datetime = Field(default_factory=_utcnow, sa_type=DateTime(timezone=True))


class Reminder(SQLModel, table=True):
    """A chaser sent: at most one of each kind per request."""

    __table_args__ = (UniqueConstraint("request_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(foreign_key="request.id", index=True)
    kind: str
    sent_on: dt.date
    document_id: int | None = Field(default=None, foreign_key="document.id")


class Document(SQLModel, table=True):
    """Every file the product wrote, with its hash, so nothing is produced twice."""

    __table_args__ = (UniqueConstraint("path"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str
    path: str
    sha256: str
    channel: str = "file"
    delivery: str = ""
    request_id: str | None = Field(default=None, foreign_key="request.id", index=True)
    meeting_id: str | None = Field(default=None, foreign_key="meeting.id")
    version: int = 1
    created_at: dt.datetime = Field(default_factory=_utcnow, sa_type=DateTime(timezone=True))


class Pack(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: str = Field(foreign_key="meeting.id", index=True)
    version: int
    supplementary: bool = False
    docx_path: str
    pdf_path: str | None = None
    sha256: str
    included_responses: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    included_minutes: bool = False
    created_on: dt.date
