"""Everything a letter template may use, as validated, immutable data.

A letter goes to one organisation for one meeting and has one section per agenda item it
asks about, each with its own numbered "Our request" list, as the Chair's 2021 letter to
MOPAC does. The templates see these models as plain nested data (see ``render.py``): an
officer writes ``{{ addressee.name }}`` or loops ``{%p for section in sections %}``.
``TEMPLATE_VARIABLES`` is generated from the field descriptions below, so the template
checker and the documentation can never drift from what a template is actually given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Literal, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scrutiny.errors import ScrutinyError

LetterKind = Literal["request", "supplementary", "retimed", "reminder", "overdue", "escalation"]
LETTER_KINDS: tuple[LetterKind, ...] = get_args(LetterKind)

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
        "Overview and Scrutiny Officer", description="The officer's job title, used where the officer signs (chasers)."
    )
    reply_to_email: Email = Field(description="The officer's e-mail address (“Reply to:”).")


class Addressee(_Model):
    name: Text = Field(description="The person written to, e.g. “James Conway”, or their role, “The Chair”.")
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


class Recommendation(_Model):
    number: int = Field(ge=1, description="The recommendation's number in the review, e.g. 15.")
    title: Text = Field(description="The recommendation's heading as worded in the review.")
    text: Text = Field(description="The recommendation's text as worded in the review.")
    review_title: Text = Field(description="The scrutiny review that made the recommendation.")
    review_year: int = Field(ge=1990, le=2100, description="The year the review reported, e.g. 2019.")


class Section(_Model):
    """One agenda item the letter asks about."""

    heading: Text = Field(description="The section heading, e.g. “Stop and search annual update (Recommendation 15)”.")
    recommendation: Recommendation | None = Field(
        None, description="The recommendation the item follows up; empty for a one-off item. Test with `{%p if`."
    )
    first_update: bool = Field(False, description="True when this is the first annual update under the recommendation.")
    thanks: OptionalText = Field(
        "",
        description="Thanks for this body's own last contribution, e.g. “Thank you for the update you gave the "
        "Commission on 9 December 2024.”; empty when it gave none.",
    )
    context_paragraphs: list[Text] = Field(
        default_factory=list,
        description="Background paragraphs for the item. A list: loop with "
        "`{%p for paragraph in section.context_paragraphs %}`.",
    )
    requests: list[Text] = Field(
        min_length=1,
        description="The item's numbered “Our request” list. A list: loop with `{%p for item in section.requests %}`; "
        "`{{ loop.index }}` numbers it from 1 in each section.",
    )


class Meeting(_Model):
    date_text: Text = Field(description="The meeting that will discuss the responses, e.g. “Monday 25 January 2027”.")
    time_text: Text = Field(description="Its start time, e.g. “7.00 pm”.")
    venue: Text = Field(description="Where it is held, e.g. “Council Chamber, Hackney Town Hall”.")


class Chair(_Model):
    name: Text = Field(description="The Chair who signs request letters, e.g. “Cllr Sharon Patrick”.")
    role_line: Text = Field(
        description="The line under the Chair's name, e.g. “Chair of the Living in Hackney "
        "Scrutiny Commission at London Borough of Hackney”."
    )


class LetterContext(_Model):
    """The whole context of one letter. ``template_data()`` is what a template receives."""

    kind: LetterKind = Field(
        description="Which letter this is: `request`, `supplementary` (an item added after the request letter), "
        "`retimed` (the meeting changed), `reminder`, `overdue` or `escalation`."
    )
    letterhead: Letterhead = Field(description="The letterhead block (sender details).")
    letter_date: Text = Field(description="The date printed on the letter, e.g. “23 November 2026”.")
    reference: Text = Field(description="Our reference for the letter, e.g. “lih-2027-01-25-mopac”, in the footer.")
    addressee: Addressee = Field(description="Who the letter is addressed to.")
    salutation: Text = Field(description="The greeting line, e.g. “Dear James Conway”.")
    sections: list[Section] = Field(
        min_length=1, description="One section per agenda item. A list: loop with `{%p for section in sections %}`."
    )
    change_notice: list[Text] = Field(
        default_factory=list,
        description="Paragraphs saying what changed since an earlier letter (a moved or cancelled meeting, "
        "a new due date); empty otherwise.",
    )
    previous_letter_date: Text | None = Field(
        None, description="The date of our earlier letter about this meeting (supplementary and re-timed letters)."
    )
    request_date_text: Text | None = Field(
        None, description="The date of the letter a chaser follows up, e.g. “23 November 2026”."
    )
    meeting: Meeting = Field(description="The meeting at which the written responses are discussed.")
    response_due_text: Text = Field(description="When the written response is due, e.g. “Friday 8 January 2027”.")
    respond_to_email: Email = Field(description="Where to send the written response.")
    chair: Chair = Field(description="The Chair of the committee.")
    cc: list[Text] = Field(
        default_factory=list,
        description="People copied in, one “Name, role (organisation)” per item; an escalation lists the Chair "
        "first. A list: loop with `{%p for person in cc %}`.",
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
    (for example "letter lih-2027-01-25-mopac") and the first offending field."""
    try:
        return LetterContext.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "letter"
        more = exc.error_count() - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ScrutinyError(f"letter data for {source}: {where}: {message}{extra}") from None


def _model_of(annotation: object) -> tuple[type[BaseModel] | None, bool]:
    """The model inside an annotation (``X``, ``X | None`` or ``list[X]``), and whether it is a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = get_origin(annotation)
    for arg in get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg, origin is list
    return None, False


def _collect(model: type[BaseModel], prefix: str, out: dict[str, str]) -> None:
    for name, field in model.model_fields.items():
        dotted = f"{prefix}{name}"
        out[dotted] = field.description or ""
        nested, is_list = _model_of(field.annotation)
        if nested is not None:
            # A list's items are reached through the loop variable: `section.heading` in the docs.
            _collect(nested, f"{name.removesuffix('s')}." if is_list else f"{dotted}.", out)


def _template_variables() -> dict[str, str]:
    out: dict[str, str] = {}
    _collect(LetterContext, "", out)
    return out


TEMPLATE_VARIABLES: dict[str, str] = _template_variables()
"""Dotted variable name -> description, for every value a template may use."""


def template_variables_markdown() -> str:
    """The Markdown table of template variables for the documentation."""
    rows = ["| Variable | Meaning |", "| --- | --- |"]
    for name, description in TEMPLATE_VARIABLES.items():
        cell = description.replace("|", "\\|")
        rows.append(f"| `{name}` | {cell} |")
    return "\n".join(rows) + "\n"


__all__ = [
    "LETTER_KINDS",
    "TEMPLATE_VARIABLES",
    "Addressee",
    "Chair",
    "LetterContext",
    "LetterKind",
    "Letterhead",
    "Meeting",
    "Recommendation",
    "Section",
    "context_from_data",
    "template_variables_markdown",
]
