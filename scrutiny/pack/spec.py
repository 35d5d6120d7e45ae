"""What goes into an agenda pack: plain data the assembler renders (no database, no Prefect)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from scrutiny.errors import ScrutinyError

ItemKind = Literal["standard", "substantive"]
# Which standard item this is, so the assembler knows where the minutes and the work
# programme table go without matching on titles an officer may reword.
StandardRole = Literal["apologies", "urgent", "declarations", "minutes", "work_programme", "aob"]


@dataclass(frozen=True)
class PackResponse:
    """One written response to an item; ``document=None`` means not yet received ("to follow").

    ``document`` is a Word ``.docx`` (appended to both packs) or a ``.pdf`` (inserted into the
    PDF pack; the DOCX pack shows a page naming it).
    """

    organisation: str
    document: Path | None = None
    received_on: date | None = None

    @property
    def to_follow(self) -> bool:
        return self.document is None

    @property
    def is_pdf(self) -> bool:
        return self.document is not None and self.document.suffix.lower() == ".pdf"


@dataclass(frozen=True)
class Presenter:
    """Who presents an item; printed "Name, role (Organisation)", leaving out what is empty."""

    name: str
    role: str = ""
    organisation: str = ""

    @property
    def text(self) -> str:
        person = ", ".join(part for part in (self.name.strip(), self.role.strip()) if part)
        organisation = self.organisation.strip()
        if person and organisation and organisation not in person:
            return f"{person} ({organisation})"
        return person or organisation


@dataclass(frozen=True)
class PackItem:
    title: str
    kind: ItemKind
    purpose: str = ""
    # Free text (e.g. from ``--presenter``) or a Presenter composed from the contact's data.
    presenters: list[str | Presenter] = field(default_factory=list)
    source: str = ""  # e.g. "Recommendation 15 of the 2019 Serious Violence review"
    responses: list[PackResponse] = field(default_factory=list)
    role: StandardRole | None = None  # set on the items standard_agenda() makes


WorkProgrammeStatus = Literal["this meeting", "planned", "held", "cancelled"]


@dataclass(frozen=True)
class WorkProgrammeRow:
    """One item of the municipal year's work programme, or (``item=None``) a meeting with no items.

    ``status`` is normally one of :data:`WorkProgrammeStatus`; ``requests`` summarises the
    item's requests for written evidence, e.g. "2 of 3 responses received" (empty: none).
    """

    meeting_date: date
    item: str | None
    source: str = ""
    status: str = ""
    requests: str = ""
    meeting_cancelled: bool = False


@dataclass(frozen=True)
class PackSpec:
    """Everything the front sheet, cover sheets and appended documents need.

    ``items`` is the whole agenda in order (item numbers are positions from 1), normally
    built with :func:`standard_agenda`. For a supplementary pack (``supplementary_of`` set)
    keep the same ``items`` so numbers match the original pack, but give each item only the
    responses received since that pack (received ones are added; ``document=None`` ones are
    listed as still to follow), and ``previous_minutes`` only if they were to follow before.

    ``published_on`` is the day the pack is made (printed on the front sheet);
    ``statutory_publication_date`` is the last day it could lawfully be published (five clear
    working days before the meeting), used for the late-publication warning. A supplementary
    pack names itself by ``supplementary_number`` (1 for the first) and the day the original
    pack was published, ``original_published_on``.
    """

    committee_name: str
    council_name: str
    meeting_title: str
    meeting_date: date
    start_time_text: str
    venue: str
    members: list[str]  # Chair marked, e.g. "Cllr Sharon Patrick (Chair)"
    contact_officer: str
    contact_email: str
    published_on: date
    items: list[PackItem]
    previous_minutes: Path | None = None
    work_programme: list[WorkProgrammeRow] = field(default_factory=list)
    supplementary_of: int | None = None  # the pack version this one supplements
    version: int = 1
    statutory_publication_date: date | None = None
    original_published_on: date | None = None  # supplementary only: when the original pack came out
    supplementary_number: int | None = None  # supplementary only: 1, 2, ... (default: version - 1)
    municipal_year: str = ""  # e.g. "2026/27", heads the work programme

    @property
    def is_supplementary(self) -> bool:
        return self.supplementary_of is not None

    @property
    def supplementary_sequence(self) -> int | None:
        if not self.is_supplementary:
            return None
        return self.supplementary_number if self.supplementary_number is not None else self.version - 1


_APOLOGIES = PackItem("Apologies for absence", "standard", "To receive apologies for absence.", role="apologies")
_URGENT = PackItem(
    "Urgent items / order of business",
    "standard",
    "To consider any new or urgent items and the order of business.",
    role="urgent",
)
_DECLARATIONS = PackItem(
    "Declarations of interest",
    "standard",
    "Members are asked to declare any disclosable pecuniary or other registrable interests in items on this agenda.",
    role="declarations",
)
_WORK_PROGRAMME = PackItem(
    "Work programme",
    "standard",
    "To note the work programme for the municipal year and agree any changes.",
    role="work_programme",
)
_AOB = PackItem(
    "Any other business",
    "standard",
    "To consider any other business which the Chair considers urgent.",
    role="aob",
)


def standard_agenda(substantive: list[PackItem], *, previous_meeting_date: date | None = None) -> list[PackItem]:
    """The whole agenda in order: the three opening items, ``substantive``, then minutes,
    work programme and any other business."""
    for item in substantive:
        if item.kind != "substantive":
            raise ScrutinyError(
                f"agenda item '{item.title}': standard_agenda() takes substantive items only, got kind '{item.kind}'"
            )
    if previous_meeting_date is None:
        minutes_purpose = "To agree the minutes of the previous meeting as a correct record."
    else:
        minutes_purpose = (
            f"To agree the minutes of the meeting held on {previous_meeting_date.day} "
            f"{previous_meeting_date:%B %Y} as a correct record."
        )
    minutes = PackItem("Minutes of the previous meeting", "standard", minutes_purpose, role="minutes")
    return [_APOLOGIES, _URGENT, _DECLARATIONS, *substantive, minutes, _WORK_PROGRAMME, _AOB]
