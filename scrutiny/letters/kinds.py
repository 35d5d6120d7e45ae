"""The facts of each kind of letter, in one table: template, title, e-mail subject, who signs, who is copied."""

from __future__ import annotations

from dataclasses import dataclass

from scrutiny.errors import ScrutinyError
from scrutiny.letters.context import LetterKind


@dataclass(frozen=True)
class LetterKindFacts:
    kind: LetterKind
    template: str  # file name in the templates folder
    title: str  # the document title (and the start of the PDF's title)
    subject: str  # the e-mail subject's middle: "<committee>: <subject> for the meeting on <date> (ref <ref>)"
    chaser: bool  # follows up an earlier letter, listing only what is still outstanding
    status_after: str | None  # the status a chaser moves each outstanding request to
    copies_chair: bool  # the Chair is copied as well as the letter's CC list


KINDS: dict[str, LetterKindFacts] = {
    facts.kind: facts
    for facts in (
        LetterKindFacts(
            "request",
            "request_letter.docx",
            "Request for written evidence",
            "request for a written update",
            False,
            None,
            False,
        ),
        LetterKindFacts(
            "supplementary",
            "request_letter.docx",
            "Further request for written evidence",
            "further request for a written update",
            False,
            None,
            False,
        ),
        LetterKindFacts(
            "retimed",
            "request_letter.docx",
            "Request for written evidence: new meeting date",
            "new date for your written update",
            False,
            None,
            False,
        ),
        LetterKindFacts(
            "reminder",
            "reminder.docx",
            "Reminder: written evidence requested",
            "reminder: written update due",
            True,
            "reminded",
            False,
        ),
        LetterKindFacts(
            "overdue",
            "overdue_notice.docx",
            "Overdue written evidence",
            "written update now overdue",
            True,
            "overdue",
            False,
        ),
        LetterKindFacts(
            "escalation",
            "escalation.docx",
            "Escalation: overdue written evidence",
            "written update overdue (copied to the Chair)",
            True,
            "escalated",
            True,
        ),
    )
}
CHASER_ORDER: tuple[LetterKind, ...] = ("reminder", "overdue", "escalation")
LETTER_TEMPLATES: tuple[str, ...] = tuple(dict.fromkeys(facts.template for facts in KINDS.values()))


def facts_for(kind: str) -> LetterKindFacts:
    try:
        return KINDS[kind]
    except KeyError:
        raise ScrutinyError(f"unknown letter kind {kind!r} (known: {', '.join(KINDS)})") from None
