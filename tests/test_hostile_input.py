"""Hostile names, IDs and file arguments given to every command, fuzzed with hypothesis (dates:
tests/test_hostile_dates.py).

- Names that try to become paths (`../../etc/passwd`, absolute paths, NUL bytes, separators in
  other alphabets, names longer than a file name may be) and IDs that do not exist, in every
  place a command takes a committee, meeting, item, request, letter, commitment or
  organisation ID, and in the names of files the product writes from them.
- File arguments that are not files to read: missing, folders, a named pipe (which would block
  for ever), `/dev/zero` (which would fill the memory), a link to itself, an empty name.
- Backups whose members are named to escape the home.

Each must be refused in one line (`scrutiny: error: ...`, exit 2, no traceback) with every row
of every table and every file of the home as before. A case that names something valid after
all (an item's title is free text) may be taken, and the home must then still work.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.counts import note
from tests.hostile_support import (
    AS_OF,
    MEETING,
    HostileHome,
    argv,
    fuzz_settings,
    make_offline_hostile_home,
    write_inputs,
)
from tests.state_dump import file_tree

pytestmark = pytest.mark.usefixtures("prefect_harness")

HOSTILE_NAMES = [
    "../../etc/passwd", "..", ".", "/", "/etc/passwd", "a/b", "..\\..\\windows", "C:\\x", "x\x00y", "~root",
    "%2e%2e%2f", "\uff0e\uff0e\uff0f", "\u2215etc\u2215passwd", "\u202etxt.exe", "CON", "lih-../../x",
    f"{MEETING}/../../x", "lih-2027-01-25\x00", "-rf", "$(id)", "`id`", "${HOME}", "' OR 1=1 --", "<script>",
    "\n", "", " ", "a" * 300, "lih-" + "x" * 5000, "😀", "lih-", "lih-item-99999999999999999999",
    "lih-item--1", "lih-item-0", "0", "-1", "1e9", "lih-R99-1-mopac", "lih-2031-02-30", "LIH-2027-01-25",
]  # fmt: skip
hostile_name = st.one_of(
    st.sampled_from(HOSTILE_NAMES),
    st.from_regex(r"\Alih-[a-z0-9-]{1,24}\Z"),  # the right shape, but nothing of the sort exists
    st.text(min_size=1, max_size=40),
)

# Every place a command takes an ID or name; {} is the hostile value.
NAME_COMMANDS: list[list[str]] = [
    ["timetable", "--meeting", "{}"], ["responses", "due", "--meeting", "{}", "--as-of", AS_OF],
    ["responses", "due", "--committee", "{}"], ["responses", "history", "{}"],
    ["responses", "withdraw", "{}", "--as-of", AS_OF], ["items", "list", "--meeting", "{}"],
    ["items", "move", "{}", MEETING, "--as-of", AS_OF], ["items", "move", "1", "{}", "--as-of", AS_OF],
    ["items", "remove", "{}", "--as-of", AS_OF], ["items", "add", "{}", "--title", "An item", "--as-of", AS_OF],
    ["items", "add", MEETING, "--title", "An item", "--respondent", "{}", "--as-of", AS_OF],
    ["committees", "remove", "{}"], ["contacts", "forget", "{}"], ["meetings", "list", "--committee", "{}"],
    ["programme", "--committee", "{}"], ["letters", "preview", "{}", "--as-of", AS_OF, "--out", "previews"],
    ["minutes", "record", "{}", "minutes.docx"], ["calendar", "export", "out.ics", "--committee", "{}"],
    ["plan", "pin", "{}", MEETING, "--as-of", AS_OF], ["plan", "pin", "R15", "{}", "--as-of", AS_OF],
    ["plan", "unpin", "{}", "--as-of", AS_OF],
]  # fmt: skip
FLOW_NAME_COMMANDS: list[list[str]] = [
    ["pack", "{}", "--as-of", "2027-01-15", "--no-send"], ["letters", "--meeting", "{}", "--as-of", AS_OF],
    ["letters", "--reissue", "{}", "--as-of", AS_OF], ["remind", "--committee", "{}", "--as-of", "2027-01-11"],
    ["responses", "record", "{}", "response.docx", "--as-of", "2026-12-20"], ["plan", "--committee", "{}", "--as-of", AS_OF],
]  # fmt: skip
# Free text: a title or a question may be anything; the item is then taken, and must not become a path.
TEXT_COMMANDS: list[list[str]] = [
    ["items", "add", MEETING, "--title", "{}", "--as-of", AS_OF],
    ["items", "add", MEETING, "--title", "An item", "--question", "{}", "--presenter", "{}", "--as-of", AS_OF],
]  # fmt: skip


@pytest.fixture
def hostile(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[HostileHome]:
    yield from make_offline_hostile_home(sqlite_home, capsys, monkeypatch)


def _outside_home_untouched(hostile: HostileHome, before: dict[str, str]) -> None:
    """Nothing was written beside the home or its cases' folder (where a traversal would land)."""
    assert file_tree(hostile.home.parent, skip=("home", "home-as-made", "cases")) == before


def _names_are_refused(
    hostile: HostileHome, beside: dict[str, str], commands: list[list[str]], *, examples: int, kind: str
) -> None:
    @fuzz_settings(examples)
    @given(template=st.sampled_from(commands), value=hostile_name)
    def names(template: list[str], value: str) -> None:
        hostile.refused(*argv(template, value), kind=kind)
        _outside_home_untouched(hostile, beside)

    names()


def test_hostile_names_and_ids(hostile: HostileHome) -> None:
    write_inputs(hostile)
    beside = file_tree(hostile.home.parent, skip=("home", "home-as-made", "cases"))

    _names_are_refused(hostile, beside, NAME_COMMANDS, examples=140, kind="name")
    _names_are_refused(hostile, beside, FLOW_NAME_COMMANDS, examples=14, kind="name (flow)")

    @fuzz_settings(12)
    @given(template=st.sampled_from(TEXT_COMMANDS), value=st.sampled_from(HOSTILE_NAMES))
    def free_text(template: list[str], value: str) -> None:
        result = hostile.refused_or_accepted(*argv(template, value), kind="text")
        if result.code == 0:
            for args in (["items", "list"], ["responses", "due", "--as-of", AS_OF], ["programme"]):
                after = hostile.run(*args)
                assert after.code == 0, (args, after.err)
            _outside_home_untouched(hostile, beside)
            hostile.put_back()

    free_text()
    counts = hostile.outcomes
    assert counts["name"] >= 80, counts
    note(
        f"hostile input: {counts['name'] + counts['name (flow)']} names and IDs that do not exist or try to become "
        f"paths, in {len(NAME_COMMANDS) + len(FLOW_NAME_COMMANDS)} places ({counts['name (flow)']} through flows), "
        f"each one line, database and files unchanged; {counts['text'] + counts['text accepted']} hostile item "
        f"texts ({counts['text accepted']} taken as text, no path made of them)"
    )


# --------------------------------------------------------------------------------------
# Files that are not files, and backups that try to escape


FILE_COMMANDS: list[list[str]] = [
    ["init", "--config", "{}"], ["meetings", "import", "{}", "--as-of", AS_OF], ["templates", "check", "{}"],
    ["minutes", "record", "lih-2026-12-07", "{}"], ["restore", "--force", "{}"],
    ["responses", "record", "lih-R15-1-mopac", "{}", "--as-of", "2026-12-20"],
]  # fmt: skip


def _special_files(folder: Path) -> list[str]:
    folder.mkdir()
    fifo = folder / "named-pipe"
    os.mkfifo(fifo)
    loop = folder / "loop"
    loop.symlink_to(loop)
    (folder / "empty").write_bytes(b"")
    return [str(fifo), "/dev/zero", "/dev/null", str(loop), str(folder), str(folder / "missing"), "", "x\x00y",
            str(folder / ("n" * 300)), str(folder / "empty")]  # fmt: skip


def _archive_with(member: str, data: bytes, listed: str | None) -> bytes:
    files = [] if listed is None else [{"path": listed, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}]
    manifest = {
        "format": "scrutiny-backup", "version": 1, "created": "2027-01-01T00:00:00Z", "schema_revision": "0003",
        "dialect": "sqlite", "database_sha256": "0" * 64, "database_size": 0, "committees": [], "files": files,
    }  # fmt: skip
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, body in ((member, data), ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def test_file_arguments_that_are_not_files_and_archives_that_escape(hostile: HostileHome) -> None:
    special = _special_files(hostile.work / "special")
    for path in special:
        for template in FILE_COMMANDS:
            hostile.refused(*argv(template, path), kind="file")
    empty_home = hostile.home.parent / "empty-home"

    @fuzz_settings(30)
    @given(
        name=hostile_name, listed=st.booleans(), under=st.sampled_from(["files/", "files/letters/", "", "database/"])
    )
    def archives(name: str, listed: bool, under: str) -> None:
        member = under + name
        path = hostile.work / "hostile-backup.tar.gz"
        try:
            path.write_bytes(_archive_with(member, b"owned", member.removeprefix("files/") if listed else None))
        except (ValueError, UnicodeEncodeError):
            return  # tar itself cannot hold the name
        hostile.refused("restore", "--force", str(path), kind="archive")
        os.environ["SCRUTINY_HOME"] = str(empty_home)
        try:
            result = hostile.run("restore", str(path))
        finally:
            os.environ["SCRUTINY_HOME"] = str(hostile.home)
        assert result.code == 2 and len(result.err.strip().splitlines()) == 1, result.err
        assert file_tree(empty_home, skip=(".prefect",)) == {}, name
        written = [p for p in hostile.home.parent.rglob("*") if p.is_file() and p.stat().st_size == len(b"owned")]
        assert not [p for p in written if p.read_bytes() == b"owned"], "a member was written out"
        hostile.outcomes["archive (empty home)"] += 1

    archives()
    counts = hostile.outcomes
    note(
        f"hostile input: {counts['file']} file arguments that are not files (pipe, /dev/zero, folder, link loop, "
        f"missing, NUL, too long) across {len(FILE_COMMANDS)} commands; {counts['archive']} backups with members "
        f"named to escape, each refused over a full home and into an empty one; all one line, unchanged"
    )
