"""The shape of a committee configuration file (YAML)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from scrutiny.config.pattern import MeetingPattern
from scrutiny.dates import in_range, range_problem
from scrutiny.timetable import TimetableRules


def _council_day(value: dt.date) -> dt.date:
    if not in_range(value):
        raise ValueError(range_problem(value))
    return value


# A day the workflow can compute with (dates near 0001 or 9999 would overflow its date rules).
CouncilDate = Annotated[dt.date, AfterValidator(_council_day)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Strict):
    name: str = Field(min_length=1)
    role: str = ""
    email: str = ""

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str) -> str:
        if value and ("@" not in value or value.startswith("@") or value.endswith("@") or " " in value):
            raise ValueError(f"not an e-mail address: {value!r}")
        return value


class Member(_Strict):
    name: str = Field(min_length=1)
    role: str = "Member"
    email: str = ""


class Contact(Person):
    # A contact known only by a role ("Chair") is written to as "the Chair of <organisation>".
    name: str = ""
    salutation: str = ""

    @model_validator(mode="after")
    def _named(self) -> Self:
        if not self.name.strip() and not self.role.strip():
            raise ValueError("a contact needs a name or a role")
        return self


class CcPerson(Person):
    """Someone copied in who is not an organisation's contact, e.g. an officer of another body."""

    organisation: str = ""


# A CC entry is an organisation ID (its current contact is copied), a person written out with
# an address, or a line of text (printed on the letter, not e-mailed).
CcEntry = str | CcPerson
_ORGANISATION_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class Organisation(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1)
    # How the organisation is named in CC lines and running text, e.g. "Central East BCU".
    short_name: str = ""
    address: list[str] = []
    contact: Contact
    # Copied on every letter to this organisation.
    cc: list[CcEntry] = []
    active_from: CouncilDate | None = None
    active_until: CouncilDate | None = None
    succeeded_by: str | None = None
    note: str = ""


class Recommendation(_Strict):
    number: int = Field(ge=1)
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)


class Review(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    year: int
    recommendations: list[Recommendation]

    @model_validator(mode="after")
    def _unique_numbers(self) -> Self:
        numbers = [r.number for r in self.recommendations]
        if len(numbers) != len(set(numbers)):
            raise ValueError(f"review {self.id}: recommendation numbers repeat")
        return self


class Commitment(_Strict):
    key: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")
    title: str
    theme: str = "general"
    review: str
    recommendation: int
    respondents: list[str] = Field(min_length=1)
    first_update_topics: list[str] = []
    standing_topics: list[str] = Field(min_length=1)
    # Asked from the second update on, e.g. "progress on the points the Commission raised at its last update."
    repeat_topics: list[str] = []
    last_taken: CouncilDate
    last_heard_summary: str = ""
    # The organisations that gave the update last time: only they are thanked for it.
    last_heard_from: list[str] = []
    first_update_taken: bool = False
    interval_months: int = Field(default=12, ge=1, le=60)
    # Copied on every letter asking for this update.
    cc: list[CcEntry] = []


class MeetingEntry(_Strict):
    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")
    date: CouncilDate
    start: dt.time | None = None
    venue: str | None = None
    title: str | None = None


class CommitteeInfo(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    # Every ID of this committee starts with it (meeting "lih-2027-01-25"); default: the short name.
    prefix: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9]{0,9}$")
    name: str
    short_name: str
    council: str
    department: str = "Overview & Scrutiny"
    letterhead_name: str = Field(min_length=1)
    # The domain of calendar UIDs and e-mail Message-IDs; default "<id>.scrutiny.example".
    uid_domain: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]*\.[a-z0-9-]+$")
    address: list[str]
    default_venue: str
    default_start: dt.time = dt.time(19, 0)
    meeting_minutes: int = Field(default=150, ge=15, le=600)
    max_substantive_items: int = Field(default=3, ge=1, le=20)
    # A recurring item may go on a meeting at most this many months before it is due (and
    # only after it was last taken), so next year's update never lands weeks after this one.
    earliest_months_before_due: int = Field(default=3, ge=0, le=24)
    calendar_match: list[str] = Field(min_length=1)
    officer: Person
    chair: str
    timetable: TimetableRules = TimetableRules()
    closures: list[CouncilDate] = []
    bank_holiday_region: str = "ENG"

    @property
    def message_domain(self) -> str:
        return self.uid_domain or f"{self.id}.scrutiny.example"

    @property
    def id_prefix(self) -> str:
        return self.prefix or default_prefix(self.short_name, self.id)


class CommitteeConfig(_Strict):
    committee: CommitteeInfo
    members: list[Member] = Field(min_length=1)
    organisations: list[Organisation] = Field(min_length=1)
    reviews: list[Review] = []
    commitments: list[Commitment] = []
    meetings: list[MeetingEntry] = []
    meeting_pattern: MeetingPattern | None = None  # provisional meetings where none are listed

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        org_ids = [o.id for o in self.organisations]
        _no_repeats("organisation id", org_ids)
        for org in self.organisations:
            if org.succeeded_by and org.succeeded_by not in org_ids:
                raise ValueError(f"organisation {org.id}: succeeded_by {org.succeeded_by!r} is not an organisation")
        if self.committee.chair not in [m.name for m in self.members]:
            raise ValueError(f"committee.chair {self.committee.chair!r} is not one of the members")
        reviews = {r.id: r for r in self.reviews}
        _no_repeats("commitment key", [c.key for c in self.commitments])
        for commitment in self.commitments:
            review = reviews.get(commitment.review)
            if review is None:
                raise ValueError(f"commitment {commitment.key}: review {commitment.review!r} is not configured")
            if commitment.recommendation not in [r.number for r in review.recommendations]:
                raise ValueError(
                    f"commitment {commitment.key}: review {review.id} has no recommendation {commitment.recommendation}"
                )
            for respondent in commitment.respondents:
                if respondent not in org_ids:
                    raise ValueError(f"commitment {commitment.key}: respondent {respondent!r} is not an organisation")
            for giver in commitment.last_heard_from:
                if giver not in org_ids:
                    raise ValueError(f"commitment {commitment.key}: last_heard_from {giver!r} is not an organisation")
            _cc_resolve(f"commitment {commitment.key}", commitment.cc, org_ids)
        for org in self.organisations:
            _cc_resolve(f"organisation {org.id}", org.cc, org_ids)
        _no_repeats("meeting", [m.id or m.date.isoformat() for m in self.meetings])
        return self

    def organisation(self, org_id: str) -> Organisation:
        return next(o for o in self.organisations if o.id == org_id)

    @property
    def chair(self) -> Member:
        return next(m for m in self.members if m.name == self.committee.chair)


def default_prefix(short_name: str, committee_id: str) -> str:
    """The committee's short name in lower-case letters and digits (migration 0003 uses the same rule)."""
    prefix = re.sub(r"[^a-z0-9]", "", short_name.lower())[:10]
    return prefix if prefix[:1].isalpha() else re.sub(r"[^a-z0-9]", "", committee_id.lower())[:10] or "c"


def _cc_resolve(owner: str, entries: list[CcEntry], org_ids: list[str]) -> None:
    for entry in entries:
        if isinstance(entry, str) and _ORGANISATION_ID.match(entry) and entry not in org_ids:
            raise ValueError(f"{owner}: cc {entry!r} is not an organisation (write a person as name, role, email)")


def _no_repeats(what: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} appears twice")
        seen.add(value)
