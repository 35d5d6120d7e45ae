"""What the agenda-pack templates may use, and sample data to preview them with.

``front_sheet.docx`` and ``cover_sheet.docx`` are rendered with the plain dicts built by
``scrutiny.pack.context``; the names below are checked against those dicts by the tests, so
the template checker cannot drift from what the assembler actually passes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from scrutiny.pack.context import cover_sheet_context, front_sheet_context, included_items
from scrutiny.pack.spec import PackItem, PackResponse, PackSpec, Presenter, standard_agenda

_COMMON: dict[str, str] = {
    "council_name": "The council, e.g. “London Borough of Hackney”.",
    "committee_name": "The committee, e.g. “Living in Hackney Scrutiny Commission”.",
    "meeting_title": "The meeting's title.",
    "meeting_date": "The meeting's date, e.g. “Monday 9 December 2024”.",
    "supplementary": "True for a supplementary agenda.",
    "supplementary_of": "The pack version a supplementary agenda adds to; empty otherwise.",
    "supplementary_number": "Which supplementary agenda this is (1, 2, …); empty for the original pack.",
    "original_publication_date": "Supplementary agenda only: the day the original agenda pack was published, "
    "e.g. “Friday 15 January 2027”.",
}

FRONT_SHEET_VARIABLES: dict[str, str] = {
    **_COMMON,
    "start_time": "The start time as given, e.g. “7.00 pm”.",
    "venue": "Where the meeting is held.",
    "members": "Member names, the Chair marked. A list: e.g. `{{ members | join(', ') }}`.",
    "contact_officer": "The contact officer's name.",
    "contact_email": "The contact officer's e-mail address.",
    "publication_date": "The day the pack is published (the day it is made), e.g. “Friday 29 November 2024”.",
    "statutory_publication_date": "The last day the pack could lawfully be published (five clear working days "
    "before the meeting); empty if not known.",
    "late_publication_warning": "One line when the pack is published after its statutory publication date "
    "(the late items need the Chair's agreement as urgent business); empty otherwise.",
    "version": "The pack's version number (1 for the first pack).",
    "items": "The numbered agenda items (`item.number`, `item.title`, `item.purpose`, `item.presenters` (one "
    "line each, “Name, role (Organisation)”), "
    "`item.source`, `item.pages`, `item.to_follow`, `item.responses`). A list: loop with `{%tr for item in items %}`.",
    "still_to_follow": "Supplementary agenda only: one line per document still not received.",
}

COVER_SHEET_VARIABLES: dict[str, str] = {
    **_COMMON,
    "number": "The agenda item number.",
    "title": "The item title (keep it in the first Heading 1 paragraph).",
    "purpose": "What the item is for.",
    "presenters": "Who presents, one “Name, role (Organisation)” line each. A list: loop with "
    "`{%p for p in presenters %}`.",
    "source": "Where the item comes from, e.g. “Recommendation 15 of the 2019 Serious Violence review”.",
    "responses": "The written responses (`r.organisation`, `r.to_follow`, `r.received_on`). "
    "A list: loop with `{%p for r in responses %}`.",
}


def sample_pack_spec() -> PackSpec:
    """A Living in Hackney pack with one response received and one to follow (for previews)."""
    item = PackItem(
        title="Stop and search annual update",
        kind="substantive",
        purpose="To receive the annual update on stop and search and the engagement with the monitoring groups.",
        presenters=[
            Presenter("Chief Superintendent James Conway", "Central East BCU Commander", "Metropolitan Police")
        ],
        source="Recommendation 15 of the 2019 Serious Violence review",
        responses=[
            # The preview never opens the document: the front and cover sheets only list it.
            PackResponse("Metropolitan Police Service", Path("response.docx"), date(2027, 1, 6)),
            PackResponse("Mayor's Office for Policing and Crime (MOPAC)"),
        ],
    )
    return PackSpec(
        committee_name="Living in Hackney Scrutiny Commission",
        council_name="London Borough of Hackney",
        meeting_title="Living in Hackney Scrutiny Commission",
        meeting_date=date(2027, 1, 25),
        start_time_text="7.00 pm",
        venue="Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA",
        members=["Cllr Sharon Patrick (Chair)", "Cllr Sade Etti (Vice Chair)", "Cllr Michelle Gregory"],
        contact_officer="Tracey Anderson, Overview and Scrutiny Officer",
        contact_email="tracey.anderson@hackney.example",
        published_on=date(2027, 1, 15),
        statutory_publication_date=date(2027, 1, 15),
        items=standard_agenda([item], previous_meeting_date=date(2026, 11, 16)),
    )


def sample_front_sheet_data() -> dict[str, Any]:
    spec = sample_pack_spec()
    pages = {entry.number: str(entry.number + 1) for entry in included_items(spec)}
    return front_sheet_context(spec, pages)


def sample_cover_sheet_data() -> dict[str, Any]:
    spec = sample_pack_spec()
    entry = next(e for e in included_items(spec) if e.item.kind == "substantive")
    return cover_sheet_context(spec, entry)
