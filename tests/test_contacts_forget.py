"""`scrutiny contacts forget EMAIL`: a contact and a member forgotten after a meeting's letters and
pack went out, on SQLite and PostgreSQL. The records of what was sent stay, the address is
nowhere in the database, chasers go to the new contact, a committee file naming them again is
refused, and an e-mail still owed to them is withheld, never sent."""

from __future__ import annotations

import email
import json
from email import policy
from pathlib import Path

import pytest
from sqlmodel import Session, select

from scrutiny.delivery.addresses import redacted_address
from scrutiny.settings import get_settings
from state import models
from state.db import get_engine
from tests.cli_helpers import run_cli
from tests.counts import note
from tests.factories import bundled_config_data, write_config
from tests.state_dump import database_rows, snapshot

pytestmark = pytest.mark.usefixtures("prefect_harness")

MEETING = "lih-2027-01-25"
CONTACT = "natasha.plummer@mopac.example"  # MOPAC's contact, addressed and copied on the meeting's letters
MEMBER = "sade.etti@hackney.example"  # the Vice Chair, sent the agenda pack
NEW_CONTACT = "policing.scrutiny@mopac.example"


def _one_line_error(result, *expected: str) -> str:  # type: ignore[no-untyped-def]
    lines = result.err.strip().splitlines()
    assert result.code == 2, (result.code, result.out, result.err)
    assert len(lines) == 1 and lines[0].startswith("scrutiny: error: ") and "Traceback" not in result.err, result.err
    for text in expected:
        assert text in lines[0], result.err
    return lines[0]


def _config_without_them() -> dict:
    data = bundled_config_data()
    mopac = next(o for o in data["organisations"] if o["id"] == "mopac")
    mopac["contact"] = {"name": "", "role": "Head of Policing Scrutiny", "email": NEW_CONTACT}
    data["members"] = [m for m in data["members"] if m["email"] != MEMBER]
    return data


def _everything(url: str) -> str:
    return json.dumps(database_rows(url)).lower()


def _deliveries(url: str) -> list[models.Delivery]:
    with Session(get_engine(url)) as session:
        return list(session.exec(select(models.Delivery)))


def test_a_contact_and_a_member_are_forgotten_and_stay_forgotten(
    home: Path, database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "plan", "--as-of", "2026-11-21").code == 0
    assert run_cli(capsys, "letters", "--as-of", "2026-11-21").code == 0
    assert run_cli(capsys, "pack", MEETING, "--as-of", "2027-01-15").code == 0  # e-mailed to the 7 members
    sent_before = {d.id: (d.document_id, d.role, d.state) for d in _deliveries(database_url)}
    to_them = [d for d in _deliveries(database_url) if d.address in (CONTACT, MEMBER)]
    assert {d.address for d in to_them} == {CONTACT, MEMBER} and {d.state for d in to_them} == {"sent"}

    # While the committee file names them, and for an address nobody has: one line, nothing changed.
    before = snapshot(home, database_url)
    refused = run_cli(capsys, "contacts", "forget", CONTACT)
    _one_line_error(refused, "committees/living-in-hackney/committee.yaml still names", "organisations[mopac].contact")
    _one_line_error(run_cli(capsys, "contacts", "forget", MEMBER), "members[Cllr Sade Etti].email")
    _one_line_error(run_cli(capsys, "contacts", "forget", "nobody@nowhere.example"), "nothing to forget")
    _one_line_error(run_cli(capsys, "contacts", "forget", "Natasha Plummer"), "is not an e-mail address")
    assert snapshot(home, database_url) == before

    # The officer changes the file first, then forgets them (the address in any case).
    changed = write_config(home.parent / "committee.yaml", _config_without_them())
    assert run_cli(capsys, "init", "--config", str(changed)).code == 0
    forgot = run_cli(capsys, "contacts", "forget", CONTACT.upper())
    assert forgot.code == 0, forgot.err
    assert (
        "1 contact(s) redacted (mopac)" in forgot.out and f"kept as sent to {redacted_address(CONTACT)}" in forgot.out
    )
    assert f"Chasers of 1 open letter(s) go to the organisation's current contact: {MEETING}-mopac" in forgot.out
    member = run_cli(capsys, "contacts", "forget", MEMBER, "--json")
    assert member.code == 0, member.err
    assert member.json()["members"] == ["living-in-hackney"] and member.json()["deliveries_kept"] == 1

    url = database_url
    everything = _everything(url)
    assert CONTACT not in everything and MEMBER not in everything
    assert "natasha plummer" not in everything and "sade etti" not in everything
    after = {d.id: d for d in _deliveries(url)}
    assert {i: (d.document_id, d.role, d.state) for i, d in after.items()} == sent_before, "every record kept"
    kept = [after[d.id] for d in to_them]
    assert {d.address for d in kept} == {redacted_address(CONTACT), redacted_address(MEMBER)}
    assert {d.name for d in kept} == {"[removed]"}
    with Session(get_engine(url)) as session:
        old = session.exec(select(models.Contact).where(models.Contact.email == redacted_address(CONTACT))).one()
        assert (old.name, old.current) == ("[removed]", False)
        letter = session.get(models.Letter, f"{MEETING}-mopac")
        assert letter is not None and letter.version == 1 and letter.contact_id != old.id
        assert not session.exec(select(models.Member).where(models.Member.name == "Cllr Sade Etti")).all()
    listed = (home / "committees" / "forgotten.json").read_text(encoding="utf-8")
    assert CONTACT not in listed and MEMBER not in listed and len(json.loads(listed)["forgotten"]) == 2

    # The reminder goes to MOPAC's new contact; nothing is queued for the forgotten.
    assert run_cli(capsys, "remind", "--as-of", "2027-01-04").code == 0
    [reminder] = (home / "outbox").glob(f"{MEETING}-mopac-reminder-*.eml")
    message = email.message_from_bytes(reminder.read_bytes(), policy=policy.default)
    assert NEW_CONTACT in str(message["To"]) and CONTACT not in reminder.read_text(encoding="utf-8").lower()
    assert not any(d.address.endswith("@redacted.invalid") and d.id not in after for d in _deliveries(url))

    # Bringing them back: an old copy of the file, or the installed file edited by hand, is refused.
    before = snapshot(home, url)
    original = write_config(home.parent / "original.yaml", bundled_config_data())
    back = run_cli(capsys, "init", "--config", str(original))
    _one_line_error(
        back, "original.yaml: members[Cllr Sade Etti].email names sade.etti@hackney.example, who was forgotten"
    )
    installed = home / "committees" / "living-in-hackney" / "committee.yaml"
    edited = installed.read_text(encoding="utf-8").replace(NEW_CONTACT, CONTACT)
    mine = installed.read_bytes()
    installed.write_text(edited, encoding="utf-8")
    _one_line_error(run_cli(capsys, "responses", "due", "--as-of", "2027-01-04"), "who was forgotten")
    installed.write_bytes(mine)
    assert snapshot(home, url) == before

    again = run_cli(capsys, "contacts", "forget", CONTACT)
    assert again.code == 0 and "was forgotten on" in again.out
    assert snapshot(home, url) == before
    note(
        f"contacts forget ({'sqlite' if url.startswith('sqlite') else 'postgresql'}): 1 contact and 1 member "
        f"forgotten, {len(kept)} delivery records kept redacted, 5 refusals one line and unchanged"
    )


def test_an_email_still_owed_to_a_forgotten_person_is_withheld(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    monkeypatch.setenv("SCRUTINY_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SCRUTINY_SMTP_PORT", "9")  # nothing listens: every e-mail stays pending
    monkeypatch.setenv("SCRUTINY_SMTP_STARTTLS", "false")
    monkeypatch.setenv("SCRUTINY_DELIVERY_RETRY_DELAYS", "")
    assert run_cli(capsys, "plan", "--as-of", "2026-11-21").code == 0
    assert run_cli(capsys, "letters", "--as-of", "2026-11-21").code == 2  # written, e-mails pending
    url = get_settings().effective_database_url
    owed = [d for d in _deliveries(url) if d.address == CONTACT]
    assert owed and {d.state for d in owed} == {"pending"}
    changed = write_config(sqlite_home.parent / "committee.yaml", _config_without_them())
    assert run_cli(capsys, "init", "--config", str(changed)).code == 0
    forgot = run_cli(capsys, "contacts", "forget", CONTACT)
    assert forgot.code == 0 and f"{len(owed)} e-mail(s) still owed withheld" in forgot.out, forgot.out + forgot.err

    # The mail server is back (here: the outbox): everyone else gets theirs, the forgotten nothing.
    monkeypatch.delenv("SCRUTINY_SMTP_HOST")
    assert run_cli(capsys, "letters", "--as-of", "2026-11-22").code == 0
    states = {d.id: (d.address, d.state) for d in _deliveries(url)}
    assert {states[d.id] for d in owed} == {(redacted_address(CONTACT), "withheld")}
    assert {state for _address, state in states.values()} == {"sent", "withheld"}
    sent = "".join(p.read_text(encoding="utf-8").lower() for p in (sqlite_home / "outbox").glob("*.eml"))
    assert sent and CONTACT not in sent and "redacted.invalid" not in sent
    note(f"contacts forget: {len(owed)} e-mails owed to a forgotten contact withheld, the others sent")
