"""Hostile committee files and calendars, fuzzed with hypothesis.

Committee files: the bundled one with values, keys and identifiers replaced (path traversal in
every ID that becomes a folder or file name, dates out of range, wrong types, huge values), or
its YAML text damaged (truncated, stray bytes, alias bombs, Python tags, deep nesting), given
to `scrutiny init --config FILE` and written over the installed file by hand (the sync the
next command does). Calendars: .ics files built from hostile parts (dates and times that do not
exist or are out of range, time zones that are paths, UIDs that are paths, recurrence bombs,
broken structure), given to `scrutiny meetings import`. Each is refused in one line with
nothing changed, or, when it is valid after all, taken, and then the home still works.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from state import models
from state.db import get_engine
from tests.counts import note
from tests.factories import bundled_config_data
from tests.hostile_support import AS_OF, HostileHome, fuzz_settings, make_hostile_home

pytestmark = pytest.mark.usefixtures("prefect_harness")

SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
BUNDLED = bundled_config_data()
INSTALLED = Path("committees") / "living-in-hackney" / "committee.yaml"

# Names that try to become paths, shells, or something else than a name.
HOSTILE_NAMES = [
    "../../etc/passwd", "..", ".", "/", "/etc/passwd", "a/b", "..\\..\\windows", "C:\\x", "x\x00y", "~root",
    "%2e%2e%2f", "\uff0e\uff0e\uff0f", "\u202etxt.exe", "CON", "lih-../../x", "-rf", "--force", "$(id)",
    "`id`", "${HOME}", "' OR 1=1 --", "<script>", "\n", "", " ", "a" * 300, "😀", "lih",
]  # fmt: skip
HOSTILE_DATES = ["0001-01-01", "9999-12-31", "2027-02-30", "2027-13-01", "1969-12-31", "2200-01-01", "27-1-1"]
hostile_text = st.one_of(st.sampled_from(HOSTILE_NAMES + HOSTILE_DATES), st.text(max_size=30), st.just("x" * 20_000))
hostile_value: st.SearchStrategy[Any] = st.one_of(
    hostile_text,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.lists(hostile_text, max_size=3),
    st.dictionaries(st.sampled_from(["name", "id", "email", "date", "x"]), hostile_text, max_size=2),
)


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            yield from _leaf_paths(item, (*path, index))


PATHS = [path for path in _leaf_paths(BUNDLED) if path]
ID_PATHS = [
    ("committee", "id"), ("committee", "prefix"), ("committee", "uid_domain"), ("meetings", 0, "id"),
    ("organisations", 0, "id"), ("organisations", 1, "succeeded_by"), ("commitments", 0, "key"),
    ("commitments", 0, "respondents", 0), ("reviews", 0, "id"), ("committee", "chair"),
    ("organisations", 0, "contact", "email"), ("committee", "officer", "email"), ("members", 0, "email"),
]  # fmt: skip
DATE_PATHS = [("meetings", 0, "date"), ("commitments", 0, "last_taken"), ("committee", "closures")]


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _delete(data: Any, path: tuple[Any, ...]) -> None:
    for key in path[:-1]:
        data = data[key]
    del data[path[-1]]


mutation = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(PATHS), hostile_value),
    st.tuples(st.just("set"), st.sampled_from(ID_PATHS), hostile_text),
    st.tuples(st.just("set"), st.sampled_from(DATE_PATHS), st.sampled_from(HOSTILE_DATES)),
    st.tuples(st.just("delete"), st.sampled_from(PATHS), st.none()),
    st.tuples(st.just("duplicate"), st.sampled_from(["members", "organisations", "meetings", "commitments"]), st.none()),
)  # fmt: skip

BOMB = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
    f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
    for i in range(8)
)
WHOLE_FILES = [
    b"", b"\xef\xbb\xbf", b"\xff\xfe\x00c\x00o", b"- just\n- a list\n", b"committee: *nowhere\n",
    b"!!python/object/apply:os.system ['touch /tmp/owned-by-yaml']\n",
    b"committee: !!python/name:os.system\n", (BOMB + "committee: *i\n").encode(),
    b"[" * 5000 + b"]" * 5000, b"{" * 5000, b"committee:\n  id: x\n---\ncommittee:\n  id: y\n",
    b"\x00\x01\x02\x03", b"committee: " + b"x" * (6 << 20),
]  # fmt: skip


@st.composite
def committee_file(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(WHOLE_FILES))
    data = bundled_config_data()
    for kind, path, value in draw(st.lists(mutation, min_size=1, max_size=3)):
        try:
            if kind == "set":
                _set(data, path, value)
            elif kind == "delete":
                _delete(data, path)
            else:
                data[path].append(data[path][0])
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation took the parent away: the file is hostile enough
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")
    damage = draw(st.sampled_from(["none", "none", "truncate", "bytes", "bomb"]))
    if damage == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == "bytes":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.binary(min_size=1, max_size=8)) + text[at:]
    elif damage == "bomb":
        text = (BOMB + text.decode("utf-8")).encode("utf-8")
    return text


@pytest.fixture
def hostile(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[HostileHome]:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    yield from make_hostile_home(sqlite_home, capsys)


def _home_still_works(hostile: HostileHome) -> None:
    """After valid input was taken: the listings still run (or refuse in one line), and IDs stay names."""
    for args in (["committees", "list"], ["meetings", "list"], ["timetable"], ["responses", "due", "--as-of", AS_OF]):
        result = hostile.run(*args)
        assert result.code in (0, 2) and "Traceback" not in result.err and "internal error" not in result.err, (
            args,
            result.err,
        )
    committees = [p.name for p in (hostile.home / "committees").iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert all(SAFE_ID.match(name) for name in committees), committees
    with Session(get_engine(hostile.url)) as session:
        ids = [m.id for m in session.exec(select(models.Meeting))]
    assert all(SAFE_ID.match(i.lower()) for i in ids), [i for i in ids if not SAFE_ID.match(i.lower())]
    assert not (Path("/tmp") / "owned-by-yaml").exists()


def test_hostile_committee_files(hostile: HostileHome) -> None:
    number = [0]

    @fuzz_settings(70)
    @given(data=committee_file())
    def case(data: bytes) -> None:
        number[0] += 1
        path = hostile.work / f"committee-{number[0]}.yaml"
        path.write_bytes(data)
        result = hostile.refused_or_accepted("init", "--config", str(path), kind="committee file")
        if result.code == 0:
            _home_still_works(hostile)
            hostile.put_back()

    case()
    edited = [0]

    @fuzz_settings(25)
    @given(data=committee_file())
    def installed_file_edited(data: bytes) -> None:
        # The officer edits the installed copy by hand: the next command syncs it, or refuses.
        installed = hostile.home / INSTALLED
        original = installed.read_bytes()
        installed.write_bytes(data)
        result = hostile.run("committees", "list")
        installed.write_bytes(original)
        edited[0] += 1
        if result.code == 0:
            hostile.outcomes["edited file accepted"] += 1
            hostile.put_back()
        else:
            hostile.check_refusal(result, ("committees", "list"))
            hostile.outcomes["edited file"] += 1

    installed_file_edited()
    refused, accepted = hostile.counted("committee file"), hostile.counted("committee file accepted")
    assert refused >= 30, hostile.outcomes
    note(
        f"hostile input: {refused + accepted} committee files ({refused} refused in one line with the database and "
        f"files unchanged, {accepted} valid and taken, the home working after), {edited[0]} installed files edited "
        f"by hand ({hostile.counted('edited file')} refused, unchanged)"
    )


# --------------------------------------------------------------------------------------
# Calendars

ICS_DATES = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(lambda d: f"{d.year:04d}{d:%m%d}"),
    st.sampled_from(["20270230", "20271301", "00000101", "99999999", "2027-01-25", "", "2027", "junk", "20270125"]),
)
ICS_TIMES = st.sampled_from(["T190000", "T190000Z", "T250000", "T186000", "", "T000000Z", "T235959Z", "T1900"])
TZIDS = st.sampled_from(
    [None, "Europe/London", "GMT Standard Time", "../../../etc/localtime", "/etc/localtime", "Europe/Nowhere",
     "x" * 500, "", "UTC", "Etc/GMT+14", "posixrules"]
)  # fmt: skip
SUMMARIES = st.one_of(
    st.just("Living in Hackney Scrutiny Commission"),
    st.sampled_from(HOSTILE_NAMES).map(lambda name: f"Living in Hackney {name}"),
    st.text(max_size=20),
)
EXTRA_LINES = st.sampled_from(
    ["RRULE:FREQ=SECONDLY", "RRULE:FREQ=DAILY;COUNT=999999999", "RDATE:20270101", "DURATION:P99999999W",
     "DURATION:-P1D", "DURATION:junk", "STATUS:CANCELLED", "SEQUENCE:999999999999999999999999", "SEQUENCE:-1",
     "SEQUENCE:x", "RECURRENCE-ID:20270125T190000", "BEGIN:VALARM", "END:VALARM", "BEGIN:VEVENT", "END:VEVENT",
     "DTSTART:20270125T190000", "X-WR-CALNAME:" + "x" * 5000, "LOCATION:" + "../" * 50, "ATTACH:file:///etc/passwd",
     " folded continuation", "\x00", "DTEND;VALUE=DATE:20270124"]
)  # fmt: skip


@st.composite
def vevent(draw: st.DrawFn) -> str:
    tzid = draw(TZIDS)
    start = draw(ICS_DATES) + draw(ICS_TIMES)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{draw(st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(max_size=20)))}",
        f"DTSTART{';TZID=' + tzid if tzid is not None else ''}:{start}",
        f"SUMMARY:{draw(SUMMARIES)}",
    ]
    if draw(st.booleans()):
        lines.append(f"DTEND:{draw(ICS_DATES)}{draw(ICS_TIMES)}")
    lines += draw(st.lists(EXTRA_LINES, max_size=3))
    if draw(st.integers(0, 5)):
        lines.append("END:VEVENT")
    return "\r\n".join(lines)


@st.composite
def calendar_file(draw: st.DrawFn) -> bytes:
    events = draw(st.lists(vevent(), min_size=1, max_size=4))
    timezone = draw(st.sampled_from(["", "BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\nEND:VTIMEZONE", "BEGIN:VTIMEZONE"]))
    text = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//hostile//EN", timezone, *events, "END:VCALENDAR"])
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 6)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=6)) + data[at:]
    return data


def test_hostile_calendars(hostile: HostileHome) -> None:
    number = [0]

    @fuzz_settings(80)
    @given(data=calendar_file())
    def case(data: bytes) -> None:
        number[0] += 1
        path = hostile.work / f"calendar-{number[0]}.ics"
        path.write_bytes(data)
        result = hostile.refused_or_accepted("meetings", "import", str(path), "--as-of", AS_OF, kind="calendar")
        if result.code == 0:
            _home_still_works(hostile)
            with Session(get_engine(hostile.url)) as session:
                dates = [m.date for m in session.exec(select(models.Meeting))]
            assert all(dt.date(1970, 1, 1) <= day <= dt.date(2199, 12, 31) for day in dates)
            hostile.put_back()

    case()
    refused, accepted = hostile.counted("calendar"), hostile.counted("calendar accepted")
    assert refused >= 20, hostile.outcomes
    note(
        f"hostile input: {refused + accepted} calendars ({refused} refused in one line with nothing changed, "
        f"{accepted} taken, the home working after)"
    )
