"""A real calendar client (khal) reads the exported calendar, and re-imports update it."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scrutiny.ics_export import ExportMeeting, build_calendar

LONDON = ZoneInfo("Europe/London")
COMMITTEE = "Living in Hackney Scrutiny Commission"
DOMAIN = "scrutiny.hackney.example"
FIRST_EXPORT = datetime(2024, 9, 1, tzinfo=timezone.utc)
SECOND_EXPORT = datetime(2024, 10, 1, tzinfo=timezone.utc)
FIELDS = ("uid", "start", "end", "title", "location", "all-day", "status")


@pytest.fixture(scope="module")
def khal() -> str:
    # khal is a declared test dependency installed next to this interpreter: fail, not skip.
    found = shutil.which(str(Path(sys.executable).parent / "khal"))
    if found is None:
        pytest.fail(f"khal not found next to {sys.executable}; install the 'test' extras")
    return found


@dataclasses.dataclass
class Khal:
    executable: str
    config: Path
    calendar_dir: Path
    env: dict[str, str]

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [self.executable, "-c", str(self.config), *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def events(self) -> list[dict[str, str]]:
        args = ["list", "--once"]
        for field in FIELDS:
            args += ["--json", field]
        out = self.run(*args, "2024-01-01", "2026-12-31")
        # khal prints one JSON list per day in the range, most of them empty.
        return [event for line in out.splitlines() if line.strip() for event in json.loads(line)]


@pytest.fixture
def client(khal: str, tmp_path: Path) -> Khal:
    calendar_dir = tmp_path / "cal"
    calendar_dir.mkdir()
    config = tmp_path / "khal.conf"
    config.write_text(
        "[calendars]\n"
        "[[scrutiny]]\n"
        f"path = {calendar_dir}\n"
        "type = calendar\n"
        "\n"
        "[locale]\n"
        "timeformat = %H:%M\n"
        "dateformat = %Y-%m-%d\n"
        "longdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\n"
        "longdatetimeformat = %Y-%m-%d %H:%M\n"
        "default_timezone = Europe/London\n"
        "local_timezone = Europe/London\n"
        "\n"
        "[sqlite]\n"
        f"path = {tmp_path / 'khal.db'}\n",
        encoding="utf-8",
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TZ": "UTC",  # the machine's zone must not matter: times come from the file
        "LC_ALL": "C.UTF-8",
    }
    return Khal(khal, config, calendar_dir, env)


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
            start=datetime(2025, 7, 7, 18, 0, tzinfo=timezone.utc),  # 19:00 BST
            end=datetime(2025, 7, 7, 20, 0, tzinfo=timezone.utc),
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


def calendar_files(client: Khal) -> list[str]:
    # khal 0.14.1 leaves a temporary "<uid>.ics<random>" file behind when an import
    # overwrites an existing event (its upload fails on the existing file, then it updates);
    # it only reads "*.ics", so those are what count.
    return sorted(p.name for p in client.calendar_dir.glob("*.ics"))


def summary(events: list[dict[str, str]]) -> set[tuple[str, str, str, str, str]]:
    return {(e["uid"], e["start"], e["end"], e["location"], e["status"]) for e in events}


def test_khal_reads_meetings_and_deadlines(client: Khal, tmp_path: Path) -> None:
    client.run("import", "--batch", str(export(tmp_path, meetings(), FIRST_EXPORT)))
    events = client.events()
    assert summary(events) == {
        (f"meeting-lih-2024-12-09@{DOMAIN}", "2024-12-09 19:00", "2024-12-09 22:00",
         "Council Chamber, Hackney Town Hall", "CONFIRMED"),
        (f"deadline-request-by-lih-2024-12-09@{DOMAIN}", "2024-10-07", "2024-10-07", "",
         "CONFIRMED"),
        (f"deadline-response-due-lih-2024-12-09@{DOMAIN}", "2024-11-18", "2024-11-18", "",
         "CONFIRMED"),
        (f"deadline-publication-lih-2024-12-09@{DOMAIN}", "2024-11-29", "2024-11-29", "",
         "CONFIRMED"),
        (f"meeting-lih-2025-07-07@{DOMAIN}", "2025-07-07 19:00", "2025-07-07 21:00",
         "Committee Room 102, Hackney Town Hall", "CONFIRMED"),
        (f"deadline-request-by-lih-2025-07-07@{DOMAIN}", "2025-05-09", "2025-05-09", "",
         "CONFIRMED"),
        (f"deadline-response-due-lih-2025-07-07@{DOMAIN}", "2025-06-16", "2025-06-16", "",
         "CONFIRMED"),
        (f"deadline-publication-lih-2025-07-07@{DOMAIN}", "2025-06-27", "2025-06-27", "",
         "CONFIRMED"),
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
    out = client.run("list", "--once", "--format", "{start} {title} {location}",
                     "2025-07-01", "2025-07-31")
    assert (f"2025-07-07 19:00 {COMMITTEE} Committee Room 102, Hackney Town Hall"
            in out.splitlines())


def test_reimporting_an_updated_export_updates_without_duplicates(
    client: Khal, tmp_path: Path
) -> None:
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
        "2024-12-10 18:30", "2024-12-10 21:00", "Room 118, Hackney Town Hall"
    )
    july = [e for uid, e in by_uid.items() if "lih-2025-07-07" in uid]
    assert len(july) == 4 and all(e["status"] == "CANCELLED" for e in july)

    # The same file again changes nothing.
    client.run("import", "--batch", str(tmp_path / "lih.ics"))
    assert summary(client.events()) == summary(after)
