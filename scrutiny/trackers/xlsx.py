"""Write a tracker table as an Excel workbook an officer can sort, filter and print.

One row per entry, the given columns in order; real Excel dates (shown dd/mm/yyyy); a colour
per request status; frozen header and an auto filter. The file appears whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import enum
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.child import INVALID_TITLE_REGEX

from scrutiny.documents.atomic import write_bytes_atomic

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
# Soft colours, dark enough to tell apart on a printout: grey for not yet sent, blues and yellows
# while waiting, oranges and reds when late, greens when answered.
STATUS_COLOURS: dict[str, str] = {
    "planned": "E7E6E6",
    "issued": "DDEBF7",
    "reminded": "FFF2CC",
    "overdue": "F8CBAD",
    "escalated": "FF9B9B",
    "received": "C6EFCE",
    "received_late": "E2EFB4",
    "withdrawn": "BFBFBF",
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_CELL_CHARACTERS = 32_767  # Excel's limit
_MIN_WIDTH, _MAX_WIDTH, _DATE_WIDTH = 8, 60, 12
_HEADER_FILL = PatternFill(fill_type="solid", start_color="D9E1F2", end_color="D9E1F2")


@dataclass(frozen=True)
class Column:
    key: str  # the row mapping's key
    label: str  # the header
    width: float | None = None  # characters; default from the content
    status: bool | None = None  # colour cells by status; default: when the key is "status"

    @property
    def coloured(self) -> bool:
        return self.status if self.status is not None else self.key == "status"


def write_tracker_xlsx(
    rows: Sequence[Mapping[str, object]], columns: Sequence[Column], path: Path, *, title: str
) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:  # a new Workbook always has one sheet; this keeps the type checker content
        sheet = workbook.create_sheet()
    sheet.title = _sheet_title(title)
    workbook.properties.title = title
    sheet.append([column.label for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = [len(column.label) for column in columns]
    for row_number, row in enumerate(rows, start=2):
        for column_number, column in enumerate(columns, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            shown = _fill_cell(cell, row.get(column.key))
            widths[column_number - 1] = max(widths[column_number - 1], shown)
            colour = STATUS_COLOURS.get(str(cell.value)) if column.coloured and cell.value is not None else None
            if colour:
                cell.fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
    last_column = get_column_letter(max(len(columns), 1))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last_column}{len(rows) + 1}"
    for number, (column, width) in enumerate(zip(columns, widths), start=1):
        chosen = column.width if column.width is not None else min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(number)].width = chosen
    sheet.print_title_rows = "1:1"  # the header repeats on every printed page
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_bytes_atomic(path, buffer.getvalue())
    return path


def _fill_cell(cell: Cell, value: object) -> int:
    """Put ``value`` in ``cell`` as its Excel type; return roughly how many characters it shows."""
    if value is None:
        return 0
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool | int | float):
        cell.value = value
        return len(str(value))
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # Excel has no time zones: store UTC, as the database does
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        cell.value = value
        cell.number_format = DATETIME_FORMAT
        return 16
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
        return _DATE_WIDTH - 2
    if isinstance(value, list | tuple | set | frozenset):
        value = ", ".join(str(item) for item in value)
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:_MAX_CELL_CHARACTERS]
    if _ISO_DATE.match(text):
        try:
            cell.value = dt.date.fromisoformat(text)
        except ValueError:
            pass  # "2027-02-30" is text, not a date
        else:
            cell.number_format = DATE_FORMAT
            return _DATE_WIDTH - 2
    cell.value = text
    cell.data_type = "s"  # "=SUM(...)" from a respondent's name stays text, never a formula
    return max((len(line) for line in text.splitlines()), default=0)


def _sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of \\ * ? : / [ ]; dates keep their look with "-"."""
    cleaned = INVALID_TITLE_REGEX.sub(" ", title.replace("/", "-"))
    cleaned = " ".join(cleaned.split()).strip("'")[:31].strip()
    return cleaned or "Tracker"
