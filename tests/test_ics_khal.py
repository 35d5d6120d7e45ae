"""A real calendar client (khal) reads the exported calendar, and re-imports update it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scrutiny.ics_export import ExportMeeting, build_calendar
from tests.khal_helpers import Khal, calendar_files, khal_executable, make_khal

LONDON = ZoneInfo("Europe/London")
COMMITTEE = "Living in Hackney Scrutiny Commission"
DOMAIN = "scrutiny.hackney.example"
FIRST_EXPORT = datetime(2024, 9, 1, tzinfo=UTC)
SECOND_EXPORT = datetime(2024, 10, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def khal() -> str:
    return khal_executable()


@pytest.fixture
def client(khal: str, tmp_path: Path) -> Khal:
    return make_khal(khal, tmp_path)


def meetings() -> list[ExportMeeting]:
    return [
        ExportMeeting(
            meeting_id="lih-2024-12-09",
            start=datetime(2024, 12, 9, 19, 0, tzinfo=LONDON),
            end=datetime(2024, 12, 9, 22, 0, tzinfo=LONDON),
            venue="Council Chamber, Hackney Town Hall",
            title=COMMITTEE,
            agenda_items=["Trust and Confidence Action Plan: annual update"],
            cancelled=False,
            request_by_date=date(2024, 10, 7),
            response_due_date=date(2024, 11, 18),
            publication_date=date(2024, 11, 29),
        ),
        ExportMeeting(
            meeting_id="lih-2025-07-07",
            start=datetime(2025, 7, 7, 18, 0, tzinfo=UTC),  # 19:00 BST
            end=datetime(2025, 7, 7, 20, 0, tzinfo=UTC),
            venue="Committee Room 102, Hackney Town Hall",
            title=COMMITTEE,
            agenda_items=["Stop and search: annual update"],
            cancelled=False,
            request_by_date=date(2025, 5, 9),
            response_due_date=date(2025, 6, 16),
            publication_date=date(2025, 6, 27),
        ),
    ]


def export(tmp_path: Path, items: list[ExportMeeting], generated_at: datetime) -> Path:
    path = tmp_path / "lih.ics"
    path.write_bytes(
        build_calendar(
            committee_name=COMMITTEE,
            meetings=items,
            deadlines=True,
            uid_domain=DOMAIN,
            generated_at=generated_at,
        )
    )
    return path


def summary(events: list[dict[str, str]]) -> set[tuple[str, str, str, str, str]]:
    return {(e["uid"], e["start"], e["end"], e["location"], e["status"]) for e in events}


def test_khal_reads_meetings_and_deadlines(client: Khal, tmp_path: Path) -> None:
    client.run("import", "--batch", str(export(tmp_path, meetings(), FIRST_EXPORT)))
    events = client.events()
    assert summary(events) == {
        (
            f"meeting-lih-2024-12-09@{DOMAIN}",
            "2024-12-09 19:00",
            "2024-12-09 22:00",
            "Council Chamber, Hackney Town Hall",
            "CONFIRMED",
        ),
        (f"deadline-request-by-lih-2024-12-09@{DOMAIN}", "2024-10-07", "2024-10-07", "", "CONFIRMED"),
        (f"deadline-response-due-lih-2024-12-09@{DOMAIN}", "2024-11-18", "2024-11-18", "", "CONFIRMED"),
        (f"deadline-publication-lih-2024-12-09@{DOMAIN}", "2024-11-29", "2024-11-29", "", "CONFIRMED"),
        (
            f"meeting-lih-2025-07-07@{DOMAIN}",
            "2025-07-07 19:00",
            "2025-07-07 21:00",
            "Committee Room 102, Hackney Town Hall",
            "CONFIRMED",
        ),
        (f"deadline-request-by-lih-2025-07-07@{DOMAIN}", "2025-05-09", "2025-05-09", "", "CONFIRMED"),
        (f"deadline-response-due-lih-2025-07-07@{DOMAIN}", "2025-06-16", "2025-06-16", "", "CONFIRMED"),
        (f"deadline-publication-lih-2025-07-07@{DOMAIN}", "2025-06-27", "2025-06-27", "", "CONFIRMED"),
    }
    by_uid = {e["uid"]: e for e in events}
    assert by_uid[f"meeting-lih-2024-12-09@{DOMAIN}"]["title"] == COMMITTEE
    assert by_uid[f"meeting-lih-2024-12-09@{DOMAIN}"]["all-day"] == "False"
    assert by_uid[f"deadline-publication-lih-2024-12-09@{DOMAIN}"]["all-day"] == "True"
    assert by_uid[f"deadline-response-due-lih-2025-07-07@{DOMAIN}"]["title"] == (
        "Written responses due (Monday 7 July 2025 meeting)"
    )


def test_khal_text_listing_shows_london_times(client: Khal, tmp_path: Path) -> None:
    client.run("import", "--batch", str(export(tmp_path, meetings(), FIRST_EXPORT)))
    out = client.run("list", "--once", "--format", "{start} {title} {location}", "2025-07-01", "2025-07-31")
    assert f"2025-07-07 19:00 {COMMITTEE} Committee Room 102, Hackney Town Hall" in out.splitlines()


def test_reimporting_an_updated_export_updates_without_duplicates(client: Khal, tmp_path: Path) -> None:
    client.run("import", "--batch", str(export(tmp_path, meetings(), FIRST_EXPORT)))
    before = client.events()
    files_before = calendar_files(client)

    changed = meetings()
    changed[0] = dataclasses.replace(
        changed[0],
        start=datetime(2024, 12, 10, 18, 30, tzinfo=LONDON),
        end=datetime(2024, 12, 10, 21, 0, tzinfo=LONDON),
        venue="Room 118, Hackney Town Hall",
    )
    changed[1] = dataclasses.replace(changed[1], cancelled=True)
    client.run("import", "--batch", str(export(tmp_path, changed, SECOND_EXPORT)))
    after = client.events()

    assert len(after) == len(before) == 8
    assert calendar_files(client) == files_before
    by_uid = {e["uid"]: e for e in after}
    moved = by_uid[f"meeting-lih-2024-12-09@{DOMAIN}"]
    assert (moved["start"], moved["end"], moved["location"]) == (
        "2024-12-10 18:30",
        "2024-12-10 21:00",
        "Room 118, Hackney Town Hall",
    )
    july = [e for uid, e in by_uid.items() if "lih-2025-07-07" in uid]
    assert len(july) == 4 and all(e["status"] == "CANCELLED" for e in july)

    # The same file again changes nothing.
    client.run("import", "--batch", str(tmp_path / "lih.ics"))
    assert summary(client.events()) == summary(after)
