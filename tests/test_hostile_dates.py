"""Hostile dates, fuzzed with hypothesis: out of range (before 1970, after 2199, the calendar's
own ends 0001-01-01 and 9999-12-31), impossible (2027-02-30, 2027-13-01), malformed or empty,
for every `--as-of` and `--received`. Each is refused in one line (`scrutiny: error: ...`,
exit 2, no traceback) with every row of every table and every file of the home as before; the
three dates of the brief are also given to every command once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.counts import note
from tests.hostile_support import MEETING, HostileHome, argv, fuzz_settings, make_offline_hostile_home, write_inputs

pytestmark = pytest.mark.usefixtures("prefect_harness")

OUT_OF_RANGE = st.one_of(
    st.dates(max_value=dt.date(1969, 12, 31)),
    st.dates(min_value=dt.date(2200, 1, 1)),
).map(lambda day: f"{day.year:04d}-{day:%m-%d}")
IMPOSSIBLE = st.sampled_from(
    ["2027-02-30", "2027-02-29", "2027-13-01", "2027-00-10", "2027-04-31", "0000-01-01", "10000-01-01", "",
     " ", "2027-1-1", "27-01-01", "2027/01/25", "25/01/2027", "tomorrow", "+2027-01-25", "2027-01-25x",
     "\uff12\uff10\uff12\uff17-01-25", "2027-01-25\x00", "-2027-01-25", "9" * 50]
)  # fmt: skip
hostile_date = st.one_of(OUT_OF_RANGE, IMPOSSIBLE)
DATE_COMMANDS: list[list[str]] = [
    ["responses", "due", "--as-of", "{}"], ["items", "add", MEETING, "--title", "An item", "--as-of", "{}"],
    ["items", "move", "1", MEETING, "--as-of", "{}"], ["items", "remove", "1", "--as-of", "{}"],
    ["responses", "withdraw", "lih-R15-1-mopac", "--as-of", "{}"], ["plan", "pin", "R15", MEETING, "--as-of", "{}"],
    ["plan", "unpin", "R15", "--as-of", "{}"], ["letters", "preview", "lih-R15-1-mopac", "--as-of", "{}"],
    ["meetings", "import", "calendar.ics", "--as-of", "{}"],
]  # fmt: skip
FLOW_DATE_COMMANDS: list[list[str]] = [
    ["plan", "--as-of", "{}"], ["letters", "--as-of", "{}"], ["remind", "--as-of", "{}"],
    ["pack", MEETING, "--as-of", "{}"], ["run", "--as-of", "{}"], ["responses", "collect", "--as-of", "{}"],
    ["responses", "record", "lih-R15-1-mopac", "response.docx", "--received", "{}", "--as-of", "2026-12-20"],
    ["responses", "record", "lih-R15-1-mopac", "response.docx", "--as-of", "{}"],
]  # fmt: skip


@pytest.fixture
def hostile(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[HostileHome]:
    yield from make_offline_hostile_home(sqlite_home, capsys, monkeypatch)


def test_hostile_dates(hostile: HostileHome) -> None:
    write_inputs(hostile)

    @fuzz_settings(90)
    @given(template=st.sampled_from(DATE_COMMANDS), value=hostile_date)
    def dates(template: list[str], value: str) -> None:
        hostile.refused(*argv(template, value), kind="date")

    dates()

    @fuzz_settings(12)
    @given(template=st.sampled_from(FLOW_DATE_COMMANDS), value=hostile_date)
    def flow_dates(template: list[str], value: str) -> None:
        hostile.refused(*argv(template, value), kind="date (flow)")

    flow_dates()
    for fixed in ("0001-01-01", "9999-12-31", "2027-02-30"):  # the brief's own, on each command once
        for template in DATE_COMMANDS + FLOW_DATE_COMMANDS:
            hostile.refused(*argv(template, fixed), kind="named date")
    counts = hostile.outcomes
    note(
        f"hostile input: {counts['date'] + counts['date (flow)'] + counts['named date']} dates out of range or "
        f"impossible in {len(DATE_COMMANDS) + len(FLOW_DATE_COMMANDS)} commands' --as-of and --received "
        f"({counts['named date']} of them 0001-01-01, 9999-12-31, 2027-02-30 on every one), each one line, unchanged"
    )
