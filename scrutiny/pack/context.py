"""Which items a pack contains, and the variables its Word templates are rendered with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from scrutiny.pack.spec import PackItem, PackResponse, PackSpec, Presenter


@dataclass(frozen=True)
class NumberedItem:
    number: int
    item: PackItem
    # The responses this pack shows for the item (a supplementary pack shows only what it adds).
    responses: list[PackResponse]
    minutes_to_follow: bool = False

    @property
    def has_cover_sheet(self) -> bool:
        return self.item.kind == "substantive" or bool(self.item.responses)


def long_date(day: date) -> str:
    """'Monday 9 December 2024', as council agendas write dates."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def included_items(spec: PackSpec) -> list[NumberedItem]:
    """The items this pack carries, numbered by their place on the whole agenda.

    A full pack carries every item. A supplementary pack carries only items with a newly
    received response, and the minutes if they are given now.
    """
    chosen: list[NumberedItem] = []
    for number, item in enumerate(spec.items, start=1):
        if not spec.is_supplementary:
            minutes_missing = item.role == "minutes" and spec.previous_minutes is None
            chosen.append(NumberedItem(number, item, list(item.responses), minutes_missing))
        elif item.role == "minutes":
            if spec.previous_minutes is not None:
                chosen.append(NumberedItem(number, item, []))
        elif any(not response.to_follow for response in item.responses):
            chosen.append(NumberedItem(number, item, list(item.responses)))
    return chosen


def to_follow_lines(spec: PackSpec) -> list[str]:
    """One line per document not yet received, for the front sheet and the caller."""
    lines: list[str] = []
    for number, item in enumerate(spec.items, start=1):
        for response in item.responses:
            if response.to_follow:
                lines.append(f"Item {number}, {item.title}: written response from {response.organisation}")
        if item.role == "minutes" and spec.previous_minutes is None and not spec.is_supplementary:
            lines.append(f"Item {number}, {item.title}")
    return lines


def presenter_lines(item: PackItem) -> list[str]:
    """One line per presenter, "Name, role (Organisation)", each person once, in order."""
    lines: list[str] = []
    for presenter in item.presenters:
        text = presenter.text if isinstance(presenter, Presenter) else " ".join(presenter.split())
        if text and text not in lines:
            lines.append(text)
    return lines


def _response_context(response: PackResponse) -> dict[str, Any]:
    return {
        "organisation": response.organisation,
        "to_follow": response.to_follow,
        "received_on": short_date(response.received_on) if response.received_on else "",
    }


def _common(spec: PackSpec) -> dict[str, Any]:
    return {
        "council_name": spec.council_name,
        "committee_name": spec.committee_name,
        "meeting_title": spec.meeting_title,
        "meeting_date": long_date(spec.meeting_date),
        "supplementary": spec.is_supplementary,
        "supplementary_of": spec.supplementary_of,
        "supplementary_number": spec.supplementary_sequence or "",
        "original_publication_date": long_date(spec.original_published_on) if spec.original_published_on else "",
    }


def front_sheet_context(spec: PackSpec, page_labels: dict[int, str], late_warning: str | None = None) -> dict[str, Any]:
    """Variables of ``front_sheet.docx``; ``page_labels`` maps item number to "7" or "7–20",
    ``late_warning`` is :func:`scrutiny.pack.publication.late_publication_warning`'s line."""
    items = []
    for entry in included_items(spec):
        # The supplementary front sheet lists only what it adds; the rest goes under "Still to follow".
        shown = [r for r in entry.responses if not (spec.is_supplementary and r.to_follow)]
        items.append(
            {
                "number": entry.number,
                "title": entry.item.title,
                "purpose": entry.item.purpose,
                "presenters": presenter_lines(entry.item),
                "source": entry.item.source,
                "responses": [_response_context(r) for r in shown],
                "to_follow": entry.minutes_to_follow,
                "pages": page_labels.get(entry.number, ""),
            }
        )
    return {
        **_common(spec),
        "start_time": spec.start_time_text,
        "venue": spec.venue,
        "members": list(spec.members),
        "contact_officer": spec.contact_officer,
        "contact_email": spec.contact_email,
        "publication_date": long_date(spec.published_on),
        "statutory_publication_date": (
            long_date(spec.statutory_publication_date) if spec.statutory_publication_date else ""
        ),
        "late_publication_warning": late_warning or "",
        "version": spec.version,
        "items": items,
        "still_to_follow": to_follow_lines(spec) if spec.is_supplementary else [],
    }


def cover_sheet_context(spec: PackSpec, entry: NumberedItem) -> dict[str, Any]:
    """Variables of ``cover_sheet.docx`` for one item."""
    return {
        **_common(spec),
        "number": entry.number,
        "title": entry.item.title,
        "purpose": entry.item.purpose,
        "presenters": presenter_lines(entry.item),
        "source": entry.item.source,
        "responses": [_response_context(r) for r in entry.responses],
    }
