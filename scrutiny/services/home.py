"""A home and its committees: install a committee file, open the workspace, list and remove.

Opening the workspace creates or upgrades the schema and brings each committee's rows in
line with its file when the file changed. A fresh home gets the bundled committee, so the
main command works on a new clone.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, SQLModel, col, select

from scrutiny.config import load_committee_config
from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.documents.scratch import remove_abandoned_temporaries
from scrutiny.errors import ScrutinyError
from scrutiny.services.forgotten import check_not_forgotten
from scrutiny.services.sync import SyncResult, sync_committee
from scrutiny.settings import BUNDLED_CONFIG, Settings, get_settings
from scrutiny.workspace import COMMITTEE_FILE, CommitteeContext, Workspace, load_workspace, retry_on_conflict
from state import models
from state.db import require_schema, upgrade_schema


@dataclass(frozen=True)
class InstalledCommittee:
    committee_id: str
    prefix: str
    replaced: bool
    sync: SyncResult


@dataclass(frozen=True)
class CommitteeRow:
    committee_id: str
    prefix: str
    name: str
    meetings: int
    letters: int
    config: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def open_workspace(settings: Settings | None = None) -> Workspace:
    """The workspace with its schema current and every committee synced (installing the bundled one in a new home)."""
    settings = settings or get_settings()
    remove_abandoned_temporaries()  # what a killed command left in the temporary folder
    workspace = load_workspace(settings)
    if not workspace.committees:
        # A home from before committees had their own folders kept its one file in state/.
        legacy = settings.state_dir / COMMITTEE_FILE
        _copy_committee_file(settings, legacy if legacy.is_file() else BUNDLED_CONFIG)
        workspace = load_workspace(settings)
    upgrade_schema(workspace.database_url, home=workspace.home)
    for committee in workspace.committees.values():
        retry_on_conflict(workspace, partial(_sync_if_changed, workspace=workspace, committee=committee))
    return workspace


def open_existing_workspace(settings: Settings | None = None) -> Workspace:
    """The workspace for read-only use: the schema must exist already."""
    workspace = open_workspace(settings)
    require_schema(workspace.database_url)
    return workspace


def _sync_if_changed(session: Session, *, workspace: Workspace, committee: CommitteeContext) -> SyncResult | None:
    row = session.get(models.Committee, committee.id)
    if row is not None and row.config_sha256 == committee.config_sha256:
        return None
    check_not_forgotten(workspace.settings, committee.config, committee.folder / COMMITTEE_FILE)
    return sync_committee(session, committee, workspace.stored_path(committee.folder / COMMITTEE_FILE))


def install_committee(settings: Settings, source: Path) -> InstalledCommittee:
    """Add or update the committee a file describes; the home's other committees are left alone."""
    config = load_committee_config(source)  # refuse a bad file before anything changes
    current = load_workspace(settings)
    prefix = config.committee.id_prefix
    clash = next((c for c in current.committees.values() if c.prefix == prefix and c.id != config.committee.id), None)
    if clash is not None:
        raise ScrutinyError(
            f"{source}: prefix {prefix!r} is already used by committee {clash.id}; set committee.prefix"
        )
    installed = current.committees.get(config.committee.id)
    if installed is not None and installed.prefix != prefix:
        # Refused before the file is copied: an installed file with a new prefix would stop every command.
        raise ScrutinyError(
            f"{source}: committee {installed.id}'s IDs start with {installed.prefix!r}; the file says prefix "
            f"{prefix!r}, which would orphan them: keep the prefix"
        )
    replaced = installed is not None
    _copy_committee_file(settings, source)
    # Sync this committee first, so its result counts what this install added; then the rest.
    workspace = load_workspace(settings)
    upgrade_schema(workspace.database_url, home=workspace.home)
    committee = workspace.committee(config.committee.id)
    result = retry_on_conflict(
        workspace,
        lambda session: sync_committee(
            session, committee, workspace.stored_path(committee.folder / COMMITTEE_FILE), force=True
        ),
    )
    open_workspace(settings)
    return InstalledCommittee(committee.id, committee.prefix, replaced, result)


def _copy_committee_file(settings: Settings, source: Path) -> Path:
    config = load_committee_config(source)
    check_not_forgotten(settings, config, source)
    target = settings.committees_dir / config.committee.id / COMMITTEE_FILE
    try:
        write_bytes_atomic(target, source.read_bytes())
    except OSError as exc:
        raise ScrutinyError(f"{source}: cannot read ({exc.strerror})") from None
    return target


def list_committees(session: Session, workspace: Workspace) -> list[CommitteeRow]:
    rows = []
    for committee in workspace.selected(None):
        meetings = session.exec(
            select(func.count()).select_from(models.Meeting).where(models.Meeting.committee_id == committee.id)
        ).one()
        letters = session.exec(
            select(func.count())
            .select_from(models.Letter)
            .where(models.Letter.committee_id == committee.id, col(models.Letter.version) > 0)
        ).one()
        rows.append(
            CommitteeRow(
                committee_id=committee.id,
                prefix=committee.prefix,
                name=committee.name,
                meetings=int(meetings),
                letters=int(letters),
                config=workspace.stored_path(committee.folder / COMMITTEE_FILE),
            )
        )
    return rows


# Children first, so each delete is allowed by the foreign keys.
_COMMITTEE_TABLES: list[type[SQLModel]] = [
    models.Delivery,
    models.Reminder,
    models.Pack,
    models.InboundMessage,
    models.Document,
    models.StatusChange,
    models.Response,
    models.LetterRequest,
    models.Request,
    models.Letter,
    models.AgendaItem,
    models.Commitment,
    models.Meeting,
    models.Recommendation,
    models.Member,
]


def remove_committee(session: Session, workspace: Workspace, committee_id: str, *, force: bool) -> int:
    """Take a committee out of the home. Refused while it has letters, unless forced.

    Its rows go; its documents stay on disk, and its file moves to committees/.removed/.
    Returns the number of letters it had.
    """
    committee = workspace.committee(committee_id)
    letters = session.exec(
        select(func.count())
        .select_from(models.Letter)
        .where(models.Letter.committee_id == committee.id, col(models.Letter.version) > 0)
    ).one()
    if letters and not force:
        raise ScrutinyError(
            f"committee {committee.id} has {letters} letter(s) on record: add --force to remove it and its records "
            "(the documents stay on disk)"
        )
    _delete_committee_rows(session, committee.id)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    removed = workspace.settings.committees_dir / ".removed" / f"{committee.id}-{stamp}"
    removed.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(committee.folder), str(removed))
    return int(letters)


def _delete_committee_rows(session: Session, committee_id: str) -> None:
    requests = select(models.Request.id).where(models.Request.committee_id == committee_id)
    letters = select(models.Letter.id).where(models.Letter.committee_id == committee_id)
    meetings = select(models.Meeting.id).where(models.Meeting.committee_id == committee_id)
    documents = select(models.Document.id).where(models.Document.committee_id == committee_id)
    scoped: dict[type[SQLModel], Any] = {
        models.Delivery: col(models.Delivery.document_id).in_(documents),
        models.Reminder: col(models.Reminder.letter_id).in_(letters),
        models.Pack: col(models.Pack.meeting_id).in_(meetings),
        models.InboundMessage: col(models.InboundMessage.letter_id).in_(letters),
        models.StatusChange: col(models.StatusChange.request_id).in_(requests),
        models.Response: col(models.Response.request_id).in_(requests),
        models.LetterRequest: col(models.LetterRequest.letter_id).in_(letters),
    }
    for table in _COMMITTEE_TABLES:
        where = scoped.get(table)
        if where is None:
            where = col(getattr(table, "committee_id")) == committee_id  # noqa: B009 (typed per table)
        session.exec(delete(table).where(where))
    session.exec(delete(models.Committee).where(col(models.Committee.id) == committee_id))
    session.flush()
