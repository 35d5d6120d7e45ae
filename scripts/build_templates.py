"""Regenerate the letter templates in templates/*.docx.

Officers edit the .docx files directly in Word; this script is only for rebuilding them from
scratch (for example after the context model gains a field). Run it from the repository:

    .venv/bin/python scripts/build_templates.py [--out templates]

Each Jinja tag is written as the whole text of ONE run, so that Word keeps it together when
the surrounding wording is edited. Paragraph-level tags (``{%p for item in requests %}``)
sit in paragraphs of their own, which docxtpl removes when it renders.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.text.font import Font
from docx.text.paragraph import Paragraph

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrutiny.documents.atomic import write_bytes_atomic  # noqa: E402
from scrutiny.documents.docx_zip import normalise_docx  # noqa: E402

FONT = "Arial"
BLACK = RGBColor(0, 0, 0)
BUILT = datetime(2025, 1, 1, tzinfo=UTC)  # fixed, so a rebuild gives the same bytes
ADDRESS = "Letter Address"
SIGNATURE = "Letter Signature"


# ---------------------------------------------------------------------------------------
# Styles and page


def _plain_fonts(rpr: OxmlElement) -> None:
    """Arial everywhere: theme font attributes would override an explicit font in Word."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _british(rpr: OxmlElement) -> None:
    """Document language en-GB (spelling, hyphenation, and the PDF's language)."""
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        # w:lang sits near the end of w:rPr; keep the schema's element order for Word.
        successor = next(
            (
                rpr.find(qn(tag))
                for tag in ("w:eastAsianLayout", "w:specVanish", "w:oMath")
                if rpr.find(qn(tag)) is not None
            ),
            None,
        )
        if successor is not None:
            successor.addprevious(lang)
        else:
            rpr.append(lang)
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "en-GB")
    lang.set(qn("w:bidi"), "ar-SA")


def _black(font: Font) -> None:
    """Plain black text; the default headings use a theme colour that Word would keep."""
    font.color.rgb = BLACK
    color = font.element.rPr.find(qn("w:color"))
    for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
        color.attrib.pop(qn(attr), None)


def _style_document(doc: DocumentObject) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _plain_fonts(rpr)
    _british(rpr)

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(8)
    normal.paragraph_format.line_spacing = 1.15
    _plain_fonts(normal.element.get_or_add_rPr())

    for name, size, before, after in (
        ("Heading 1", 16, 0, 0),
        ("Heading 2", 13, 2, 10),
        ("Heading 3", 11, 12, 6),
    ):
        style = doc.styles[name]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
        _plain_fonts(style.element.get_or_add_rPr())
        _black(style.font)

    quote = doc.styles["Quote"]
    quote.font.italic = True
    quote.paragraph_format.left_indent = Cm(1)
    quote.paragraph_format.right_indent = Cm(1)
    quote.paragraph_format.space_after = Pt(6)
    _black(quote.font)

    listing = doc.styles["List Number"]
    listing.paragraph_format.space_after = Pt(6)

    address = doc.styles.add_style(ADDRESS, 1)  # 1 = paragraph style
    address.base_style = normal
    address.paragraph_format.space_after = Pt(0)
    address.quick_style = True

    signature = doc.styles.add_style(SIGNATURE, 1)
    signature.base_style = normal
    signature.font.bold = True
    signature.paragraph_format.space_after = Pt(0)
    signature.quick_style = True

    for name in ("Header", "Footer"):
        style = doc.styles[name]
        style.font.size = Pt(9)


def _page_setup(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    section.header_distance = Cm(1.25)
    section.footer_distance = Cm(1.25)
    # Page one carries the full letterhead in the body; later pages repeat the first line.
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.style = doc.styles["Header"]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.add_run("{{ letterhead.department }}").bold = True
    section.first_page_header.paragraphs[0].style = doc.styles["Header"]
    for footer in (section.footer, section.first_page_footer):
        _footer(footer.paragraphs[0], doc)


def _field(paragraph: Paragraph, instruction: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _footer(paragraph: Paragraph, doc: DocumentObject) -> None:
    paragraph.style = doc.styles["Footer"]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("Our ref: ")
    paragraph.add_run("{{ reference }}")
    paragraph.add_run("   Page ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" of ")
    _field(paragraph, "NUMPAGES")


# ---------------------------------------------------------------------------------------
# Building blocks. Every string below that contains a tag becomes exactly one run.


class Letter:
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

    def subject(self, lead: str) -> None:
        self.para(
            lead, "{{ review.title }}", ": Recommendation ", "{{ recommendation.number }}", style="Heading 3", before=6
        )

    def requests(self, lead: str | None = None) -> None:
        if lead:
            self.para(lead)
        self.para("Our request", style="Heading 3", italic=True)
        self.loop("item in requests", "{{ item }}", "List Number")

    def written_to_you(self, sender: str) -> None:
        """The chasers' opening: when we asked, and for what."""
        tail = (
            "asking for a written update on Recommendation ",
            "{{ recommendation.number }}",
            " of its ",
            "{{ review.year }}",
            " review, “",
            "{{ review.title }}",
            "”.",
        )
        self.tag("{%p if request_date_text %}")
        self.para("On ", "{{ request_date_text }}", f" {sender} ", *tail)
        self.tag("{%p else %}")
        self.para(f"Recently {sender} ", *tail)
        self.tag("{%p endif %}")

    def sign_off(self, *, by_chair: bool) -> None:
        self.para("Yours sincerely", before=6, after=42)
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
        self.para("CC", bold=True, before=24, after=2)
        self.loop("person in cc", "{{ person }}", ADDRESS)
        self.tag("{%p endif %}")


# ---------------------------------------------------------------------------------------
# The four letters


def request_letter(letter: Letter) -> None:
    letter.subject("")
    review = ("“", "{{ review.title }}", "”")
    letter.tag("{%p if first_update %}")
    letter.para(
        "In ",
        "{{ review.year }}",
        " the Commission completed its review, ",
        *review,
        ". Among its recommendations was an annual update to the Commission, and I am "
        "writing to ask for the first of these updates.",
    )
    letter.tag("{%p elif last_heard %}")
    letter.para(
        "Thank you for the update you gave the Commission on ",
        "{{ last_heard }}",
        ". When the Commission completed its review, ",
        *review,
        ", in ",
        "{{ review.year }}",
        ", it asked for an annual update, and I am writing to ask for this year's update.",
    )
    letter.tag("{%p else %}")
    letter.para(
        "When the Commission completed its review, ",
        *review,
        ", in ",
        "{{ review.year }}",
        ", it asked for an annual update, and I am writing to ask for this year's update.",
    )
    letter.tag("{%p endif %}")
    letter.para("The recommendation reads:")
    letter.para(
        "Recommendation ", "{{ recommendation.number }}", " – ", "{{ recommendation.title }}", style="Quote", bold=True
    )
    letter.para("{{ recommendation.text }}", style="Quote", after=12)
    letter.loop("paragraph in context_paragraphs", "{{ paragraph }}", "Normal")
    letter.requests()
    letter.para(
        "The Commission will discuss your written response at its meeting on ",
        "{{ meeting.date_text }}",
        " at ",
        "{{ meeting.time_text }}",
        " in ",
        "{{ meeting.venue }}",
        ", and we would be grateful if you or a colleague could "
        "attend. To help manage the meeting we are asking for a written response to the "
        "requests outlined in this letter, which will be published with the agenda.",
        before=12,
    )
    letter.para(
        "Please send your written response to ",
        "{{ respond_to_email }}",
        " by ",
        "{{ response_due_text }}",
        ". If you have any questions about this request, please contact ",
        "{{ letterhead.reply_to_name }}",
        " at ",
        "{{ letterhead.reply_to_email }}",
        ".",
    )
    letter.para("Thank you for your continued engagement with the Commission.")
    letter.sign_off(by_chair=True)
    letter.cc()


def reminder(letter: Letter) -> None:
    letter.subject("Reminder – ")
    letter.written_to_you("I wrote to you on behalf of the Commission")
    letter.para(
        "This is a reminder that the Commission would like your written response by ",
        "{{ response_due_text }}",
        ", so that it can be published with the agenda for the meeting on ",
        "{{ meeting.date_text }}",
        " at ",
        "{{ meeting.time_text }}",
        " in ",
        "{{ meeting.venue }}",
        ".",
    )
    letter.requests("For ease of reference, the Commission's requests were:")
    letter.para(
        "Please send your response to ",
        "{{ respond_to_email }}",
        ". If you have "
        "already sent it, thank you, and please disregard this reminder. If you expect "
        "any difficulty in meeting the deadline, please let me know as soon as possible "
        "so that I can tell the Chair.",
        before=12,
    )
    letter.sign_off(by_chair=False)
    letter.on_behalf_of_chair()
    letter.cc()


DAYS = "{{ days_overdue }}"
PLURAL_DAYS = "{{ 'day' if days_overdue == 1 else 'days' }}"


def overdue_notice(letter: Letter) -> None:
    letter.subject("Overdue written response – ")
    letter.written_to_you("I wrote to you on behalf of the Commission")
    letter.para(
        "Your written response was due on ",
        "{{ response_due_text }}",
        ", ",
        DAYS,
        " ",
        PLURAL_DAYS,
        " ago, and we have not yet received it.",
    )
    letter.para(
        "The agenda for the meeting on ",
        "{{ meeting.date_text }}",
        " is about to be published. Please send your response to ",
        "{{ respond_to_email }}",
        " as soon "
        "as you can. If it cannot arrive in time, please let me know when to expect it: "
        "the agenda will show it as to follow, and it will reach members in a "
        "supplementary pack.",
    )
    letter.requests("For ease of reference, the Commission's requests were:")
    letter.para(
        "If you have sent your response in the last day or so, thank you, and please disregard this notice.", before=12
    )
    letter.sign_off(by_chair=False)
    letter.on_behalf_of_chair()
    letter.cc()


def escalation(letter: Letter) -> None:
    letter.subject("Written response overdue – ")
    letter.written_to_you("the Commission wrote to you")
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
        "The Commission will take this item at its meeting on ",
        "{{ meeting.date_text }}",
        " at ",
        "{{ meeting.time_text }}",
        " in ",
        "{{ meeting.venue }}",
        ", and members rely on written responses to prepare their questions. I have therefore copied this letter to ",
        "{{ chair.name }}",
        ", ",
        "{{ chair.role_line }}",
        ".",
    )
    letter.para(
        "Please send your response to ",
        "{{ respond_to_email }}",
        " by return, or let me know today when we can expect it and who will attend the meeting.",
    )
    letter.requests("The Commission's requests were:")
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
    _style_document(doc)
    _page_setup(doc)
    letter = Letter(doc)
    letter.letterhead()
    body(letter)
    props = doc.core_properties
    props.title = title
    props.author = "Overview & Scrutiny, London Borough of Hackney"
    props.last_modified_by = "Overview & Scrutiny, London Borough of Hackney"
    props.subject = "Living in Hackney Scrutiny Commission correspondence"
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
