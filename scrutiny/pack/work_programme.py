"""The work programme page: every meeting of the municipal year, its items and their status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.table import Table, _Row

from scrutiny.pack.context import long_date
from scrutiny.pack.spec import PackSpec, WorkProgrammeRow

_WIDTHS = (Cm(7.4), Cm(5.0), Cm(4.2))
_HEADER = ("Item", "Source", "Status")


@dataclass
class ProgrammeMeeting:
    day: date
    cancelled: bool = False
    rows: list[WorkProgrammeRow] = field(default_factory=list)


def group_by_meeting(rows: list[WorkProgrammeRow]) -> list[ProgrammeMeeting]:
    """Meetings in date order, each with its items in the order given (``item=None`` rows only
    say the meeting exists)."""
    meetings: dict[date, ProgrammeMeeting] = {}
    for row in rows:
        meeting = meetings.setdefault(row.meeting_date, ProgrammeMeeting(row.meeting_date))
        meeting.cancelled = meeting.cancelled or row.meeting_cancelled or row.status == "cancelled"
        if row.item is not None:
            meeting.rows.append(row)
    return [meetings[day] for day in sorted(meetings)]


def meeting_label(meeting: ProgrammeMeeting, this_meeting: date) -> str:
    notes = []
    if meeting.day == this_meeting:
        notes.append("this meeting")
    if meeting.cancelled:
        notes.append("cancelled")
    return long_date(meeting.day) + (f" ({', '.join(notes)})" if notes else "")


def _row_properties(row: _Row, *, header: bool = False, keep_with_next: bool = False) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))  # repeated on every page the table runs onto
    if keep_with_next:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


def _shade(row: _Row, fill: str) -> None:
    for cell in row.cells:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), fill)
        cell._tc.get_or_add_tcPr().append(shading)


def _add_row(table: Table) -> _Row:
    """A row with fixed cell widths, set before any merge so a merged cell spans the sum."""
    row: _Row = table.add_row()  # type: ignore[no-untyped-call]
    for cell, width in zip(row.cells, _WIDTHS):
        cell.width = width
    return row


def _spanning_row(table: Table, text: str, *, bold: bool = False, italic: bool = False) -> _Row:
    row = _add_row(table)
    merged = row.cells[0].merge(row.cells[-1])
    run = merged.paragraphs[0].add_run(text)
    run.bold = bold or None
    run.italic = italic or None
    return row


def add_work_programme(doc: DocxDocument, spec: PackSpec) -> None:
    """The municipal year as one table, grouped by meeting: a meeting row (date, "this
    meeting", "cancelled"), then its items with their status and the state of their requests."""
    meetings = group_by_meeting(spec.work_programme)
    if not meetings:
        doc.add_paragraph("No items are scheduled.")
        return
    year = f"the municipal year {spec.municipal_year}" if spec.municipal_year else "the municipal year"
    doc.add_paragraph(f"Every meeting of {year}, its items and their status.")
    table = doc.add_table(rows=1, cols=len(_HEADER))
    try:
        table.style = doc.styles["Table Grid"]
    except KeyError:
        pass  # an edited front sheet without the style still gets a plain table
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, label, width in zip(table.rows[0].cells, _HEADER, _WIDTHS):
        cell.paragraphs[0].add_run(label).bold = True
        cell.width = width
    for column, width in zip(table.columns, _WIDTHS):
        column.width = width
    _row_properties(table.rows[0], header=True)
    for meeting in meetings:
        heading = _spanning_row(table, meeting_label(meeting, spec.meeting_date), bold=True)
        _shade(heading, "E7E6E6")
        # The meeting keeps with its first item only: a one-row chain, never the whole table.
        _row_properties(heading, keep_with_next=True)
        if not meeting.rows:
            if meeting.cancelled:
                note = "Cancelled: no items."
            elif meeting.day < spec.meeting_date:
                note = "No items were taken at this meeting."
            else:
                note = "No items are scheduled for this meeting."
            _row_properties(_spanning_row(table, note, italic=True))
            continue
        for entry in meeting.rows:
            added = _add_row(table)
            cells = added.cells
            cells[0].text = entry.item or ""
            cells[1].text = entry.source
            cells[2].text = entry.status
            if entry.requests:
                cells[2].add_paragraph(entry.requests)
            _row_properties(added)
