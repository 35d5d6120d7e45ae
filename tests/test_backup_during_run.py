"""Backups taken while `scrutiny run` writes letters: each archive is consistent on its own."""

from __future__ import annotations

import json
import sqlite3
import tarfile
from pathlib import Path

import pytest

from scrutiny.settings import get_settings
from tests.cli_helpers import run_cli
from tests.counts import note
from tests.product_processes import start_command

AS_OF = "2026-11-21"
MAX_BACKUPS = 80  # a bound only: the run ends first


def _check_archive_consistent(archive: Path, work: Path) -> int:
    """Every document the archived database records is in the archive, byte for byte; returns how many."""
    with tarfile.open(archive, "r:gz") as tar:
        files = {m.name.removeprefix("files/"): m for m in tar.getmembers() if m.name.startswith("files/")}
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        database = work / f"{archive.stem}.sqlite"
        database.write_bytes(tar.extractfile("database/scrutiny.sqlite").read())  # type: ignore[union-attr]
    hashes = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        documents = connection.execute("SELECT path, sha256 FROM document WHERE sha256 != ''").fetchall()
        emails = connection.execute(
            "SELECT location FROM delivery WHERE state = 'sent' AND channel = 'outbox'"
        ).fetchall()
    finally:
        connection.close()
    for path, sha in documents:
        assert path in files and hashes[path] == sha, f"{archive.name}: {path} recorded but not archived as it was"
    for (location,) in emails:
        assert location in files, f"{archive.name}: e-mail {location} recorded as sent but not archived"
    return len(documents) + len(emails)


def test_backups_taken_while_a_run_writes_are_each_consistent(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run_cli(capsys, "init").code == 0
    url = get_settings().effective_database_url
    running = start_command(["run", "--as-of", AS_OF], sqlite_home, url, tmp_path / "tmp")
    archives: list[Path] = []
    try:
        # From the first flow step on, back up as fast as possible until the run ends.
        assert running.wait_for_line("Placing the annual updates", timeout_s=240), running.stderr
        while running.process.poll() is None and len(archives) < MAX_BACKUPS:
            archive = tmp_path / f"during-{len(archives):02d}.tar.gz"
            result = run_cli(capsys, "backup", str(archive))
            assert result.code == 0, result.err
            archives.append(archive)
    finally:
        code = running.finish(timeout_s=300)
    assert code == 0, running.stderr
    after = tmp_path / "after.tar.gz"
    assert run_cli(capsys, "backup", str(after)).code == 0
    counts = [_check_archive_consistent(archive, tmp_path) for archive in [*archives, after]]
    assert counts[-1] > 0 and len(archives) >= 2, (counts, len(archives))
    states = sorted(set(counts))
    note(
        f"backups during a run: {len(archives)} taken while 'scrutiny run' wrote, {len(states)} distinct states "
        f"({', '.join(str(c) for c in states)} documents and sent e-mails recorded), each archived byte for byte; "
        "SQLite integrity ok"
    )
