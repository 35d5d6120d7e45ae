"""Test data factories: committee files with one thing changed, and small response documents."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from docx import Document

from scrutiny.settings import BUNDLED_CONFIG


def bundled_config_data() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(BUNDLED_CONFIG.read_text(encoding="utf-8")))


def write_config(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def write_response_docx(path: Path, *, organisation: str, meeting_date: str, body: str) -> Path:
    """A written response shaped like the CSP's 2023 response: cover table, then the response."""
    document = Document()
    table = document.add_table(rows=0, cols=2)
    for label, value in [
        ("Title of Report", f"{organisation} response to the Living in Hackney Scrutiny Commission"),
        ("Author", "Report author"),
        ("Meeting Date", meeting_date),
        ("Cabinet Member", "Cllr Susan Fajana-Thomas OBE"),
        ("Group Director", "Chief Executive"),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    document.add_heading("Response", level=1)
    document.add_paragraph(body)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
