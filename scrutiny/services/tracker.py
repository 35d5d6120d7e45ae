"""The responses tracker as an Excel workbook: the same rows and columns as `responses due --json`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from scrutiny.errors import ScrutinyError
from scrutiny.services.responses import DueRow
from scrutiny.trackers.xlsx import Column, write_tracker_xlsx

# Every field of a tracker row, in order, with a header an officer understands.
DUE_LABELS: dict[str, str] = {
    "committee": "Committee",
    "request_id": "Request",
    "letter_id": "Letter (our ref)",
    "meeting_id": "Meeting",
    "meeting_date": "Meeting date",
    "item": "Item",
    "organisation": "Organisation",
    "contact": "Contact",
    "due_date": "Response due",
    "working_days_left": "Working days left",
    "status": "Status",
    "issued_on": "Letter sent",
    "received_on": "Received",
    "action_needed": "Action needed",
}


def write_due_workbook(rows: Sequence[Mapping[str, object]], path: Path) -> Path:
    if path.suffix.lower() != ".xlsx":
        raise ScrutinyError(f"--xlsx {path}: the file name must end in .xlsx")
    if path.parent and not path.parent.is_dir():
        raise ScrutinyError(f"--xlsx {path}: folder {path.parent} does not exist")
    missing = set(DueRow.__dataclass_fields__) - set(DUE_LABELS)
    if missing:
        raise ScrutinyError(f"tracker columns have no header: {', '.join(sorted(missing))}")
    columns = [Column(key, label) for key, label in DUE_LABELS.items()]
    return write_tracker_xlsx(rows, columns, path, title="Responses due")
