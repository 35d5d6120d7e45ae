"""The look of the letter templates: fonts, styles, page, header and footer (used by scripts/build_templates.py).

Word styles carry the typesetting rules, so an officer's edits keep them: headings are kept
with the next paragraph and never split, the sign-off is kept together with the paragraph
before it, and widows and orphans are controlled.
"""

from __future__ import annotations

from datetime import UTC, datetime

from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.text.font import Font
from docx.text.paragraph import Paragraph

FONT = "Arial"
BLACK = RGBColor(0, 0, 0)
BUILT = datetime(2025, 1, 1, tzinfo=UTC)  # fixed, so a rebuild gives the same bytes
ADDRESS = "Letter Address"
SIGNATURE = "Letter Signature"
REQUEST_ITEM = "Request Item"


# ---------------------------------------------------------------------------------------
# Styles and page


def _plain_fonts(rpr: BaseOxmlElement) -> None:
    """Arial everywhere: theme font attributes would override an explicit font in Word."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _british(rpr: BaseOxmlElement) -> None:
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


def style_document(doc: DocumentObject) -> None:
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
    normal.paragraph_format.widow_control = True
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
        # A heading never ends a page: it goes with the paragraph it introduces.
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.keep_together = True
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

    # "Our request" items are numbered in the text ("1. ..."), so each section's list starts at 1.
    item = doc.styles.add_style(REQUEST_ITEM, 1)
    item.base_style = normal
    item.paragraph_format.left_indent = Cm(0.9)
    item.paragraph_format.first_line_indent = Cm(-0.9)
    item.paragraph_format.space_after = Pt(6)
    item.quick_style = True

    address = doc.styles.add_style(ADDRESS, 1)  # 1 = paragraph style
    address.base_style = normal
    address.paragraph_format.space_after = Pt(0)
    address.quick_style = True

    signature = doc.styles.add_style(SIGNATURE, 1)
    signature.base_style = normal
    signature.font.bold = True
    signature.paragraph_format.space_after = Pt(0)
    signature.paragraph_format.keep_with_next = True
    signature.quick_style = True

    for name in ("Header", "Footer"):
        style = doc.styles[name]
        style.font.size = Pt(9)


def page_setup(doc: DocumentObject) -> None:
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
