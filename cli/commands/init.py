"""scrutiny init [--config FILE]: create or upgrade the database and install a committee."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.commands._common import Subparsers
from scrutiny.services.home import install_committee, open_workspace
from scrutiny.settings import get_settings
from state.db import current_revision, redact


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "init", help="create or upgrade the database, and add or update a committee from its file"
    )
    parser.add_argument(
        "--config", metavar="FILE", type=Path, help="a committee's configuration (YAML): added, or updated if present"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> str:
    settings = get_settings()
    if args.config is None:
        workspace = open_workspace(settings)
        names = ", ".join(f"{c.id} ({c.prefix}-)" for c in workspace.selected(None))
        return (
            f"Database {redact(workspace.database_url)} at schema revision {current_revision(workspace.database_url)}.\n"
            f"Committees: {names}."
        )
    installed = install_committee(settings, args.config)
    result = installed.sync
    workspace = open_workspace(settings)
    verb = "updated" if installed.replaced else "added"
    return (
        f"Database {redact(workspace.database_url)} at schema revision {current_revision(workspace.database_url)}.\n"
        f"Committee {installed.committee_id} {verb} (IDs start {installed.prefix}-): {result.committee} "
        f"({result.members} members, {result.organisations} organisations, {result.recommendations} recommendations, "
        f"{result.commitments} recurring commitments, {result.meetings_added} meetings added). "
        f"Other committees: {len(workspace.committees) - 1}."
    )
