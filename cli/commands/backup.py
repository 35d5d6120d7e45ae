"""scrutiny backup FILE | scrutiny restore FILE [--force]: the whole home in one archive, and back."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.commands._common import Subparsers
from scrutiny.services.backup import create_backup, restore_backup
from scrutiny.settings import get_settings


def register(commands: Subparsers) -> None:
    backup = commands.add_parser(
        "backup", help="write the database and the home's documents to one archive (safe while runs go on)"
    )
    backup.add_argument(
        "file", type=Path, metavar="FILE", help="the archive to write (.tar.gz); replaced when complete"
    )
    backup.set_defaults(handler=run_backup)
    restore = commands.add_parser(
        "restore", help="restore a backup into an empty home (this SCRUTINY_HOME and database)"
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="an archive written by 'scrutiny backup'")
    restore.add_argument(
        "--force", action="store_true", help="replace the database and document folders this home already holds"
    )
    restore.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace) -> str:
    result = create_backup(get_settings(), args.file)
    manifest = result.manifest
    folders = sorted({entry.path.split("/", 1)[0] + "/" for entry in manifest.files})
    committees = ", ".join(c["id"] for c in manifest.committees) or "none"
    lines = [
        f"Backup written to {result.target} ({_size(result.target.stat().st_size)}): the {manifest.dialect} database "
        f"at schema revision {manifest.schema_revision} and {len(manifest.files)} file(s) ({_size(result.total_bytes)}) "
        f"from {', '.join(folders) or 'no document folder'}; committees: {committees}."
    ]
    if manifest.not_included:
        lines.append(
            f"Not in it: {len(manifest.not_included)} file(s) the database names that are outside the home's document "
            f"folders or missing, e.g. {manifest.not_included[0]} (listed under not_included in its manifest.json)."
        )
    lines.append(f"Restore it with 'scrutiny restore {result.target}' into an empty home.")
    return "\n".join(lines)


def run_restore(args: argparse.Namespace) -> str:
    result = restore_backup(get_settings(), args.file, force=args.force)
    manifest = result.manifest
    committees = ", ".join(c["id"] for c in manifest.committees) or "none"
    replaced = f" Replaced: {', '.join(result.replaced)}." if result.replaced else ""
    return (
        f"Restored {args.file} (made {manifest.created}) into {result.home}: the {manifest.dialect} database at schema "
        f"revision {manifest.schema_revision} and {len(manifest.files)} file(s); committees: {committees}.{replaced}"
    )


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count / 1e3:.1f} kB"
