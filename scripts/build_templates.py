"""Regenerate the letter templates in templates/*.docx.

Officers edit the .docx files directly in Word; this script is only for rebuilding them from
scratch (for example after the context model gains a field). Run it from the repository:

    .venv/bin/python scripts/build_templates.py [--out templates]

Each Jinja tag is written as the whole text of ONE run, so that Word keeps it together when
the surrounding wording is edited. Paragraph-level tags (``{%p for section in sections %}``)
sit in paragraphs of their own, which docxtpl removes when it renders. A letter has one
section per agenda item, each ending in its own numbered "Our request" list.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.shared import Pt
from docx.text.paragraph import Paragraph

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrutiny.documents.atomic import write_bytes_atomic  # noqa: E402
from scrutiny.documents.docx_zip import normalise_docx  # noqa: E402
from scrutiny.letters.template_styles import (  # noqa: E402
    ADDRESS,
    BUILT,
    REQUEST_ITEM,
    SIGNATURE,
    page_setup,
    style_document,
)


class Letter:
    """Building blocks. Every string below that contains a tag becomes exactly one run."""

    def __init__(self, doc: DocumentObject) -> None:
        self.doc = doc

    def para(
        self,
        *runs: str,
        style: str = "Normal",
        before: float | None = None,
        after: float | None = None,
        bold: bool = False,
        italic: bool = False,
        keep_with_next: bool = False,
    ) -> Paragraph:
        paragraph = self.doc.add_paragraph(style=style)
        for text in filter(None, runs):
            run = paragraph.add_run(text)
            run.bold = bold or None
            run.italic = italic or None
        if before is not None:
            paragraph.paragraph_format.space_before = Pt(before)
        if after is not None:
            paragraph.paragraph_format.space_after = Pt(after)
        if keep_with_next:
            paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def tag(self, tag: str) -> None:
        """A paragraph-level tag such as ``{%p endfor %}``: its own paragraph, one run."""
        self.para(tag, after=0)

    def loop(self, header: str, body: str, style: str) -> None:
        self.tag(f"{{%p for {header} %}}")
        self.para(body, style=style)
        self.tag("{%p endfor %}")

    def letterhead(self) -> None:
        self.para("{{ letterhead.department }}", style="Heading 1")
        self.para("{{ letterhead.committee_name }}", style="Heading 2")
        self.para("{{ letterhead.council_name }}", style=ADDRESS)
        self.loop("line in letterhead.address_lines", "{{ line }}", ADDRESS)
        self.para("Reply to: ", "{{ letterhead.reply_to_email }}", before=12)
        self.para("{{ letter_date }}", before=6)
        self.para("{{ addressee.name }}", style=ADDRESS, before=6)
        self.tag("{%p if addressee.title %}")
        self.para("{{ addressee.title }}", style=ADDRESS)
        self.tag("{%p endif %}")
        self.para("{{ addressee.organisation }}", style=ADDRESS)
        self.loop("line in addressee.address_lines", "{{ line }}", ADDRESS)
        self.para("By e-mail: ", "{{ addressee.email }}", style=ADDRESS)
        self.para("{{ salutation }}", before=18)

    def subject(self, *runs: str) -> None:
        self.para(*runs, style="Heading 2", before=6)

    def change_notice(self) -> None:
        self.tag("{%p for paragraph in change_notice %}")
        self.para("{{ paragraph }}", bold=True)
        self.tag("{%p endfor %}")

    def sections(self, *, full: bool) -> None:
        """One section per item: heading, (for a request letter) context, then "Our request"."""
        self.tag("{%p for section in sections %}")
        self.para("{{ section.heading }}", style="Heading 3", before=12, keep_with_next=True)
        if full:
            self.tag("{%p if section.thanks %}")
            self.para("{{ section.thanks }}")
            self.tag("{%p endif %}")
            self.tag("{%p if section.recommendation %}")
            self.para(
                "In ",
                "{{ section.recommendation.review_year }}",
                " the Commission's review, “",
                "{{ section.recommendation.review_title }}",
                "”, made this recommendation:",
                keep_with_next=True,
            )
            self.para(
                "Recommendation ",
                "{{ section.recommendation.number }}",
                " – ",
                "{{ section.recommendation.title }}",
                style="Quote",
                bold=True,
                keep_with_next=True,
            )
            self.para("{{ section.recommendation.text }}", style="Quote", after=12)
            self.tag("{%p endif %}")
            self.loop("paragraph in section.context_paragraphs", "{{ paragraph }}", "Normal")
        self.para("Our request", style="Heading 3", italic=True, keep_with_next=True)
        self.loop("item in section.requests", "{{ loop.index }}. {{ item }}", REQUEST_ITEM)
        self.tag("{%p endfor %}")

    def written_to_you(self) -> None:
        """The chasers' opening: when we asked, and what is still outstanding."""
        self.tag("{%p if request_date_text %}")
        self.para(
            "On ",
            "{{ request_date_text }}",
            " the Chair wrote to you on behalf of the Commission asking for written evidence for its meeting on ",
            "{{ meeting.date_text }}",
            ". We have not yet received a response on the items below.",
        )
        self.tag("{%p else %}")
        self.para(
            "The Chair recently wrote to you on behalf of the Commission asking for written evidence for its "
            "meeting on ",
            "{{ meeting.date_text }}",
            ". We have not yet received a response on the items below.",
        )
        self.tag("{%p endif %}")

    def sign_off(self, *, by_chair: bool) -> None:
        self.para("Yours sincerely", before=6, after=42, keep_with_next=True)
        if by_chair:
            self.para("{{ chair.name }}", style=SIGNATURE)
            self.para("{{ chair.role_line }}", style=SIGNATURE)
        else:
            self.para("{{ letterhead.reply_to_name }}", style=SIGNATURE)
            self.para("{{ letterhead.reply_to_role }}", ", ", "{{ letterhead.committee_name }}", style=SIGNATURE)

    def on_behalf_of_chair(self) -> None:
        self.para("On behalf of ", "{{ chair.name }}", ", ", "{{ chair.role_line }}", style=ADDRESS, before=0)

    def cc(self) -> None:
        self.tag("{%p if cc %}")
        self.para("CC", bold=True, before=24, after=2, keep_with_next=True)
        self.loop("person in cc", "{{ person }}", ADDRESS)
        self.tag("{%p endif %}")


MEETING = ("{{ meeting.date_text }}", " at ", "{{ meeting.time_text }}", " in ", "{{ meeting.venue }}")


def request_letter(letter: Letter) -> None:
    letter.subject("Written evidence for the meeting on ", "{{ meeting.date_text }}")
    letter.change_notice()
    letter.tag('{%p if kind == "supplementary" %}')
    letter.para(
        "Further to my letter of ",
        "{{ previous_letter_date }}",
        ", the Commission has added the item below to the agenda of that meeting, and I am writing to ask for "
        "your written evidence on it too.",
    )
    letter.tag('{%p elif kind == "retimed" %}')
    letter.para(
        "I wrote to you on ",
        "{{ previous_letter_date }}",
        " asking for written evidence. I am writing again so that you have the new date; the requests are "
        "repeated below for ease of reference.",
    )
    letter.tag("{%p else %}")
    letter.para(
        "I am writing on behalf of the ",
        "{{ letterhead.committee_name }}",
        " to ask for your written evidence for its meeting on ",
        "{{ meeting.date_text }}",
        ". Each item below ends with the Commission's requests.",
    )
    letter.tag("{%p endif %}")
    letter.sections(full=True)
    letter.para(
        "The Commission will discuss the written responses at its meeting on ",
        *MEETING,
        ", and we would be grateful if you or a colleague could attend. To help manage the meeting we are asking "
        "for a written response to the requests in this letter, which will be published with the agenda.",
        before=12,
    )
    letter.para(
        "Please send your written response to ",
        "{{ respond_to_email }}",
        " by ",
        "{{ response_due_text }}",
        ", quoting our reference ",
        "{{ reference }}",
        ". If you have any questions about this request, please contact ",
        "{{ letterhead.reply_to_name }}",
        " at ",
        "{{ letterhead.reply_to_email }}",
        ".",
    )
    letter.para("Thank you for your continued engagement with the Commission.", keep_with_next=True)
    letter.sign_off(by_chair=True)
    letter.cc()


def reminder(letter: Letter) -> None:
    letter.subject("Reminder: written evidence for the meeting on ", "{{ meeting.date_text }}")
    letter.written_to_you()
    letter.para(
        "This is a reminder that the Commission would like your written response by ",
        "{{ response_due_text }}",
        ", so that it can be published with the agenda for the meeting on ",
        *MEETING,
        ".",
    )
    letter.sections(full=False)
    letter.para(
        "Please send your response to ",
        "{{ respond_to_email }}",
        ", quoting our reference ",
        "{{ reference }}",
        ". If you have already sent it, thank you, and please disregard this reminder. If you expect any difficulty "
        "in meeting the deadline, please let me know as soon as possible so that I can tell the Chair.",
        before=12,
        keep_with_next=True,
    )
    letter.sign_off(by_chair=False)
    letter.on_behalf_of_chair()
    letter.cc()


DAYS = "{{ days_overdue }}"
PLURAL_DAYS = "{{ 'day' if days_overdue == 1 else 'days' }}"


def overdue_notice(letter: Letter) -> None:
    letter.subject("Overdue written evidence for the meeting on ", "{{ meeting.date_text }}")
    letter.written_to_you()
    letter.para("Your written response was due on ", "{{ response_due_text }}", ", ", DAYS, " ", PLURAL_DAYS, " ago.")
    letter.para(
        "The agenda for the meeting on ",
        "{{ meeting.date_text }}",
        " is about to be published. Please send your response to ",
        "{{ respond_to_email }}",
        " as soon as you can. If it cannot arrive in time, please let me know when to expect it: the agenda will "
        "show it as to follow, and it will reach members in a supplementary pack.",
    )
    letter.sections(full=False)
    letter.para(
        "If you have sent your response in the last day or so, thank you, and please disregard this notice.",
        before=12,
        keep_with_next=True,
    )
    letter.sign_off(by_chair=False)
    letter.on_behalf_of_chair()
    letter.cc()


def escalation(letter: Letter) -> None:
    letter.subject("Written evidence overdue for the meeting on ", "{{ meeting.date_text }}")
    letter.written_to_you()
    letter.para(
        "The response was due on ",
        "{{ response_due_text }}",
        " and is now ",
        DAYS,
        " ",
        PLURAL_DAYS,
        " overdue. We have not received it, or heard when to expect it.",
    )
    letter.para(
        "The Commission will take these items at its meeting on ",
        *MEETING,
        ", and members rely on written responses to prepare their questions. I have therefore copied this letter to ",
        "{{ chair.name }}",
        ", ",
        "{{ chair.role_line }}",
        ".",
    )
    letter.sections(full=False)
    letter.para(
        "Please send your response to ",
        "{{ respond_to_email }}",
        " by return, or let me know today when we can expect it and who will attend the meeting.",
        before=12,
        keep_with_next=True,
    )
    letter.sign_off(by_chair=False)
    letter.cc()


TEMPLATES: dict[str, tuple[str, Callable[[Letter], None]]] = {
    "request_letter.docx": ("Request for written evidence (template)", request_letter),
    "reminder.docx": ("Reminder before the response due date (template)", reminder),
    "overdue_notice.docx": ("Overdue response notice (template)", overdue_notice),
    "escalation.docx": ("Escalation of an overdue response, copied to the Chair (template)", escalation),
}


def build(title: str, body: Callable[[Letter], None]) -> bytes:
    doc = Document()
    style_document(doc)
    page_setup(doc)
    letter = Letter(doc)
    letter.letterhead()
    body(letter)
    props = doc.core_properties
    props.title = title
    props.author = "Overview & Scrutiny"
    props.last_modified_by = "Overview & Scrutiny"
    props.subject = "Scrutiny commission correspondence"
    props.language = "en-GB"
    props.keywords = "scrutiny; letter template"
    props.comments = (
        "Letter template: edit the wording freely in Word, but keep every tag in "
        "double braces and every paragraph tag exactly as it is."
    )
    props.created = BUILT
    props.modified = BUILT
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_docx(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "templates",
        help="folder to write the .docx templates to (default: templates/)",
    )
    args = parser.parse_args(argv)
    for file_name, (title, body) in TEMPLATES.items():
        path = args.out / file_name
        write_bytes_atomic(path, build(title, body))
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
