"""khal, a real calendar client, in a throw-away configuration: import a file, list it back."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIELDS = ("uid", "start", "end", "title", "location", "all-day", "status")


def khal_executable() -> str:
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

    def import_file(self, path: Path) -> None:
        self.run("import", "--batch", str(path))

    def events(
        self, start: str = "2024-01-01", end: str = "2026-12-31", fields: tuple[str, ...] = FIELDS
    ) -> list[dict[str, str]]:
        args = ["list", "--once"]
        for field in fields:
            args += ["--json", field]
        out = self.run(*args, start, end)
        # khal prints one JSON list per day in the range, most of them empty.
        return [event for line in out.splitlines() if line.strip() for event in json.loads(line)]


def make_khal(executable: str, root: Path) -> Khal:
    """A khal with one calendar folder and its own config, database and home under root."""
    root.mkdir(parents=True, exist_ok=True)
    calendar_dir = root / "cal"
    calendar_dir.mkdir()
    config = root / "khal.conf"
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
        f"path = {root / 'khal.db'}\n",
        encoding="utf-8",
    )
    home = root / "khal-home"
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
    return Khal(executable, config, calendar_dir, env)


def calendar_files(client: Khal) -> list[str]:
    # khal 0.14.1 leaves a temporary "<uid>.ics<random>" file behind when an import
    # overwrites an existing event (its upload fails on the existing file, then it updates);
    # it only reads "*.ics", so those are what count.
    return sorted(p.name for p in client.calendar_dir.glob("*.ics"))
