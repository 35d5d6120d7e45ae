"""Bring one committee's rows in line with its configuration file (idempotent upsert).

Organisations and contacts are shared between the committees of a council: a committee's
file adds or updates them but never removes one another committee may use.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from scrutiny.config.schema import CcEntry, CcPerson, CommitteeConfig
from scrutiny.errors import ScrutinyError
from scrutiny.workspace import CommitteeContext
from state import models


@dataclass(frozen=True)
class SyncResult:
    committee: str
    members: int
    organisations: int
    recommendations: int
    commitments: int
    meetings_added: int


def sync_committee(
    session: Session, committee: CommitteeContext, config_path: str, *, force: bool = False
) -> SyncResult:
    config, info = committee.config, committee.config.committee
    row = session.get(models.Committee, info.id)
    if row is not None and row.prefix != committee.prefix:
        raise ScrutinyError(
            f"committee {info.id}: its IDs start with {row.prefix!r}; the file now says prefix {committee.prefix!r}, "
            "which would orphan them: keep the prefix"
        )
    if row is not None and row.config_sha256 == committee.config_sha256 and not force:
        return _counts(config, 0, 0)
    row = row or models.Committee(
        id=info.id, prefix=committee.prefix, name=info.name, short_name=info.short_name, council=info.council
    )
    row.name, row.short_name, row.council = info.name, info.short_name, info.council
    row.config_sha256, row.config_path = committee.config_sha256, config_path
    session.add(row)
    session.flush()
    _sync_members(session, config)
    _sync_organisations(session, config)
    recommendations = _sync_recommendations(session, config)
    meetings_added = _sync_meetings(session, committee)
    session.flush()
    _sync_commitments(session, committee, recommendations)
    session.flush()
    return _counts(config, len(recommendations), meetings_added)


def _counts(config: CommitteeConfig, recommendations: int, meetings_added: int) -> SyncResult:
    return SyncResult(
        committee=config.committee.name,
        members=len(config.members),
        organisations=len(config.organisations),
        recommendations=recommendations or sum(len(r.recommendations) for r in config.reviews),
        commitments=len(config.commitments),
        meetings_added=meetings_added,
    )


def _sync_members(session: Session, config: CommitteeConfig) -> None:
    committee_id = config.committee.id
    existing = {
        m.name: m for m in session.exec(select(models.Member).where(models.Member.committee_id == committee_id))
    }
    configured = {m.name for m in config.members}
    for member in config.members:
        row = existing.get(member.name) or models.Member(committee_id=committee_id, name=member.name)
        row.role, row.email, row.active = member.role, member.email, True
        session.add(row)
    for name, row in existing.items():
        if name not in configured:
            row.active = False  # a former member stays on record for old packs
            session.add(row)


def _sync_organisations(session: Session, config: CommitteeConfig) -> None:
    for org in config.organisations:
        row = session.get(models.Organisation, org.id) or models.Organisation(id=org.id, name=org.name)
        row.name, row.short_name, row.address, row.note = org.name, org.short_name, list(org.address), org.note
        row.active_from, row.active_until = org.active_from, org.active_until
        session.add(row)
    session.flush()
    for org in config.organisations:
        stored = session.get(models.Organisation, org.id)
        if stored is None:
            raise ScrutinyError(f"organisation {org.id}: could not be saved")
        stored.succeeded_by_id = org.succeeded_by
        contacts = session.exec(select(models.Contact).where(models.Contact.organisation_id == org.id)).all()
        # A new contact does not erase the old one: letters already sent still name who got them.
        for contact in contacts:
            contact.current = contact.email == org.contact.email
            session.add(contact)
        current = next((c for c in contacts if c.email == org.contact.email), None)
        current = current or models.Contact(organisation_id=org.id, email=org.contact.email, name=org.contact.name)
        current.name, current.role, current.current = org.contact.name, org.contact.role, True
        current.salutation = org.contact.salutation or (
            f"Dear {org.contact.name}" if org.contact.name else f"Dear {org.contact.role}"
        )
        session.add(current)


def _sync_recommendations(session: Session, config: CommitteeConfig) -> dict[tuple[str, int], models.Recommendation]:
    committee_id = config.committee.id
    existing = {
        (r.review_id, r.number): r
        for r in session.exec(select(models.Recommendation).where(models.Recommendation.committee_id == committee_id))
    }
    rows: dict[tuple[str, int], models.Recommendation] = {}
    for review in config.reviews:
        for rec in review.recommendations:
            row = existing.get((review.id, rec.number)) or models.Recommendation(
                committee_id=committee_id,
                review_id=review.id,
                review_title=review.title,
                review_year=review.year,
                number=rec.number,
                title=rec.title,
                text=rec.text,
            )
            row.review_title, row.review_year, row.title, row.text = review.title, review.year, rec.title, rec.text
            session.add(row)
            rows[(review.id, rec.number)] = row
    session.flush()
    return rows


def _sync_meetings(session: Session, committee: CommitteeContext) -> int:
    info = committee.config.committee
    added = 0
    for entry in committee.config.meetings:
        meeting_id = committee.scoped_id(entry.id or entry.date.isoformat())
        row = session.get(models.Meeting, meeting_id)
        if row is None:
            added += 1
            row = models.Meeting(
                id=meeting_id,
                committee_id=info.id,
                date=entry.date,
                start_time=entry.start or info.default_start,
                venue=entry.venue or info.default_venue,
                title=entry.title or info.name,
                source="config",
            )
            session.add(row)
        elif row.committee_id != info.id:
            raise ScrutinyError(f"meeting {meeting_id} belongs to committee {row.committee_id}, not {info.id}")
        elif row.source in ("config", "pattern"):
            # Imported calendars and officer changes win over the file for meetings they touched;
            # a listed meeting replaces the pattern's provisional one on its day.
            row.date, row.start_time = entry.date, entry.start or info.default_start
            row.venue, row.title = entry.venue or info.default_venue, entry.title or info.name
            row.source = "config"
            session.add(row)
    return added


def _sync_commitments(
    session: Session, committee: CommitteeContext, recommendations: dict[tuple[str, int], models.Recommendation]
) -> None:
    for commitment in committee.config.commitments:
        rec = recommendations[(commitment.review, commitment.recommendation)]
        commitment_id = committee.scoped_id(commitment.key)
        row = session.get(models.Commitment, commitment_id) or models.Commitment(
            id=commitment_id,
            committee_id=committee.id,
            key=commitment.key,
            recommendation_id=rec.id or 0,
            title=commitment.title,
            theme=commitment.theme,
            last_taken=commitment.last_taken,
        )
        row.recommendation_id = rec.id or 0
        row.title, row.theme, row.interval_months = commitment.title, commitment.theme, commitment.interval_months
        row.last_taken, row.last_heard_summary = commitment.last_taken, commitment.last_heard_summary
        row.last_heard_from = list(commitment.last_heard_from)
        row.first_update_taken = commitment.first_update_taken
        org_ids = {o.id for o in committee.config.organisations}
        row.respondents = list(commitment.respondents)
        row.cc = [stored_cc(entry, org_ids) for entry in commitment.cc]
        row.first_update_topics, row.standing_topics = (
            list(commitment.first_update_topics),
            list(commitment.standing_topics),
        )
        row.repeat_topics = list(commitment.repeat_topics)
        session.add(row)


def stored_cc(entry: CcEntry, organisation_ids: set[str] | None = None) -> dict[str, str]:
    """A CC entry as the database keeps it: an organisation reference, a person, or a line of text."""
    if isinstance(entry, CcPerson):
        return {"name": entry.name, "role": entry.role, "organisation": entry.organisation, "email": entry.email}
    if organisation_ids is None or entry in organisation_ids:
        return {"organisation_id": entry}
    return {"text": entry}
