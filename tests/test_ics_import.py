"""Reading committee meetings from real-world .ics exports (tests/data/ics)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrutiny.errors import ScrutinyError
from scrutiny.ics_import import IcsImportResult, ImportedMeeting, parse_meetings_ics

DATA = Path(__file__).parent / "data" / "ics"
GOOD = DATA / "good"
BAD = DATA / "bad"
LONDON = ZoneInfo("Europe/London")
MATCH = ["Living in Hackney"]
DEFAULT_VENUE = "Hackney Town Hall"


def parse(path: Path, match: list[str] | None = None) -> IcsImportResult:
    return parse_meetings_ics(
        path,
        committee_match=MATCH if match is None else match,
        default_start_time=time(19, 0),
        default_venue=DEFAULT_VENUE,
    )


def local(meeting: ImportedMeeting) -> str:
    return meeting.start.strftime("%Y-%m-%d %H:%M")


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Test//EN\r\n"
        + body.replace("\n", "\r\n")
        + "END:VCALENDAR\r\n",
        encoding="utf-8",
    )
    return path


# file -> (skipped count, [(uid prefix, London start, venue, cancelled)])
EXPECTED: dict[str, tuple[int, list[tuple[str, str, str, bool]]]] = {
    "outlook-gmt-standard-time.ics": (
        1,
        [
            (
                "040000008200E00074C5B7101A82E00800000000D0A3",
                "2024-07-08 19:00",
                "Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA",
                False,
            ),
            (
                "040000008200E00074C5B7101A82E00800000000F1B2",
                "2024-12-09 19:00",
                "Committee Room 102, Hackney Town Hall",
                False,
            ),
        ],
    ),
    "google-calendar.ics": (
        3,
        [
            (
                "5q1r8kq0j3v2m6t4n7p9s1u3w5@google.com",
                "2025-01-27 19:00",
                "Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA, UK",
                False,
            ),
            ("0h6a2c4e8g1i3k5m7o9q2s4u6w@google.com", "2025-07-07 19:00", DEFAULT_VENUE, False),
        ],
    ),
    "thunderbird-lightning.ics": (
        0,
        [
            ("b7e1c9a2-4f3d-4e8a-9c61-2d5f7a8b9e01", "2024-09-11 19:00", "Council Chamber, Hackney Town Hall", False),
            ("0c4f2e6a-8b1d-4a7e-b3c5-9d2e1f0a7b64", "2024-10-28 19:00", DEFAULT_VENUE, False),
        ],
    ),
    "moderngov-committee.ics": (
        3,
        [
            (
                "mgMeeting5211@hackney.moderngov.example",
                "2024-06-24 19:00",
                "Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA",
                False,
            ),
            (
                "mgMeeting5230@hackney.moderngov.example",
                "2024-10-14 19:00",
                "Committee Room 102, Hackney Town Hall",
                False,
            ),
            (
                "mgMeeting5240@hackney.moderngov.example",
                "2024-12-09 19:00",
                "Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA",
                False,
            ),
            ("mgMeeting5250@hackney.moderngov.example", "2025-03-24 19:00", DEFAULT_VENUE, False),
            (
                "mgMeeting5251@hackney.moderngov.example",
                "2025-04-02 19:00",
                "Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA",
                True,
            ),
        ],
    ),
    "all-day.ics": (
        0,
        [
            ("9F1C2B3A-7D6E-4F5A-8B9C-0D1E2F3A4B5C", "2025-03-10 19:00", DEFAULT_VENUE, False),
            ("1A2B3C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D", "2025-06-18 19:00", "Hackney Town Hall", False),
        ],
    ),
    "utc.ics": (
        0,
        [
            ("booking-88231@rooms.example.org", "2024-07-08 19:00", "Council Chamber", False),
            ("booking-90210@rooms.example.org", "2024-10-27 01:45", "Committee Room 102", False),
            ("booking-90114@rooms.example.org", "2024-12-09 19:00", "Council Chamber", False),
        ],
    ),
    "floating.ics": (
        0,
        [
            ("lih-2024-12-09@example.org", "2024-12-09 19:00", "Council Chamber, Hackney Town Hall", False),
            ("lih-2025-07-07@example.org", "2025-07-07 19:00", DEFAULT_VENUE, False),
        ],
    ),
    "cancelled.ics": (
        0,
        [
            (
                "040000008200E00074C5B7101A82E00800000000C0FFEE",
                "2025-04-28 19:00",
                "Council Chamber, Hackney Town Hall",
                True,
            ),
        ],
    ),
    "other-timezones.ics": (
        0,
        [
            ("20240915T101010Z-4242-1000-1-7@evolution.example", "2024-09-16 19:00", "Council Chamber", False),
            ("20240915T101010Z-4242-1000-1-8@evolution.example", "2024-11-11 19:00", "Council Chamber", False),
            ("20240915T101010Z-4242-1000-1-9@evolution.example", "2025-06-16 19:00", "Council Chamber", False),
        ],
    ),
}


def test_every_good_file_has_expectations() -> None:
    assert sorted(p.name for p in GOOD.glob("*.ics")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_good_file_gives_expected_meetings(name: str) -> None:
    skipped, expected = EXPECTED[name]
    result = parse(GOOD / name)
    got = [(m.uid, local(m), m.venue, m.cancelled) for m in result.meetings]
    assert len(got) == len(expected), got
    for (uid, start, venue, cancelled), (e_uid, e_start, e_venue, e_cancelled) in zip(got, expected, strict=True):
        assert uid.startswith(e_uid)
        assert (start, venue, cancelled) == (e_start, e_venue, e_cancelled)
    assert result.skipped == skipped == len(result.skipped_reasons)
    for meeting in result.meetings:
        assert meeting.start.tzinfo is LONDON or meeting.start.tzinfo == LONDON
        assert meeting.end is None or meeting.end.tzinfo == LONDON
        assert "living in hackney" in meeting.title.lower()


def test_outlook_uids_are_unfolded_and_sequence_read() -> None:
    meetings = parse(GOOD / "outlook-gmt-standard-time.ics").meetings
    assert meetings[1].uid == (
        "040000008200E00074C5B7101A82E00800000000F1B2C3D4E58FDA01000000000000000"
        "01000000098A7B6C5D4E3F2A1B0C9D8E7F6A5B4C3"
    )
    assert [m.sequence for m in meetings] == [0, 3]
    assert meetings[1].title == "Living in Hackney Scrutiny Commission - Trust and Confidence"
    assert meetings[0].end == datetime(2024, 7, 8, 21, 30, tzinfo=LONDON)


def test_utc_times_convert_to_london_on_both_sides_of_dst() -> None:
    by_uid = {m.uid: m for m in parse(GOOD / "utc.ics").meetings}
    summer = by_uid["booking-88231@rooms.example.org"]  # stored as 18:00Z
    assert (summer.start.hour, summer.start.utcoffset()) == (19, timedelta(hours=1))
    assert summer.start == datetime(2024, 7, 8, 18, 0, tzinfo=UTC)
    winter = by_uid["booking-90114@rooms.example.org"]  # stored as 19:00Z
    assert (winter.start.hour, winter.start.utcoffset()) == (19, timedelta(0))


def test_end_in_repeated_autumn_hour_is_not_before_start() -> None:
    # 00:45Z-01:15Z on 27 Oct 2024 is 01:45 BST to 01:15 GMT: wall clock goes backwards.
    meeting = {m.uid: m for m in parse(GOOD / "utc.ics").meetings}["booking-90210@rooms.example.org"]
    assert meeting.end is not None
    assert meeting.end - meeting.start.astimezone(UTC) == timedelta(minutes=30)
    assert meeting.start.utcoffset() == timedelta(hours=1)
    assert meeting.end.utcoffset() == timedelta(0)


def test_all_day_events_start_at_default_time_in_london() -> None:
    meetings = parse(GOOD / "all-day.ics").meetings
    assert [m.all_day for m in meetings] == [True, True]
    assert [m.end for m in meetings] == [None, None]
    assert meetings[0].start == datetime(2025, 3, 10, 19, 0, tzinfo=LONDON)
    assert meetings[1].start.utcoffset() == timedelta(hours=1)  # June: BST
    other = parse_meetings_ics(
        GOOD / "all-day.ics",
        committee_match=MATCH,
        default_start_time=time(18, 30),
        default_venue="Somewhere",
    ).meetings
    assert local(other[0]) == "2025-03-10 18:30"
    assert other[0].venue == "Somewhere"


def test_floating_times_are_london_and_duration_gives_end() -> None:
    floating = parse(GOOD / "floating.ics").meetings
    assert floating[1].start.utcoffset() == timedelta(hours=1)
    assert floating[1].end is None
    thunderbird = parse(GOOD / "thunderbird-lightning.ics").meetings
    assert thunderbird[1].end == datetime(2024, 10, 28, 21, 30, tzinfo=LONDON)


def test_other_timezones_convert_to_london() -> None:
    meetings = parse(GOOD / "other-timezones.ics").meetings
    # 14:00 New York (EST) is 19:00 GMT; 21:00 in the file's own +03:00 zone is 19:00 BST.
    assert [local(m) for m in meetings] == ["2024-09-16 19:00", "2024-11-11 19:00", "2025-06-16 19:00"]
    assert meetings[2].end == datetime(2025, 6, 16, 21, 0, tzinfo=LONDON)


def test_skipped_events_are_counted_with_reasons() -> None:
    reasons = parse(GOOD / "google-calendar.ics").skipped_reasons
    assert "RRULE" in reasons[0] and "event 3" in reasons[0]
    assert "RECURRENCE-ID" in reasons[1] and "event 4" in reasons[1]
    assert "not a meeting of this committee" in reasons[2]
    assert '"School half term"' in reasons[2]
    moderngov = parse(GOOD / "moderngov-committee.ics")
    assert [r.split('"')[1] for r in moderngov.skipped_reasons] == [
        "Health in Hackney Scrutiny Commission",
        "Cabinet",
        "Scrutiny Panel",
    ]


def test_match_is_case_insensitive_and_any_of() -> None:
    result = parse(GOOD / "moderngov-committee.ics", ["CABINET", "health in hackney"])
    assert [m.title for m in result.meetings] == ["Health in Hackney Scrutiny Commission", "Cabinet"]
    assert result.skipped == 6


def test_method_cancel_and_status_cancelled() -> None:
    meeting = parse(GOOD / "cancelled.ics").meetings[0]
    assert meeting.cancelled and meeting.sequence == 2


def test_several_vcalendars_in_one_file(tmp_path: Path) -> None:
    path = tmp_path / "two.ics"
    path.write_bytes(
        (GOOD / "floating.ics").read_bytes() + (GOOD / "utc.ics").read_bytes().removeprefix(b"\xef\xbb\xbf")
    )
    result = parse(path)
    assert len(result.meetings) == 5
    assert [local(m) for m in result.meetings][:2] == ["2024-07-08 19:00", "2024-10-27 01:45"]


def test_meetings_come_back_sorted_by_start(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "order.ics",
        (
            "BEGIN:VEVENT\nUID:b\nDTSTART:20250101T190000Z\n"
            "SUMMARY:Living in Hackney Scrutiny Commission\nEND:VEVENT\n"
            "BEGIN:VEVENT\nUID:a\nDTSTART:20240101T190000Z\n"
            "SUMMARY:Living in Hackney Scrutiny Commission\nEND:VEVENT\n"
        ),
    )
    assert [m.uid for m in parse(path).meetings] == ["a", "b"]


# bad file -> words the one-line message must contain
BAD_EXPECTED: dict[str, str] = {
    "bad-date.ics": "bad DTSTART value '20241399T190000'",
    "bad-tzid.ics": "unknown TZID 'Europe/Hackney'",
    "binary.ics": "not a text file",
    "blank-lines.ics": "empty",
    "broken-vtimezone.ics": "not a valid iCalendar file",
    "date-in-words.ics": "bad DTSTART value",
    "date-start-datetime-end.ics": "DTSTART is a date but DTEND is a date-time",
    "duplicate-uid.ics": 'event 2 ("Living in Hackney Scrutiny Commission",'
    " UID same@example.org): duplicate UID, already used by event 1",
    "empty.ics": "empty",
    "end-before-start.ics": "ends (2024-12-09 17:00) before it starts (2024-12-09 19:00)",
    "garbage-line.ics": "not a valid iCalendar file",
    "html-saved-as-ics.ics": "looks like HTML",
    "missing-dtstart.ics": 'event 3 ("Living in Hackney Scrutiny Commission", UID no-start@example.org): no DTSTART',
    "missing-end-vcalendar.ics": "missing END:VCALENDAR",
    "missing-uid.ics": 'event 1 ("Living in Hackney Scrutiny Commission"): no UID',
    "no-vcalendar.ics": "does not start with BEGIN:VCALENDAR",
    "not-utf8.ics": "not UTF-8 text (byte 0xe9 on line 9)",
    "period-start.ics": "DTSTART is not a date or date-time",
    "truncated.ics": "missing END:VCALENDAR",
    "two-dtstarts.ics": "more than one DTSTART",
    "utf16.ics": "UTF-16",
    "vcard.ics": "does not start with BEGIN:VCALENDAR",
}


def test_every_bad_file_has_expectations() -> None:
    assert sorted(p.name for p in BAD.glob("*.ics")) == sorted(BAD_EXPECTED)


@pytest.mark.parametrize("name", sorted(BAD_EXPECTED))
def test_bad_file_raises_one_line_error_naming_file(name: str) -> None:
    with pytest.raises(ScrutinyError) as info:
        parse(BAD / name)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(f"{BAD / name}: ")
    assert BAD_EXPECTED[name] in message


def test_byte_order_mark_is_accepted_and_bad_bytes_located(tmp_path: Path) -> None:
    good = tmp_path / "bom.ics"
    good.write_bytes(b"\xef\xbb\xbf" + (GOOD / "floating.ics").read_bytes())
    assert len(parse(good).meetings) == 2
    bad = tmp_path / "bom-latin1.ics"
    bad.write_bytes(b"\xef\xbb\xbfBEGIN:VCALENDAR\r\nX-NOTE:Caf\xe9\r\nEND:VCALENDAR\r\n")
    with pytest.raises(ScrutinyError, match=r"not UTF-8 text \(byte 0xe9 on line 2\)"):
        parse(bad)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ScrutinyError, match="nope.ics: file not found"):
        parse(tmp_path / "nope.ics")
    with pytest.raises(ScrutinyError, match="is a directory"):
        parse(tmp_path)


def test_unreadable_path(tmp_path: Path) -> None:
    parent = write(tmp_path, "a-file.ics", "")
    with pytest.raises(ScrutinyError, match="a-file.ics/child.ics: cannot read the file"):
        parse(parent / "child.ics")  # works as root too, unlike chmod 000


def test_broken_events_of_other_committees_are_skipped_not_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mixed.ics",
        (
            "BEGIN:VEVENT\nUID:cab\nSUMMARY:Cabinet\nDTSTART;TZID=Nowhere/Land:20241399T1900\n"
            "END:VEVENT\n"
            "BEGIN:VEVENT\nSUMMARY:Licensing Sub-Committee\nEND:VEVENT\n"
            "BEGIN:VEVENT\nUID:ok\nDTSTART:20241209T190000Z\n"
            "SUMMARY:Living in Hackney Scrutiny Commission\nEND:VEVENT\n"
        ),
    )
    result = parse(path)
    assert [m.uid for m in result.meetings] == ["ok"]
    assert result.skipped == 2


def test_recurring_meeting_is_skipped_without_validation(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rrule.ics",
        (
            "BEGIN:VEVENT\nUID:r\nDTSTART:20241209T190000Z\nRRULE:FREQ=MONTHLY;COUNT=3\n"
            "SUMMARY:Living in Hackney Scrutiny Commission\nEND:VEVENT\n"
        ),
    )
    result = parse(path)
    assert result.meetings == [] and result.skipped == 1


def test_tzid_from_another_file_does_not_leak(tmp_path: Path) -> None:
    # icalendar caches VTIMEZONEs process-wide; a TZID must only resolve via its own file.
    parse(GOOD / "other-timezones.ics")  # defines "Hackney Civic Time"
    path = write(
        tmp_path,
        "leak.ics",
        (
            "BEGIN:VEVENT\nUID:leak\nDTSTART;TZID=Hackney Civic Time:20250616T210000\n"
            "SUMMARY:Living in Hackney Scrutiny Commission\nEND:VEVENT\n"
        ),
    )
    with pytest.raises(ScrutinyError, match="unknown TZID 'Hackney Civic Time'"):
        parse(path)


def test_olson_tzid_without_vtimezone_and_windows_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tz.ics",
        (
            "BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Europe/Paris:20240708T200000\n"
            "SUMMARY:Living in Hackney Scrutiny Commission\nEND:VEVENT\n"
            'BEGIN:VEVENT\nUID:b\nDTSTART;TZID="GMT Standard Time":20240708T190000\n'
            "SUMMARY:Living in Hackney Scrutiny Commission\nEND:VEVENT\n"
        ),
    )
    assert [local(m) for m in parse(path).meetings] == ["2024-07-08 19:00", "2024-07-08 19:00"]


@pytest.mark.parametrize(
    "body, words",
    [
        ("DTSTART:20241209T190000Z\nSEQUENCE:two\n", "bad SEQUENCE value 'two'"),
        ("DTSTART:20241209T190000Z\nDURATION:-PT2H\n", "before it starts"),
        ("DTSTART:20241209T190000Z\nthis is not a property\n", "a line could not be parsed"),
        ("DTSTART:20241209T190000Z\nUID:second\n", "more than one UID"),
        ("DTSTART;TZID=../../etc/passwd:20241209T190000\n", "unknown TZID"),
    ],
)
def test_event_problems(tmp_path: Path, body: str, words: str) -> None:
    path = write(
        tmp_path,
        "event.ics",
        ("BEGIN:VEVENT\nUID:u1\nSUMMARY:Living in Hackney Scrutiny Commission\n" + body + "END:VEVENT\n"),
    )
    with pytest.raises(ScrutinyError) as info:
        parse(path)
    assert words in str(info.value)
    assert str(info.value).startswith(f"{path}: event 1 (")


def test_empty_committee_match_is_an_error() -> None:
    with pytest.raises(ScrutinyError, match="no committee name"):
        parse(GOOD / "utc.ics", ["", "  "])


def test_single_string_match_is_not_split_into_letters() -> None:
    result = parse_meetings_ics(
        GOOD / "moderngov-committee.ics",
        committee_match="Cabinet",
        default_start_time=time(19),
        default_venue=DEFAULT_VENUE,
    )
    assert [m.title for m in result.meetings] == ["Cabinet"]


def test_file_name_with_nul_byte() -> None:
    with pytest.raises(ScrutinyError, match=r"meet\?ings.ics: not a usable file name"):
        parse(Path("meet\x00ings.ics"))


# --- fuzzing: mutated good files give a result or a one-line ScrutinyError, nothing else ---

GOOD_BYTES = {p.name: p.read_bytes() for p in sorted(GOOD.glob("*.ics"))}
MUTATIONS = ("flip", "insert", "delete_line", "duplicate_line", "swap_lines", "truncate", "duplicate_block", "nest")


@st.composite
def mutated_file(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(GOOD_BYTES)))
    data = GOOD_BYTES[name]
    for op in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        if not data:
            break
        lines = data.split(b"\n")
        if op == "flip":
            i = draw(st.integers(0, len(data) - 1))
            data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
        elif op == "insert":
            i = draw(st.integers(0, len(data)))
            data = data[:i] + draw(st.binary(min_size=1, max_size=8)) + data[i:]
        elif op == "delete_line":
            i = draw(st.integers(0, len(lines) - 1))
            data = b"\n".join(lines[:i] + lines[i + 1 :])
        elif op == "duplicate_line":
            i = draw(st.integers(0, len(lines) - 1))
            data = b"\n".join(lines[: i + 1] + lines[i:])
        elif op == "swap_lines":
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
        elif op == "truncate":
            data = data[: draw(st.integers(0, len(data) - 1))]
        elif op == "duplicate_block":
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(i, len(lines)))
            data = b"\n".join(lines[:j] + lines[i:j] + lines[j:])
        elif op == "nest":  # deep nesting once crashed parsers with RecursionError
            depth = draw(st.integers(1, 2000))
            i = draw(st.integers(0, len(lines) - 1))
            data = b"\n".join(lines[:i] + [b"BEGIN:VEVENT"] * depth + lines[i:])
    return name, data


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ics-fuzz")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated_file())
def test_fuzzed_files_give_result_or_one_line_scrutiny_error(fuzz_dir: Path, case: tuple[str, bytes]) -> None:
    name, data = case
    path = fuzz_dir / f"fuzzed-{name}"
    path.write_bytes(data)
    try:
        result = parse(path)
    except ScrutinyError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: ")
        assert "\n" not in message and "\r" not in message
        assert message.isprintable()
        return
    assert result.skipped == len(result.skipped_reasons)
    for meeting in result.meetings:
        assert meeting.uid
        assert meeting.start.tzinfo == LONDON
        assert meeting.end is None or meeting.end.timestamp() >= meeting.start.timestamp()
