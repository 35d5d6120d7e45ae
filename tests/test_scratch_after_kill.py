"""A command SIGKILLed while it works in a scratch folder leaves it behind (no `finally` runs), and
the next command removes it: pack assembly with PDFs in the pack's folder, letter PDFs in TMPDIR.

The kill is aimed: the test waits until the scratch folder exists, so each trial really lands
mid-work (and fails, rather than passing idly, if the folder is never seen).
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scrutiny.documents import scratch
from tests.product_processes import RunningCommand, run_command, start_command, wait_until_gone

pytestmark = pytest.mark.prefect

AS_OF = "2026-11-21"  # the letter window of the 25 January 2027 meeting is open
PACK_AS_OF = "2027-01-15"  # its publication day
WITH_PDF = {"SCRUTINY_PDF": "true"}


def _home(tmp_path: Path) -> tuple[Path, str]:
    home = tmp_path / "home"
    home.mkdir()
    return home, f"sqlite:///{home / 'state' / 'scrutiny.db'}"


def _ok(args: list[str], home: Path, url: str, tmp: Path, settings: dict[str, str] | None = None) -> str:
    done = run_command(args, home, url, tmp, settings=settings)
    assert done.returncode == 0, f"{args}: {done.stderr[-2000:]}"
    return done.stdout


def _kill_once_present(command: RunningCommand, find: Callable[[], list[Path]], what: str) -> list[Path]:
    """SIGKILL the command (not its group: its children must go by themselves) once ``find()`` sees a folder."""
    deadline = time.monotonic() + 300
    while not (found := find()):
        assert command.process.poll() is None, f"{what}: the command ended before its scratch folder was seen"
        assert time.monotonic() < deadline, f"{what}: no scratch folder within 300 s"
        time.sleep(0.02)
    command.process.send_signal(signal.SIGKILL)
    command.finish(timeout_s=30)
    assert wait_until_gone(command.marker, timeout_s=30) == [], f"{what}: processes left"
    return list(found)


def test_a_pack_killed_while_assembling_leaves_a_scratch_folder_the_next_pack_removes(tmp_path: Path) -> None:
    home, url = _home(tmp_path)
    tmp = tmp_path / "tmp"
    _ok(["init"], home, url, tmp)
    _ok(["plan", "--as-of", AS_OF], home, url, tmp)
    _ok(["letters", "--as-of", AS_OF], home, url, tmp)
    rows = json.loads(_ok(["responses", "due", "--as-of", AS_OF, "--json"], home, url, tmp))
    meeting = rows[0]["meeting_id"]
    folder = home / "packs" / meeting

    def scratch_folders() -> list[Path]:
        return [p for p in folder.glob(".*") if p.is_dir()] if folder.is_dir() else []

    command = start_command(["pack", meeting, "--as-of", PACK_AS_OF], home, url, tmp, settings=WITH_PDF)
    left = _kill_once_present(command, scratch_folders, "pack")
    assert all(p.is_dir() for p in left)  # SIGKILL: nothing cleaned up

    out = _ok(["pack", meeting, "--as-of", PACK_AS_OF], home, url, tmp, settings=WITH_PDF)
    assert scratch_folders() == [], out
    assert sorted(p.suffix for p in folder.glob("*-agenda-pack-v*.*")) == [".docx", ".pdf"], out


def test_letters_killed_while_making_a_pdf_leave_a_folder_the_next_command_removes(tmp_path: Path) -> None:
    home, url = _home(tmp_path)
    tmp = tmp_path / "tmp"
    _ok(["init"], home, url, tmp)
    _ok(["plan", "--as-of", AS_OF], home, url, tmp)

    def letter_pdf_folders() -> list[Path]:
        return [p for p in tmp.glob(f"{scratch.LETTER_PDF}*") if p.is_dir()]

    command = start_command(["letters", "--as-of", AS_OF], home, url, tmp, settings=WITH_PDF)
    left = _kill_once_present(command, letter_pdf_folders, "letters")
    assert all(p.is_dir() for p in left)

    # Any command that opens the home clears what a dead command left in TMPDIR, even a read-only one.
    _ok(["responses", "due", "--as-of", AS_OF], home, url, tmp)
    assert letter_pdf_folders() == []
    _ok(["letters", "--as-of", AS_OF], home, url, tmp, settings=WITH_PDF)  # and the job is finished
    docx = sorted(home.glob("letters/*/*-v1.docx"))
    assert docx and all(p.with_suffix(".pdf").is_file() for p in docx)
    assert letter_pdf_folders() == []
