"""The tracker workbook reads back, row for row, as what was written; dates are dates; statuses coloured."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook

from scrutiny.trackers.xlsx import DATE_FORMAT, STATUS_COLOURS, Column, write_tracker_xlsx

COLUMNS = [
    Column("request_id", "Request"),
    Column("organisation", "Organisation"),
    Column("due_date", "Response due"),
    Column("status", "Status"),
    Column("working_days_left", "Working days left"),
    Column("received_on", "Received"),
    Column("due_date_changed", "Due date changed"),
]
ROWS: list[dict[str, object]] = [
    {
        "request_id": "lih-R15-1-mopac",
        "organisation": "Mayor's Office for Policing and Crime",
        "due_date": "2027-01-06",
        "status": "escalated",
        "working_days_left": -4,
        "received_on": None,
        "due_date_changed": False,
    },
    {
        "request_id": "lih-R16-1-csp",
        "organisation": '=HYPERLINK("http://203.0.113.9","click")',  # stays text, never a formula
        "due_date": "2027-03-01",
        "status": "received_late",
        "working_days_left": 0,
        "received_on": "2027-03-03",
        "due_date_changed": True,
        "ignored": "a key with no column is not written",
    },
    {
        "request_id": "lih-R15-1-bcu",
        "organisation": "Central East BCU\x07",  # a control character Excel cannot hold
        "due_date": "2027-02-30",  # not a real date: kept as text
        "status": "planned",
        "working_days_left": 12,
        "due_date_changed": False,
    },
]


def _expected(value: object) -> object:
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return dt.datetime.fromisoformat(value)  # openpyxl reads dates back as datetimes
        except ValueError:
            return value
    return value


def test_rows_read_back_as_written(tmp_path: Path) -> None:
    path = write_tracker_xlsx(ROWS, COLUMNS, tmp_path / "tracker.xlsx", title="Responses due: 25/01/2027")
    sheet = load_workbook(path).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(column.label for column in COLUMNS)
    assert len(values) == len(ROWS) + 1
    for written, read in zip(ROWS, values[1:]):
        expected = tuple(_expected(written.get(column.key)) for column in COLUMNS)
        if written["request_id"] == "lih-R15-1-bcu":
            expected = (expected[0], "Central East BCU", *expected[2:])
        assert read == expected


def test_layout_dates_and_colours(tmp_path: Path) -> None:
    path = write_tracker_xlsx(ROWS, COLUMNS, tmp_path / "tracker.xlsx", title="Responses due: 25/01/2027")
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    assert sheet.title == "Responses due 25-01-2027" and workbook.properties.title == "Responses due: 25/01/2027"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G4"
    assert sheet["C2"].number_format == DATE_FORMAT and sheet["C2"].is_date
    assert sheet["F3"].number_format == DATE_FORMAT and sheet["F3"].is_date
    assert sheet["C4"].data_type == "s" and sheet["C4"].value == "2027-02-30"
    assert sheet["B3"].data_type == "s"
    for row, status in ((2, "escalated"), (3, "received_late"), (4, "planned")):
        assert sheet.cell(row=row, column=4).fill.start_color.rgb == "00" + STATUS_COLOURS[status]
    assert sheet["A2"].fill.fill_type is None, "only the status column is coloured"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFG"}
    assert widths["B"] > widths["A"] > 8 and all(8 <= width <= 60 for width in widths.values())


def test_every_status_has_its_own_colour() -> None:
    statuses = {"planned", "issued", "reminded", "overdue", "escalated", "received", "received_late", "withdrawn"}
    assert set(STATUS_COLOURS) == statuses
    assert len(set(STATUS_COLOURS.values())) == len(statuses)


def test_no_rows_still_a_workbook_with_headers(tmp_path: Path) -> None:
    path = write_tracker_xlsx([], COLUMNS, tmp_path / "empty.xlsx", title="")
    sheet = load_workbook(path).active
    assert sheet is not None and sheet.title == "Tracker"
    assert list(sheet.iter_rows(values_only=True)) == [tuple(column.label for column in COLUMNS)]
    assert sheet.auto_filter.ref == "A1:G1"


def test_written_atomically_over_an_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "tracker.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"an older tracker")
    write_tracker_xlsx(ROWS[:1], COLUMNS, target, title="Tracker")
    assert load_workbook(target).active["A2"].value == "lih-R15-1-mopac"  # type: ignore[index]
    assert [p.name for p in target.parent.iterdir()] == ["tracker.xlsx"], "no temporary file is left behind"


def test_python_dates_and_explicit_options(tmp_path: Path) -> None:
    rows = [{"day": dt.date(2027, 1, 25), "at": dt.datetime(2027, 1, 25, 9, 30, tzinfo=dt.UTC), "state": "overdue"}]
    columns = [Column("day", "Day"), Column("at", "At", width=20), Column("state", "State", status=True)]
    sheet = load_workbook(write_tracker_xlsx(rows, columns, tmp_path / "t.xlsx", title="T")).active
    assert sheet is not None
    assert sheet["A2"].value == dt.datetime(2027, 1, 25) and sheet["A2"].number_format == DATE_FORMAT
    assert sheet["B2"].value == dt.datetime(2027, 1, 25, 9, 30) and sheet.column_dimensions["B"].width == 20
    assert sheet["C2"].fill.start_color.rgb == "00" + STATUS_COLOURS["overdue"]
