"""A home to throw hostile input at, and the one check every case must pass.

The home is made once per test (the bundled committee, its annual updates planned and the
January meeting's letters written), copied aside, and put back whenever a case was accepted
(valid input may change it). A refused case must be one line on stderr, `scrutiny: error: ...`,
exit 2, no traceback, and leave every row of every table and every file of the home as they
were.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from scrutiny.settings import get_settings, reset_settings
from state.db import get_engine
from tests.cli_helpers import CliResult, run_cli
from tests.state_dump import snapshot

AS_OF = "2026-11-21"
MEETING = "lih-2027-01-25"


def fuzz_settings(examples: int) -> settings:
    """Seeded (the same cases every run), no example database in the checkout, no deadline per case,
    and no shrinking: a failing case is reported as found (shrinking hostile files can take hours)."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


@dataclass
class HostileHome:
    home: Path
    url: str
    saved: Path
    work: Path  # where the cases' files are written, outside the home
    capsys: pytest.CaptureFixture[str]
    before: tuple[dict[str, list[tuple[str, ...]]], dict[str, str]] = field(init=False)
    outcomes: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.before = snapshot(self.home, self.url)

    def run(self, *args: str) -> CliResult:
        try:
            return run_cli(self.capsys, *args)
        except SystemExit as exc:  # argparse refusing the command line: its one line is on stderr
            captured = self.capsys.readouterr()
            return CliResult(int(exc.code or 0), captured.out, captured.err)

    def refused(self, *args: str, kind: str, expected: str = "") -> str:
        """The command must refuse, in one line, and change nothing."""
        result = self.run(*args)
        line = self.check_refusal(result, args)
        assert expected in line, (args, line)
        self.outcomes[kind] += 1
        return line

    def refused_or_accepted(self, *args: str, kind: str) -> CliResult:
        """Valid input may be taken (the home is then put back); anything else is a clean refusal."""
        result = self.run(*args)
        if result.code == 0:
            self.outcomes[f"{kind} accepted"] += 1
            return result
        self.check_refusal(result, args)
        self.outcomes[kind] += 1
        return result

    def check_refusal(self, result: CliResult, args: tuple[str, ...]) -> str:
        lines = result.err.strip().splitlines()
        assert result.code == 2, (args, result.code, result.err[-2000:])
        assert len(lines) == 1 and lines[0].startswith("scrutiny: error: "), (args, result.err[-2000:])
        assert "Traceback" not in result.err and "internal error" not in result.err, (args, result.err)
        assert snapshot(self.home, self.url) == self.before, f"{args} changed the home or its database"
        return lines[0]

    def put_back(self) -> None:
        """The home as it was made, after a case that was allowed to change it."""
        get_engine(self.url).dispose()
        shutil.rmtree(self.home)
        shutil.copytree(self.saved, self.home, symlinks=True)
        reset_settings()
        assert snapshot(self.home, self.url) == self.before

    def counted(self, kind: str) -> int:
        return self.outcomes[kind]


def make_hostile_home(home: Path, capsys: pytest.CaptureFixture[str], *, letters: bool = True) -> Iterator[HostileHome]:
    """The bundled committee with its updates planned (and the January letters written); SCRUTINY_PDF=false."""
    assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
    if letters:
        assert run_cli(capsys, "letters", "--as-of", AS_OF).code == 0
    url = get_settings().effective_database_url
    get_engine(url).dispose()
    saved = home.parent / "home-as-made"
    shutil.copytree(home, saved, symlinks=True)
    work = home.parent / "cases"
    work.mkdir()
    os.chdir(work)
    yield HostileHome(home=home, url=url, saved=saved, work=work, capsys=capsys)


def make_offline_hostile_home(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[HostileHome]:
    """`make_hostile_home` with PDFs off and no SMTP or IMAP server configured, so no case reaches a server."""
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    for name in ("SCRUTINY_IMAP_HOST", "SCRUTINY_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    yield from make_hostile_home(home, capsys)


def argv(template: list[str], value: str) -> list[str]:
    """A command line with each "{}" of the template replaced by the hostile value."""
    return [value if part == "{}" else part for part in template]


def write_inputs(hostile: HostileHome) -> None:
    """Real files for the arguments that are not under test: a response, minutes, a calendar."""
    from tests.factories import write_response_docx

    write_response_docx(hostile.work / "response.docx", organisation="MOPAC", meeting_date="25 January 2027", body="x")
    write_response_docx(hostile.work / "minutes.docx", organisation="Minutes", meeting_date="7 December 2026", body="x")
    (hostile.work / "calendar.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nEND:VCALENDAR\r\n", encoding="utf-8"
    )
