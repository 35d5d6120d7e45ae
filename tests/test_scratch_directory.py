"""Scratch folders: gone after use, and a SIGKILLed owner's folder is removed by the next user."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from scrutiny.documents.office_files import process_start_time
from scrutiny.documents.scratch import scratch_directory

_HOLD = """
import sys, time
from pathlib import Path
from scrutiny.documents.scratch import scratch_directory
with scratch_directory("work-", Path(sys.argv[1])) as folder:
    (folder / "half-written").write_bytes(b"x" * 100)
    print(folder, flush=True)
    time.sleep(600)
"""


def _holder(base: Path) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen([sys.executable, "-c", _HOLD, str(base)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def test_the_folder_is_removed_after_use_even_on_an_error(tmp_path: Path) -> None:
    try:
        with scratch_directory("work-", tmp_path) as folder:
            (folder / "file").write_text("data")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_killed_owners_folder_goes_and_a_live_owners_stays(tmp_path: Path) -> None:
    killed, killed_folder = _holder(tmp_path)
    alive, alive_folder = _holder(tmp_path)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(10)
        assert killed_folder.is_dir()  # no finally ran
        with scratch_directory("work-", tmp_path) as mine:
            assert not killed_folder.exists()
            assert alive_folder.is_dir() and (alive_folder / "half-written").is_file()
            assert mine.name.startswith(f"work-{os.getpid()}-{process_start_time(os.getpid())}-")
    finally:
        alive.kill()
        alive.wait(10)


def test_a_reused_pid_does_not_keep_a_folder_and_other_names_are_left_alone(tmp_path: Path) -> None:
    # Our own PID with another start time: the owner that made it is gone, whoever has the PID now.
    reused = tmp_path / f"work-{os.getpid()}-1-abcd"
    reused.mkdir()
    foreign = [tmp_path / "work-notes", tmp_path / "work-x-1-2", tmp_path / "other-1-2-3"]
    for folder in foreign:
        folder.mkdir()
    kind_file = tmp_path / f"work-{2**22 + 7}-1-file"  # a file, not a folder: not ours
    kind_file.write_text("keep")
    with scratch_directory("work-", tmp_path):
        pass
    assert not reused.exists()
    assert all(folder.is_dir() for folder in foreign) and kind_file.is_file()
