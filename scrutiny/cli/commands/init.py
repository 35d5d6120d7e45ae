"""scrutiny init: create or upgrade the database and load the committee configuration."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrutiny.cli.commands._common import Subparsers
from scrutiny.config import load_committee_config
from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.services.sync import sync_config
from scrutiny.settings import get_settings
from scrutiny.workspace import load_workspace
from state.db import redact, upgrade_schema


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("init", help="create or upgrade the database and load the committee configuration")
    parser.add_argument("--config", metavar="FILE", type=Path, help="committee configuration (YAML) to install")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> str:
    settings = get_settings()
    if args.config is not None:
        load_committee_config(args.config)  # refuse a bad file before anything changes
        write_bytes_atomic(settings.installed_config, args.config.read_bytes())
    revision = upgrade_schema(settings.effective_database_url)
    workspace = load_workspace()
    with workspace.session() as session:
        result = sync_config(session, workspace.config, workspace.config_sha256)
    return (
        f"Database {redact(workspace.database_url)} at schema revision {revision}.\n"
        f"Committee: {result.committee} ({result.members} members, {result.organisations} organisations, "
        f"{result.recommendations} recommendations, {result.commitments} recurring commitments, "
        f"{result.meetings_added} meetings added)."
    )
