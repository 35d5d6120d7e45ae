"""The committee configuration: the bundled file, and a clear one-line error for each kind of mistake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scrutiny.config import load_committee_config
from scrutiny.errors import ScrutinyError
from scrutiny.settings import BUNDLED_CONFIG
from tests.factories import bundled_config_data, write_config


def test_bundled_committee_is_living_in_hackney() -> None:
    config = load_committee_config(BUNDLED_CONFIG)
    assert config.committee.name == "Living in Hackney Scrutiny Commission"
    assert config.committee.chair == "Cllr Sharon Patrick"
    assert [m.name for m in config.members][:2] == ["Cllr Sharon Patrick", "Cllr Sade Etti"]
    assert len(config.members) == 7
    review = config.reviews[0]
    assert [r.number for r in review.recommendations] == list(range(1, 17))
    commitments = {c.key: c for c in config.commitments}
    assert commitments["R15"].last_taken == dt.date(2020, 11, 9)
    assert commitments["R16"].last_taken == dt.date(2024, 12, 9)
    assert any("body worn camera" in t for t in commitments["R15"].first_update_topics)
    assert {"mopac", "met-ce-bcu"} <= set(commitments["R15"].respondents)
    # every address is on a reserved example domain, so a demo never writes to a real person
    emails = [o.contact.email for o in config.organisations] + [config.committee.officer.email]
    emails += [m.email for m in config.members if m.email]
    assert emails and all(e.split("@")[1].endswith(".example") for e in emails)
    assert len(config.meetings) == 10 and all(m.date.weekday() == 0 for m in config.meetings)
    # Every ID of the committee carries its prefix; CC entries name organisations of the file.
    assert (config.committee.id, config.committee.id_prefix) == ("living-in-hackney", "lih")
    assert config.committee.message_domain == "living-in-hackney.scrutiny.example"
    org_ids = {o.id for o in config.organisations}
    assert all(entry in org_ids for c in config.commitments for entry in c.cc if isinstance(entry, str))


@pytest.mark.parametrize(
    ("short_name", "committee_id", "expected"),
    [("LiH", "living-in-hackney", "lih"), ("Health & Care!", "hih", "healthcare"), ("2024 Panel", "scp", "scp")],
)
def test_a_committee_without_a_prefix_takes_one_from_its_short_name(
    tmp_path: Path, short_name: str, committee_id: str, expected: str
) -> None:
    def change(data: dict) -> None:  # type: ignore[type-arg]
        data["committee"].pop("prefix")
        data["committee"].update(short_name=short_name, id=committee_id)

    assert load_committee_config(_mutated(tmp_path, change)).committee.id_prefix == expected


def test_monitoring_group_is_succeeded_by_the_scrutiny_panel() -> None:
    config = load_committee_config(BUNDLED_CONFIG)
    group = config.organisation("hackney-community-ssmg")
    assert group.succeeded_by == "local-policing-scrutiny-panel"
    assert group.active_until == dt.date(2023, 9, 6)


def _mutated(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = bundled_config_data()
    change(data)
    return write_config(tmp_path / "committee.yaml", data)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["committee"].pop("name"), "committee.name: Field required"),
        (lambda d: d["committee"].update(surprise=1), "committee.surprise: Extra inputs are not permitted"),
        (lambda d: d["organisations"][0]["contact"].update(email="not-an-address"), "organisations.0.contact.email"),
        (
            lambda d: d["committee"].update(chair="Cllr Nobody"),
            "committee.chair 'Cllr Nobody' is not one of the members",
        ),
        (lambda d: d["commitments"][0]["respondents"].append("acme"), "respondent 'acme' is not an organisation"),
        (lambda d: d["commitments"][0].update(recommendation=99), "has no recommendation 99"),
        (lambda d: d["meetings"].append({"date": "2027-02-30"}), "meetings.10.date"),
        (lambda d: d["committee"]["timetable"].update(request_weeks_before_due=-1), "request_weeks_before_due"),
        (lambda d: d["organisations"].append(dict(d["organisations"][0])), "organisation id 'mopac' appears twice"),
        (lambda d: d["committee"].update(prefix="LiH-1"), "committee.prefix: String should match pattern"),
        (lambda d: d["committee"].update(id="Living in Hackney"), "committee.id: String should match pattern"),
        (lambda d: d["commitments"][0]["cc"].append("acme"), "commitment R15: cc 'acme' is not an organisation"),
    ],
)
def test_invalid_configuration_is_one_line_naming_the_problem(tmp_path: Path, change, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = _mutated(tmp_path, change)
    with pytest.raises(ScrutinyError) as caught:
        load_committee_config(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"committee: [unclosed\n", "invalid YAML at line"),
        (b"- just\n- a list\n", "expected a mapping"),
        (b"\xff\xfe\x00binary", "not a UTF-8 text file"),
        (b"", "expected a mapping"),
        (b"meetings:\n  - {date: 2027-04-31}\n", "invalid value in the YAML: day is out of range for month"),
    ],
)
def test_unreadable_configuration(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(ScrutinyError, match=expected):
        load_committee_config(path)


def test_missing_configuration(tmp_path: Path) -> None:
    with pytest.raises(ScrutinyError, match="configuration file not found"):
        load_committee_config(tmp_path / "nope.yaml")
