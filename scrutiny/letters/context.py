"""Everything a letter template may use, as validated, immutable data.

The templates see these models as plain nested data (see ``render.py``): an officer writes
``{{ addressee.name }}`` or loops ``{%p for item in requests %}``. ``TEMPLATE_VARIABLES`` is
generated from the field descriptions below, so the template checker and the user
documentation can never drift from what a template is actually given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from scrutiny.errors import ScrutinyError

LetterKind = Literal["request", "reminder", "overdue", "escalation"]
LETTER_KINDS: tuple[LetterKind, ...] = ("request", "reminder", "overdue", "escalation")

# XML 1.0 cannot carry most control characters: a value containing one would corrupt the DOCX.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A value that looks like a template tag would survive rendering literally and be
# indistinguishable from a tag the template failed to render.
_TAG_MARKERS = ("{{", "}}", "{%", "%}", "{#", "#}")
_EMAIL = re.compile(r"^[^@\s<>,;\"']+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def _clean_text(value: str) -> str:
    if _CONTROL_CHARS.search(value):
        raise ValueError("contains a control character")
    for marker in _TAG_MARKERS:
        if marker in value:
            raise ValueError(f"contains {marker!r}, which is reserved for template tags")
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


Text = Annotated[str, Field(min_length=1), AfterValidator(_clean_text)]
OptionalText = Annotated[str, AfterValidator(_clean_text)]
Email = Annotated[str, AfterValidator(_email)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Letterhead(_Model):
    department: Text = Field("Overview & Scrutiny", description="First letterhead line, e.g. “Overview & Scrutiny”.")
    committee_name: Text = Field(description="The committee writing, e.g. “Living in Hackney Scrutiny Commission”.")
    council_name: Text = Field(description="The council, e.g. “Hackney Council”.")
    address_lines: list[Text] = Field(
        description="The council's postal address, one line per item "
        "(“Room 118”, “Town Hall”, “Mare St E8 1EA”). A list: loop with `{%p for line in "
        "letterhead.address_lines %}`."
    )
    reply_to_name: Text = Field(description="The scrutiny officer who handles replies.")
    reply_to_role: Text = Field(
        "Overview and Scrutiny Officer",
        description="The officer's job title, used where the officer signs (chasers).",
    )
    reply_to_email: Email = Field(description="The officer's e-mail address (“Reply to:”).")


class Addressee(_Model):
    name: Text = Field(description="The person written to, e.g. “James Conway”.")
    title: OptionalText = Field("", description="Their role, e.g. “Central East BCU Commander”; may be empty.")
    organisation: Text = Field(description="Their organisation, e.g. “Metropolitan Police Service”.")
    address_lines: list[Text] = Field(
        default_factory=list,
        description="Their postal address, one line per item; may be empty for e-mail only. "
        "A list: loop with `{%p for line in addressee.address_lines %}`.",
    )
    email: Email = Field(description="Their e-mail address.")

    @field_validator("title", mode="before")
    @classmethod
    def _blank_title(cls, value: object) -> object:
        # Contacts without a recorded role come through as None.
        return "" if value is None else value


class Review(_Model):
    title: Text = Field(description="The scrutiny review that made the recommendation.")
    year: int = Field(ge=1990, le=2100, description="The year the review reported, e.g. 2019.")


class Recommendation(_Model):
    number: int = Field(ge=1, description="The recommendation's number in the review, e.g. 15.")
    title: Text = Field(description="The recommendation's heading as worded in the review.")
    text: Text = Field(description="The recommendation's text as worded in the review.")


class Meeting(_Model):
    date_text: Text = Field(description="The meeting that will discuss the response, e.g. “Monday 8 December 2025”.")
    time_text: Text = Field(description="Its start time, e.g. “7.00 pm”.")
    venue: Text = Field(description="Where it is held, e.g. “Council Chamber, Hackney Town Hall”.")


class Chair(_Model):
    name: Text = Field(description="The Chair who signs request letters, e.g. “Cllr Sharon Patrick”.")
    role_line: Text = Field(
        description="The line under the Chair's name, e.g. “Chair of the Living in Hackney "
        "Scrutiny Commission at London Borough of Hackney”."
    )


class LetterContext(_Model):
    """The whole context of one letter. ``model_dump()`` is what a template receives."""

    kind: LetterKind = Field(description="Which letter this is: `request`, `reminder`, `overdue` or `escalation`.")
    letterhead: Letterhead = Field(description="The letterhead block (sender details).")
    letter_date: Text = Field(description="The date printed on the letter, e.g. “10 October 2025”.")
    reference: Text = Field(description="Our reference for the request, printed in the footer.")
    addressee: Addressee = Field(description="Who the letter is addressed to.")
    salutation: Text = Field(description="The greeting line, e.g. “Dear James Conway”.")
    review: Review = Field(description="The review that made the recommendation.")
    recommendation: Recommendation = Field(description="The recommendation being followed up.")
    first_update: bool = Field(description="True when this is the first annual update under the recommendation.")
    last_heard: Text | None = Field(
        None,
        description="When the Commission last took this update, e.g. “9 December 2024”; "
        "empty for a first update. Test with `{%p if last_heard %}`.",
    )
    request_date_text: Text | None = Field(
        None,
        description="The date of the original request letter (used by chasers); may be empty.",
    )
    context_paragraphs: list[Text] = Field(
        default_factory=list,
        description="Background paragraphs for this request. A list: loop with "
        "`{%p for paragraph in context_paragraphs %}`.",
    )
    requests: list[Text] = Field(
        min_length=1,
        description="The numbered “Our request” items. A list: loop with "
        "`{%p for item in requests %}` in a numbered-list paragraph.",
    )
    meeting: Meeting = Field(description="The meeting at which the written response is discussed.")
    response_due_text: Text = Field(description="When the written response is due, e.g. “Friday 21 November 2025”.")
    respond_to_email: Email = Field(description="Where to send the written response.")
    chair: Chair = Field(description="The Chair of the committee.")
    cc: list[Text] = Field(
        default_factory=list,
        description="People copied in, one “Name, role (organisation)” per item; an "
        "escalation lists the Chair first. A list: loop with `{%p for person in cc %}`.",
    )
    days_overdue: int | None = Field(
        None,
        ge=1,
        description="Calendar days since the response due date (overdue and escalation letters only; empty otherwise).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> LetterContext:
        chaser_after_due = self.kind in ("overdue", "escalation")
        if chaser_after_due and self.days_overdue is None:
            raise ValueError(f"{self.kind} letters need days_overdue")
        if not chaser_after_due and self.days_overdue is not None:
            raise ValueError(f"{self.kind} letters cannot have days_overdue")
        return self

    def template_data(self) -> dict[str, object]:
        """The plain data a template sees: dicts, lists, strings and numbers only.

        Plain data keeps pydantic's own methods out of the template's reach.
        """
        return self.model_dump(mode="json")


def context_from_data(data: Mapping[str, object], *, source: str) -> LetterContext:
    """Validate letter data; a problem becomes a one-line ScrutinyError naming ``source``
    (for example "request 12") and the first offending field."""
    try:
        return LetterContext.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "letter"
        more = exc.error_count() - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ScrutinyError(f"letter data for {source}: {where}: {message}{extra}") from None


def _model_of(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _collect(model: type[BaseModel], prefix: str, out: dict[str, str]) -> None:
    for name, field in model.model_fields.items():
        dotted = f"{prefix}{name}"
        out[dotted] = field.description or ""
        nested = _model_of(field.annotation)
        if nested is not None:
            _collect(nested, f"{dotted}.", out)


def _template_variables() -> dict[str, str]:
    out: dict[str, str] = {}
    _collect(LetterContext, "", out)
    return out


TEMPLATE_VARIABLES: dict[str, str] = _template_variables()
"""Dotted variable name -> description, for every value a template may use."""


def template_variables_markdown() -> str:
    """The Markdown table of template variables pasted into the README."""
    rows = ["| Variable | Meaning |", "| --- | --- |"]
    for name, description in TEMPLATE_VARIABLES.items():
        cell = description.replace("|", "\\|")
        rows.append(f"| `{name}` | {cell} |")
    return "\n".join(rows) + "\n"


# --------------------------------------------------------------------------------------
# Sample data: the template checker's preview and the tests use it. Names and roles are from
# the public documents; every e-mail address is on a reserved example domain.

_REC15_TEXT = (
    "Living in Hackney Scrutiny will seek to re-establish annual updates on stop and search "
    "activity, the engagement between the police and monitoring groups, and the outcomes of "
    "this. We hope that this can help better ensure on-going engagement."
)

_REC15_REQUESTS = [
    "We would like an overview of stop and search activity in Hackney over the last twelve "
    "months, and of the engagement between the police and the monitoring groups and what it "
    "has achieved.",
    "We would like to know the extent of body worn camera dip sampling exercises, what they "
    "have found and how the findings are shared with the monitoring groups.",
    "We would like to understand the engagement of the community in training, including how "
    "the monitoring groups and young people contribute to the stop and search training "
    "officers receive.",
    "We would like an update on Section 60 communications and consultation: how the BCU "
    "engages the monitoring groups and the community before a Section 60 authorisation is "
    "made, and how it reports back afterwards.",
]

_REC15_CONTEXT = [
    "When the Commission reviewed the Council and partnership response to the escalation in "
    "serious violence, we heard from the police and from Hackney's two stop and search "
    "monitoring groups. The monitoring groups play a vital role in holding the police to "
    "account for the use of stop and search, but their success depends on effective "
    "engagement from the police.",
    "Both monitoring groups told us that the engagement of the police before Section 60 "
    "notices were enacted fell immediately after the move to the BCU model, and the BCU "
    "acknowledged that it was working to address this. We also heard that body worn camera "
    "dip sampling exercises had only recently started.",
]

_CC = [
    "Cllr Susan Fajana-Thomas OBE, Cabinet Member for Community Safety and Regulatory "
    "Services (London Borough of Hackney)",
    "Hackney Community Stop and Search Monitoring Group",
    "Hackney Young People's Stop and Search Monitoring Group",
]

# Escalations are copied to the Chair: the caller puts the Chair first in the CC list.
_CHAIR_CC = "Cllr Sharon Patrick, Chair of the Living in Hackney Scrutiny Commission"

_LETTER_DATES: dict[LetterKind, str] = {
    "request": "10 October 2025",
    "reminder": "14 November 2025",
    "overdue": "24 November 2025",
    "escalation": "26 November 2025",
}
_DAYS_OVERDUE: dict[LetterKind, int | None] = {
    "request": None,
    "reminder": None,
    "overdue": 3,
    "escalation": 5,
}


def sample_context(kind: LetterKind = "request") -> LetterContext:
    """A realistic Living in Hackney letter: the first update under Recommendation 15."""
    if kind not in LETTER_KINDS:
        raise ValueError(f"unknown letter kind {kind!r}")
    return LetterContext(
        kind=kind,
        letterhead=Letterhead(
            committee_name="Living in Hackney Scrutiny Commission",
            council_name="Hackney Council",
            address_lines=["Room 118", "Town Hall", "Mare St E8 1EA"],
            reply_to_name="Tracey Anderson",
            reply_to_email="tracey.anderson@hackney.example",
        ),
        letter_date=_LETTER_DATES[kind],
        reference="LIH-2025-12-R15",
        addressee=Addressee(
            name="James Conway",
            title="Chief Superintendent, Central East BCU Commander",
            organisation="Metropolitan Police Service",
            address_lines=["Stoke Newington Police Station", "33 Stoke Newington High Street", "London N16 8DS"],
            email="james.conway@met.example",
        ),
        salutation="Dear James Conway",
        review=Review(
            title="Council and partnership response to escalation in serious violence",
            year=2019,
        ),
        recommendation=Recommendation(
            number=15,
            title="For the Police and Monitoring Groups to provide annual updates to Living in "
            "Hackney Scrutiny on stop and search activity, and the engagement between them",
            text=_REC15_TEXT,
        ),
        first_update=True,
        last_heard=None,
        request_date_text=None if kind == "request" else _LETTER_DATES["request"],
        context_paragraphs=list(_REC15_CONTEXT),
        requests=list(_REC15_REQUESTS),
        meeting=Meeting(
            date_text="Monday 8 December 2025",
            time_text="7.00 pm",
            venue="Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA",
        ),
        response_due_text="Friday 21 November 2025",
        respond_to_email="scrutiny@hackney.example",
        chair=Chair(
            name="Cllr Sharon Patrick",
            role_line="Chair of the Living in Hackney Scrutiny Commission at London Borough of Hackney",
        ),
        cc=([_CHAIR_CC] if kind == "escalation" else []) + list(_CC),
        days_overdue=_DAYS_OVERDUE[kind],
    )


__all__ = [
    "LETTER_KINDS",
    "TEMPLATE_VARIABLES",
    "context_from_data",
    "Addressee",
    "Chair",
    "LetterContext",
    "LetterKind",
    "Letterhead",
    "Meeting",
    "Recommendation",
    "Review",
    "sample_context",
    "template_variables_markdown",
]
