"""Bring the database in line with the committee configuration file (idempotent upsert)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from scrutiny.config import CommitteeConfig
from state import models


@dataclass(frozen=True)
class SyncResult:
    committee: str
    members: int
    organisations: int
    recommendations: int
    commitments: int
    meetings_added: int


def sync_config(session: Session, config: CommitteeConfig, config_sha256: str) -> SyncResult:
    info = config.committee
    committee = session.get(models.Committee, info.id) or models.Committee(
        id=info.id, name=info.name, short_name=info.short_name, council=info.council
    )
    committee.name, committee.short_name, committee.council = info.name, info.short_name, info.council
    committee.config_sha256 = config_sha256
    session.add(committee)
    _sync_members(session, config)
    _sync_organisations(session, config)
    recommendations = _sync_recommendations(session, config)
    meetings_added = _sync_meetings(session, config)
    session.flush()
    _sync_commitments(session, config, recommendations)
    session.flush()
    return SyncResult(
        committee=info.name,
        members=len(config.members),
        organisations=len(config.organisations),
        recommendations=len(recommendations),
        commitments=len(config.commitments),
        meetings_added=meetings_added,
    )


def _sync_members(session: Session, config: CommitteeConfig) -> None:
    existing = {
        m.name: m for m in session.exec(select(models.Member).where(models.Member.committee_id == config.committee.id))
    }
    configured = {m.name for m in config.members}
    for member in config.members:
        row = existing.get(member.name) or models.Member(committee_id=config.committee.id, name=member.name)
        row.role, row.email, row.active = member.role, member.email, True
        session.add(row)
    for name, row in existing.items():
        if name not in configured:
            row.active = False  # a former member stays on record for old packs
            session.add(row)


def _sync_organisations(session: Session, config: CommitteeConfig) -> None:
    for org in config.organisations:
        row = session.get(models.Organisation, org.id) or models.Organisation(id=org.id, name=org.name)
        row.name, row.address, row.note = org.name, list(org.address), org.note
        row.active_from, row.active_until = org.active_from, org.active_until
        session.add(row)
    session.flush()
    for org in config.organisations:
        stored = session.get(models.Organisation, org.id)
        assert stored is not None
        stored.succeeded_by_id = org.succeeded_by
        contacts = session.exec(select(models.Contact).where(models.Contact.organisation_id == org.id)).all()
        # A new contact does not erase the old one: letters already sent still name who got them.
        for contact in contacts:
            contact.current = contact.email == org.contact.email
            session.add(contact)
        current = next((c for c in contacts if c.email == org.contact.email), None)
        current = current or models.Contact(organisation_id=org.id, email=org.contact.email, name=org.contact.name)
        current.name, current.role, current.current = org.contact.name, org.contact.role, True
        current.salutation = org.contact.salutation or f"Dear {org.contact.name}"
        session.add(current)


def _sync_recommendations(session: Session, config: CommitteeConfig) -> dict[tuple[str, int], models.Recommendation]:
    rows: dict[tuple[str, int], models.Recommendation] = {}
    for review in config.reviews:
        for rec in review.recommendations:
            row = session.exec(
                select(models.Recommendation).where(
                    models.Recommendation.review_id == review.id, models.Recommendation.number == rec.number
                )
            ).first() or models.Recommendation(
                committee_id=config.committee.id,
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


def _sync_meetings(session: Session, config: CommitteeConfig) -> int:
    info = config.committee
    added = 0
    for entry in config.meetings:
        meeting_id = entry.id or entry.date.isoformat()
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
        elif row.source == "config":
            # Imported calendars and officer changes win over the file for meetings they touched.
            row.date, row.start_time = entry.date, entry.start or info.default_start
            row.venue, row.title = entry.venue or info.default_venue, entry.title or info.name
            session.add(row)
    return added


def _sync_commitments(
    session: Session, config: CommitteeConfig, recommendations: dict[tuple[str, int], models.Recommendation]
) -> None:
    for commitment in config.commitments:
        rec = recommendations[(commitment.review, commitment.recommendation)]
        row = session.get(models.Commitment, commitment.key) or models.Commitment(
            key=commitment.key,
            committee_id=config.committee.id,
            recommendation_id=rec.id or 0,
            title=commitment.title,
            theme=commitment.theme,
            last_taken=commitment.last_taken,
        )
        row.recommendation_id = rec.id or 0
        row.title, row.theme, row.interval_months = commitment.title, commitment.theme, commitment.interval_months
        row.last_taken, row.last_heard_summary = commitment.last_taken, commitment.last_heard_summary
        row.first_update_taken = commitment.first_update_taken
        row.respondents, row.cc = list(commitment.respondents), list(commitment.cc)
        row.first_update_topics, row.standing_topics = (
            list(commitment.first_update_topics),
            list(commitment.standing_topics),
        )
        session.add(row)
