"""`scrutiny backup` and `scrutiny restore`: what goes into a backup of a home, and where a restore puts it.

A backup is the database (dumped first, as one consistent snapshot) and then the home's
document folders (committees/ with their files and templates, letters/, packs/, responses/,
minutes/, outbox/, inbox/). Files written by a run after the snapshot may be in the archive
without a row, which is harmless; a file the snapshot records was complete before its row was
committed (the product writes a file before it records it), so it is there. Stored paths are
relative to the home, so the archive restores into a home on any path.

A restore unpacks and checks the whole archive in a staging folder inside the home first; only
then does it move the folders into place and restore the database, and it moves everything
back if the database refuses. A bad archive, or a home that is not empty, changes nothing.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from scrutiny.backup import archive
from scrutiny.backup.database import (
    check_sqlite_copy,
    database_tables,
    dialect_of,
    dump_database,
    restore_database,
)
from scrutiny.backup.manifest import (
    DATABASE_MEMBERS,
    DOCUMENT_FOLDERS,
    FileEntry,
    Manifest,
    check_relative_path,
    now_utc,
)
from scrutiny.documents.scratch import scratch_directory
from scrutiny.errors import ScrutinyError
from scrutiny.settings import Settings
from state import models
from state.db import current_revision, known_revisions, redact, session_scope

STAGING_PREFIX = ".restore-"


@dataclass(frozen=True)
class BackupResult:
    target: Path
    manifest: Manifest

    @property
    def total_bytes(self) -> int:
        return sum(entry.size for entry in self.manifest.files)


@dataclass(frozen=True)
class RestoreResult:
    home: Path
    manifest: Manifest
    replaced: list[str]  # what --force replaced: "the database", "letters/ (12 files)", ...


# --------------------------------------------------------------------------------------
# Backup


def create_backup(settings: Settings, target: Path) -> BackupResult:
    url = settings.effective_database_url
    dialect = dialect_of(url)
    if "alembic_version" not in database_tables(url):
        raise ScrutinyError(f"database {redact(url)} has no schema yet: nothing to back up (run 'scrutiny init' first)")
    target = _check_target(settings, target)
    home = settings.home_path
    with scratch_directory(f".{target.name}.", target.parent) as work:
        dump = Path(work) / "database"
        dump_database(url, dump)  # first: the documents copied after it include every one it records
        revision = current_revision(url)
        committees, referenced = _database_facts(url)
        files, skipped = _document_files(home)
        on_disk = {source.relative for source in files}
        not_included = sorted({path for path in referenced if path not in on_disk} | set(skipped))

        def manifest_for(database_sha256: str, database_size: int, entries: list[FileEntry]) -> Manifest:
            return Manifest(
                created=now_utc(),
                schema_revision=revision,
                dialect=dialect,
                database_sha256=database_sha256,
                database_size=database_size,
                committees=committees,
                files=entries,
                home=str(home),
                not_included=not_included,
            )

        manifest = archive.write_archive(
            target,
            database_copy=dump,
            database_member=DATABASE_MEMBERS[dialect],
            files=files,
            manifest_for=manifest_for,
        )
    return BackupResult(target, manifest)


def _check_target(settings: Settings, target: Path) -> Path:
    try:
        resolved = target.expanduser().resolve()
        is_folder, parent_exists = resolved.is_dir(), resolved.parent.is_dir()
    except (OSError, RuntimeError) as exc:  # a name too long, a loop of links
        raise ScrutinyError(f"{target}: not a usable file name ({exc})") from None
    if is_folder:
        raise ScrutinyError(f"{target}: is a folder; name the archive file, e.g. {target}/scrutiny-backup.tar.gz")
    home = settings.home_path
    for folder in DOCUMENT_FOLDERS:
        if resolved.is_relative_to((home / folder).resolve()):
            raise ScrutinyError(
                f"{target}: is inside the home's {folder}/ folder, so the next backup would hold this one; "
                "write it outside the home's document folders"
            )
    if not parent_exists:
        raise ScrutinyError(f"{target}: the folder {resolved.parent} does not exist")
    return resolved


def _database_facts(url: str) -> tuple[list[dict[str, str]], set[str]]:
    """The committees on record, and every file path the database refers to."""
    with session_scope(url) as session:
        committees = [
            {"id": row.id, "prefix": row.prefix, "name": row.name}
            for row in session.exec(select(models.Committee).order_by(col(models.Committee.id)))
        ]
        paths: set[str] = set()
        for column in (
            col(models.Document.path),
            col(models.Response.path),
            col(models.Pack.docx_path),
            col(models.Pack.pdf_path),
            col(models.Meeting.minutes_path),
            col(models.Committee.config_path),
        ):
            paths |= {str(value) for value in session.exec(select(column)) if value}
        outbox = select(models.Delivery.location).where(models.Delivery.channel == "outbox")
        paths |= {str(value) for value in session.exec(outbox) if value}
    return committees, paths


def _document_files(home: Path) -> tuple[list[archive.SourceFile], list[str]]:
    """Every file of the document folders, and what is left out (links, names a restore would refuse)."""
    files: list[archive.SourceFile] = []
    skipped: list[str] = []
    for folder in DOCUMENT_FOLDERS:
        root = home / folder
        if not root.is_dir():
            continue
        for directory, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(directory) / name
                relative = path.relative_to(home).as_posix()
                if name.startswith(".") and name.endswith(".tmp"):
                    continue  # an atomic write still in progress: its finished file is the one that counts
                if path.is_symlink() or not path.is_file():
                    skipped.append(relative)
                    continue
                try:
                    check_relative_path(relative)
                except ValueError:
                    skipped.append(relative)
                    continue
                files.append(archive.SourceFile(relative, path))
    return files, skipped


# --------------------------------------------------------------------------------------
# Restore


def restore_backup(settings: Settings, source: Path, *, force: bool) -> RestoreResult:
    url = settings.effective_database_url
    dialect = dialect_of(url)
    try:
        found = source.is_file()
    except OSError as exc:
        raise ScrutinyError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    if not found:
        raise ScrutinyError(f"{source}: no such backup file")
    home = settings.home_path
    had_database = bool(database_tables(url))
    occupied = _occupied(home, url)
    if occupied and not force:
        raise ScrutinyError(
            f"SCRUTINY_HOME {home} is not empty ({'; '.join(occupied)}): restore into an empty home, "
            "or add --force to replace what it holds"
        )
    try:
        home.mkdir(parents=True, exist_ok=True)
        staging = home / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
        staging.mkdir()
    except OSError as exc:
        raise ScrutinyError(f"SCRUTINY_HOME {home}: cannot create a staging folder ({exc.strerror})") from None
    try:
        extracted = archive.extract_archive(source, staging / "archive")
        manifest = extracted.manifest
        _check_restorable(manifest, extracted, dialect, url, str(source))
        moved = _swap_folders(home, extracted.files, staging / "previous")
        try:
            restore_database(url, extracted.database, staging, replace=force)
        except BaseException:
            _undo_swap(home, moved, staging / "discarded")
            raise
    except OSError as exc:
        raise ScrutinyError(f"restore into {home} failed, nothing changed: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    replaced = [f"{folder}/" for folder, had_before in moved if had_before]
    if had_database:
        replaced.insert(0, "the database")
    return RestoreResult(home, manifest, replaced)


def _occupied(home: Path, url: str) -> list[str]:
    """What the home already holds that a restore would replace: the database's tables, the folders' files."""
    found = []
    tables = database_tables(url)
    if tables:
        found.append(f"its database {redact(url)} has {len(tables)} table(s)")
    for folder in DOCUMENT_FOLDERS:
        root = home / folder
        count = sum(len(names) for _d, _s, names in os.walk(root)) if root.is_dir() else 0
        if count:
            found.append(f"{folder}/ holds {count} file(s)")
    return found


def _check_restorable(manifest: Manifest, extracted: archive.Extracted, dialect: str, url: str, where: str) -> None:
    if manifest.dialect != dialect:
        raise ScrutinyError(
            f"{where}: holds a {manifest.dialect} database and this home's database {redact(url)} is {dialect}: "
            "restore it into a home with the same kind of database"
        )
    if manifest.schema_revision not in known_revisions(url):
        raise ScrutinyError(
            f"{where}: its database is at schema revision {manifest.schema_revision!r}, which this version of "
            "scrutiny does not know: restore it with the version that made it, or a newer one"
        )
    if dialect == "sqlite":
        check_sqlite_copy(extracted.database, where)
        stated = _sqlite_revision(extracted.database)
        if stated != manifest.schema_revision:
            raise ScrutinyError(
                f"{where}: damaged backup: its database is at revision {stated!r}, the manifest says "
                f"{manifest.schema_revision!r}"
            )


def _sqlite_revision(path: Path) -> str:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return ""
    finally:
        connection.close()
    return str(row[0]) if row else ""


def _swap_folders(home: Path, staged: Path, previous: Path) -> list[tuple[str, bool]]:
    """Put each restored folder in place, moving what was there aside; returns (folder, had one before)."""
    moved: list[tuple[str, bool]] = []
    previous.mkdir(parents=True, exist_ok=True)
    try:
        for folder in DOCUMENT_FOLDERS:
            new, current = staged / folder, home / folder
            had_before = current.exists() or current.is_symlink()
            if not new.is_dir() and not had_before:
                continue
            if had_before:
                os.replace(current, previous / folder)
            moved.append((folder, had_before))
            if new.is_dir():
                os.replace(new, current)
    except BaseException:
        _undo_swap(home, moved, previous.parent / "discarded")
        raise
    return moved


def _undo_swap(home: Path, moved: list[tuple[str, bool]], discarded: Path) -> None:
    discarded.mkdir(parents=True, exist_ok=True)
    previous = discarded.parent / "previous"
    for folder, had_before in reversed(moved):
        current = home / folder
        if current.exists():
            os.replace(current, discarded / folder)
        if had_before:
            os.replace(previous / folder, current)
