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


def health_in_hackney_data() -> dict[str, Any]:
    """A second commission of the same council, meeting on the same evenings, sharing respondents.

    It shares MOPAC and the CSP with Living in Hackney and adds the East London NHS Foundation
    Trust; its one recurring item follows Recommendation 7 of the 2019 review.
    """
    lih = bundled_config_data()
    shared = [o for o in lih["organisations"] if o["id"] in ("mopac", "hackney-csp")]
    return {
        "committee": {
            **{k: v for k, v in lih["committee"].items() if k not in ("meeting_pattern",)},
            "id": "health-in-hackney",
            "prefix": "hih",
            "name": "Health in Hackney Scrutiny Commission",
            "short_name": "HiH",
            "uid_domain": "health-in-hackney.scrutiny.example",
            "calendar_match": ["Health in Hackney"],
            "chair": "Cllr Ben Hayhurst",
            "officer": {
                "name": "Jarlath O'Connell",
                "role": "Overview and Scrutiny Officer",
                "email": "jarlath.oconnell@hackney.example",
            },
        },
        "members": [
            {"name": "Cllr Ben Hayhurst", "role": "Chair", "email": "ben.hayhurst@hackney.example"},
            {"name": "Cllr Peter Snell", "role": "Vice Chair", "email": "peter.snell@hackney.example"},
            {"name": "Cllr Kam Adams", "email": "kam.adams@hackney.example"},
        ],
        "organisations": [
            *shared,
            {
                "id": "elft",
                "name": "East London NHS Foundation Trust",
                "short_name": "ELFT",
                "address": ["Robert Dolan House", "9 Alie Street", "London E1 8DE"],
                "contact": {"name": "Dr Amar Shah", "role": "Chief Quality Officer", "email": "amar.shah@elft.example"},
            },
        ],
        "reviews": [
            {
                "id": "serious-violence-2019",
                "title": lih["reviews"][0]["title"],
                "year": 2019,
                "recommendations": [r for r in lih["reviews"][0]["recommendations"] if r["number"] == 7],
            }
        ],
        "commitments": [
            {
                "key": "R7",
                "title": "Mental health provision for 19 to 25 year olds",
                "review": "serious-violence-2019",
                "recommendation": 7,
                "respondents": ["elft", "hackney-csp", "mopac"],
                "standing_topics": ["mental health provision for 15 to 18s compared with 19 to 25s."],
                "last_taken": "2026-02-09",
                "cc": ["mopac"],
            }
        ],
        "meetings": [dict(m) for m in lih["meetings"]],
    }
