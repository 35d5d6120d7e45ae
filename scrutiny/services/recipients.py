"""Who a letter is copied to, and how each person is named on it.

A letter's CC list is the union, without repeats, of: the Chair (on an escalation), the other
bodies asked about the same items, each item's standing CC list, and the organisation's own
CC list in the committee file. Everyone with an address is copied on the e-mail too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from scrutiny.config.schema import CcPerson
from scrutiny.services.sync import stored_cc
from scrutiny.workspace import CommitteeContext
from state import models


@dataclass(frozen=True)
class CopyRecipient:
    line: str  # as printed under "CC"
    name: str
    email: str  # may be empty: printed, not e-mailed


def display_name(organisation: models.Organisation) -> str:
    return organisation.short_name or organisation.name


def contact_line(contact: models.Contact, organisation: models.Organisation) -> str:
    """'Chief Superintendent James Conway, Central East BCU Commander (Central East BCU)', or for a
    contact known only by a role, 'The Chair of the Hackney Local Policing Scrutiny Panel'."""
    if not contact.name.strip():
        return f"The {contact.role} of the {display_name(organisation)}"
    role = f", {contact.role}" if contact.role else ""
    return f"{contact.name}{role} ({display_name(organisation)})"


def letter_copies(
    session: Session,
    committee: CommitteeContext,
    letter: models.Letter,
    requests: list[models.Request],
    *,
    escalation: bool,
) -> list[CopyRecipient]:
    copies: list[CopyRecipient] = []
    if escalation:
        chair = committee.config.chair
        copies.append(CopyRecipient(f"{chair.name}, Chair of the {committee.name}", chair.name, chair.email))
    item_ids = sorted({r.agenda_item_id for r in requests})
    others = session.exec(
        select(models.Request.organisation_id)
        .where(
            col(models.Request.agenda_item_id).in_(item_ids), models.Request.organisation_id != letter.organisation_id
        )
        .order_by(col(models.Request.agenda_item_id), col(models.Request.id))
    ).all()
    entries: list[dict[str, str]] = [{"organisation_id": org_id} for org_id in dict.fromkeys(others)]
    for item_id in item_ids:
        item = session.get(models.AgendaItem, item_id)
        commitment = session.get(models.Commitment, item.commitment_id) if item and item.commitment_id else None
        entries.extend(commitment.cc if commitment else [])
    configured = next((o for o in committee.config.organisations if o.id == letter.organisation_id), None)
    org_ids = {o.id for o in committee.config.organisations}
    entries.extend(stored_cc(org_entry, org_ids) for org_entry in (configured.cc if configured else []))
    contacts = _current_contacts(session, [e["organisation_id"] for e in entries if "organisation_id" in e])
    for entry in entries:
        copies.extend(_stored_entry_copy(entry, contacts))
    addressee = session.get(models.Contact, letter.contact_id) if letter.contact_id else None
    return _without_repeats(copies, addressee.email if addressee else "")


def _current_contacts(
    session: Session, organisation_ids: list[str]
) -> dict[str, tuple[models.Organisation, models.Contact]]:
    """Each organisation with its current contact, in two queries whatever their number."""
    wanted = sorted(set(organisation_ids))
    if not wanted:
        return {}
    organisations = {
        o.id: o for o in session.exec(select(models.Organisation).where(col(models.Organisation.id).in_(wanted)))
    }
    found: dict[str, tuple[models.Organisation, models.Contact]] = {}
    for contact in session.exec(
        select(models.Contact).where(
            col(models.Contact.organisation_id).in_(wanted), col(models.Contact.current).is_(True)
        )
    ):
        if contact.organisation_id in organisations and contact.organisation_id not in found:
            found[contact.organisation_id] = (organisations[contact.organisation_id], contact)
    return found


def _organisation_copy(
    organisation_id: str, contacts: dict[str, tuple[models.Organisation, models.Contact]]
) -> list[CopyRecipient]:
    if organisation_id not in contacts:
        return []
    organisation, contact = contacts[organisation_id]
    return [CopyRecipient(contact_line(contact, organisation), contact.name or contact.role, contact.email)]


def _stored_entry_copy(
    entry: dict[str, str], contacts: dict[str, tuple[models.Organisation, models.Contact]]
) -> list[CopyRecipient]:
    if "organisation_id" in entry:
        return _organisation_copy(entry["organisation_id"], contacts)
    if "text" in entry:  # written before CC entries were structured (migration 0003)
        return [CopyRecipient(entry["text"], entry["text"], entry.get("email", ""))]
    person = CcPerson.model_validate(entry)
    role = f", {person.role}" if person.role else ""
    where = f" ({person.organisation})" if person.organisation else ""
    return [CopyRecipient(f"{person.name}{role}{where}", person.name, person.email)]


def _without_repeats(copies: list[CopyRecipient], addressee_email: str) -> list[CopyRecipient]:
    seen: set[str] = {addressee_email.lower()} if addressee_email else set()
    kept: list[CopyRecipient] = []
    for copy in copies:
        key = copy.email.lower() or copy.line
        if key in seen:
            continue
        seen.add(key)
        kept.append(copy)
    return kept
