"""`scrutiny contacts forget EMAIL`: take a person out of the database, keeping the record of what was sent.

Refused while an installed committee file still names the address (the file is the officer's,
and a sync from it would bring the person back): the officer gives the organisation another
contact, or takes the member or CC entry out, and installs the file first. Then, in one
transaction:

- each contact with the address keeps its row (letters and requests point to it) as
  "[removed]", with the address replaced by ``forgotten-<hash>@redacted.invalid``;
- each member with the address is deleted (members are referred to by nothing);
- each e-mail record (Delivery) keeps its row, so the record that a letter or pack went to
  "a person since forgotten" stays; one still owed is marked ``withheld`` and never sent;
- a letter still waiting for a response that was addressed to them is addressed to the
  organisation's current contact, so no chaser goes to the forgotten person;
- any other text or list in the database holding the address has it replaced.

The address's hash is added to ``committees/forgotten.json`` (see ``services.forgotten``).
Documents already written (letters, packs, e-mails in the outbox) are the council's record of
its correspondence and are not altered: they are listed, and keeping or destroying them is the
council's retention decision.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, String, cast, delete, or_
from sqlmodel import Session, SQLModel, col, func, select

from scrutiny.backup.manifest import DOCUMENT_FOLDERS
from scrutiny.delivery.addresses import address_key, address_sha256, is_redacted, redacted_address
from scrutiny.errors import ScrutinyError
from scrutiny.services.forgotten import add_forgotten, read_forgotten, undo_forgotten, where_named
from scrutiny.services.outbox import WITHHELD
from scrutiny.services.requests import current_contact
from scrutiny.workspace import COMMITTEE_FILE, Workspace
from state import models

REMOVED_NAME = "[removed]"
_ADDRESS = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+$")
_TEXT_SUFFIXES = {".eml", ".yaml", ".yml", ".txt", ".ics", ".json", ".csv", ".md"}


@dataclass
class ForgetResult:
    address: str
    stand_in: str
    already: str = ""  # the day it was forgotten before, when there was nothing left to do
    contacts: list[str] = field(default_factory=list)  # organisation IDs
    members: list[str] = field(default_factory=list)  # committee IDs
    deliveries_kept: int = 0
    withheld: int = 0
    readdressed: list[str] = field(default_factory=list)  # letter IDs now addressed to the current contact
    unsent_letters: list[str] = field(default_factory=list)  # letters addressed to them whose e-mail had not gone
    other_rows: int = 0  # rows of other tables whose text held the address
    documents: list[str] = field(default_factory=list)  # stored paths of documents that went to them
    files_naming: list[str] = field(default_factory=list)  # text files under the home that still hold the address
    files_with_name: list[str] = field(default_factory=list)  # text files (a committee file) that still have the name
    names_elsewhere: dict[str, int] = field(default_factory=dict)  # table -> rows whose text still has their name


def forget_person(workspace: Workspace, address: str, today: dt.date) -> ForgetResult:
    text = address.strip()
    if not _ADDRESS.match(text) or is_redacted(text):
        raise ScrutinyError(f"{address!r} is not an e-mail address: give the address the person was written to")
    key = address_key(text)
    _refuse_while_named(workspace, text)
    result = ForgetResult(address=text, stand_in=redacted_address(text))
    settings = workspace.settings
    with workspace.session() as session:
        names = _redact_rows(session, key, result)
        if not (result.contacts or result.members or result.deliveries_kept or result.withheld or result.other_rows):
            earlier = read_forgotten(settings).get(address_sha256(text))
            if earlier is None:
                raise ScrutinyError(
                    f"no contact, member or e-mail record has the address {text}: nothing to forget "
                    "(see the organisations and members of the committee files)"
                )
            result.already = earlier.on
            return result
        result.names_elsewhere = _names_elsewhere(session, names)
        session.flush()
        before = add_forgotten(settings, text, today)  # last, so a failure above leaves the list as it was
        try:
            session.commit()
        except BaseException:
            undo_forgotten(settings, before)
            raise
    result.files_naming, result.files_with_name = _files_naming(workspace, key, _long_names(names))
    return result


def _refuse_while_named(workspace: Workspace, address: str) -> None:
    for committee in workspace.selected(None):
        places = where_named(committee.config, address)
        if places:
            path = workspace.stored_path(committee.folder / COMMITTEE_FILE)
            raise ScrutinyError(
                f"{path} still names {address} ({', '.join(places[:3])}): change your committee file (another "
                "contact for the organisation, or the member or CC entry taken out), install it with "
                "'scrutiny init --config FILE', then forget them; nothing was changed"
            )


def _redact_rows(session: Session, key: str, result: ForgetResult) -> set[str]:
    """Redact every row with the address; returns the names those rows gave the person."""
    names: set[str] = set()
    contacts = list(session.exec(select(models.Contact).where(func.lower(models.Contact.email) == key)))
    for contact in contacts:
        names.add(contact.name)
        contact.name, contact.role, contact.salutation = REMOVED_NAME, "", ""
        contact.email, contact.current = result.stand_in, False
        session.add(contact)
        result.contacts.append(contact.organisation_id)
    members = list(session.exec(select(models.Member).where(func.lower(models.Member.email) == key)))
    for member in members:
        names.add(member.name)
        result.members.append(member.committee_id)
    if members:
        session.exec(delete(models.Member).where(col(models.Member.id).in_([m.id for m in members])))
    document_ids: set[int] = set()
    unsent_to_them: set[int] = set()
    for delivery in session.exec(select(models.Delivery).where(func.lower(models.Delivery.address) == key)):
        names.add(delivery.name)
        document_ids.add(delivery.document_id)
        delivery.address, delivery.name = result.stand_in, REMOVED_NAME
        if delivery.state == "sent":
            result.deliveries_kept += 1
        else:
            delivery.state, delivery.claim = WITHHELD, ""
            result.withheld += 1
            if delivery.role == "to":
                unsent_to_them.add(delivery.document_id)
        session.add(delivery)
    session.flush()
    result.unsent_letters = sorted(
        {
            str(letter_id)
            for letter_id in session.exec(
                select(models.Document.letter_id).where(col(models.Document.id).in_(sorted(unsent_to_them)))
            )
            if letter_id
        }
    )
    result.documents = sorted(
        str(path)
        for path in session.exec(select(models.Document.path).where(col(models.Document.id).in_(sorted(document_ids))))
    )
    result.readdressed = _readdress_open_letters(session, [c.id for c in contacts if c.id is not None])
    result.other_rows = _replace_everywhere(session, key, result.stand_in)
    return {name for name in names if name and name != REMOVED_NAME}


def _readdress_open_letters(session: Session, contact_ids: list[int]) -> list[str]:
    """Letters still waiting for a response go to whoever is the organisation's contact now, not the forgotten one."""
    if not contact_ids:
        return []
    moved = []
    open_letters = select(models.Request.letter_id).where(col(models.Request.status).in_(models.OPEN_STATUSES))
    for letter in session.exec(
        select(models.Letter).where(
            col(models.Letter.contact_id).in_(contact_ids), col(models.Letter.id).in_(open_letters)
        )
    ):
        now = current_contact(session, letter.organisation_id)
        letter.contact_id = now.id if now is not None and now.id not in contact_ids else None
        session.add(letter)
        moved.append(letter.id)
    return sorted(moved)


def _text_columns(table: type[SQLModel]) -> Iterator[Any]:
    for column in table.__table__.columns:  # type: ignore[attr-defined]
        if isinstance(column.type, String | JSON) and not column.primary_key:
            yield column


def _tables() -> list[type[SQLModel]]:
    return [
        value
        for value in vars(models).values()
        if isinstance(value, type) and issubclass(value, SQLModel) and hasattr(value, "__table__")
    ]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _replace_everywhere(session: Session, key: str, stand_in: str) -> int:
    """The address anywhere else (a CC entry, a note, a detail): replaced by the stand-in. Returns the rows changed."""
    pattern = re.compile(re.escape(key), re.IGNORECASE)
    changed = 0
    for table in _tables():
        columns = list(_text_columns(table))
        if not columns:
            continue
        matches = or_(*(func.lower(cast(column, String)).like(_like(key), escape="\\") for column in columns))
        for row in session.exec(select(table).where(matches)):
            for column in columns:
                value = getattr(row, column.key)
                new = _replaced(value, pattern, stand_in)
                if new != value:
                    setattr(row, column.key, new)
            session.add(row)
            changed += 1
    session.flush()
    return changed


def _replaced(value: Any, pattern: re.Pattern[str], stand_in: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(stand_in, value)
    if isinstance(value, list):
        return [_replaced(item, pattern, stand_in) for item in value]
    if isinstance(value, dict):
        if isinstance(value.get("email"), str) and pattern.search(value["email"]):
            # A person copied in: no longer named or e-mailed.
            return {k: ("" if k in ("email", "role") else REMOVED_NAME if k == "name" else v) for k, v in value.items()}
        return {k: _replaced(item, pattern, stand_in) for k, item in value.items()}
    return value


def _names_elsewhere(session: Session, names: set[str]) -> dict[str, int]:
    """Where their name (two words or more) still appears in text officers typed: reported, not changed."""
    found: dict[str, int] = {}
    wanted = _long_names(names)
    if not wanted:
        return found
    for table in _tables():
        columns = list(_text_columns(table))
        if not columns:
            continue
        matches = or_(
            *(
                func.lower(cast(column, String)).like(_like(name.lower()), escape="\\")
                for column in columns
                for name in wanted
            )
        )
        count = session.exec(select(func.count()).select_from(table).where(matches)).one()
        if count:
            found[str(table.__tablename__)] = int(count)
    return found


def _long_names(names: set[str]) -> list[str]:
    """Names of two words or more: a single word ("Chair") would match too much to mean anything."""
    return sorted(name.lower() for name in names if len(name.split()) >= 2)


def _files_naming(workspace: Workspace, key: str, names: list[str]) -> tuple[list[str], list[str]]:
    """Text files of the home's document folders (e-mails in the outbox, committee files) holding the
    address, and those holding the name."""
    with_address, with_name = [], []
    for folder in DOCUMENT_FOLDERS:
        root = workspace.home / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() not in _TEXT_SUFFIXES or not path.is_file() or path.is_symlink():
                continue
            try:
                text = path.read_bytes().decode("utf-8", "replace").lower()
            except OSError:
                continue
            relative = path.relative_to(workspace.home).as_posix()
            if key in text:
                with_address.append(relative)
            elif any(name in text for name in names):
                with_name.append(relative)
    return with_address, with_name
