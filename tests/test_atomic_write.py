"""A temporary left by a writer killed mid-write is cleared by the next write of that file; a live writer's is not."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from scrutiny.documents.atomic import write_bytes_atomic


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_killed_writers_temporary_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    target = tmp_path / "response.docx"
    abandoned = tmp_path / f".response.docx.{_dead_pid()}.abc123.tmp"
    live = tmp_path / f".response.docx.{os.getpid()}.def456.tmp"
    other = tmp_path / f".other.docx.{_dead_pid()}.ghi789.tmp"
    for leftover in (abandoned, live, other):
        leftover.write_bytes(b"half")
    write_bytes_atomic(target, b"whole")
    assert target.read_bytes() == b"whole"
    assert not abandoned.exists()
    assert live.exists() and other.exists()  # a live writer's, and another file's, are not this write's to clear
