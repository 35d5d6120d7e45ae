"""scrutiny meetings list | import FILE.ics"""

from __future__ import annotations

import argparse
from pathlib import Path

from scrutiny.cli.commands._common import Subparsers, add_json
from scrutiny.cli.output import as_json, table
from scrutiny.services.meetings import import_meetings, list_meetings
from scrutiny.workspace import open_workspace


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("meetings", help="list meetings or import them from an iCalendar file")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the committee's meetings and their items")
    add_json(listing)
    listing.set_defaults(handler=run_list)
    importing = actions.add_parser("import", help="add, move or cancel meetings from an .ics file (upsert by UID)")
    importing.add_argument("file", type=Path, metavar="FILE.ics", help="an iCalendar export of the council's calendar")
    importing.set_defaults(handler=run_import)


def run_list(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        rows = [row.as_dict() for row in list_meetings(session)]
    if args.json:
        return as_json(rows)
    return table(rows, ["meeting_id", "date", "start", "venue", "cancelled", "items"])


def run_import(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        result = import_meetings(session, workspace, args.file)
    lines = [
        f"{result.file}: {len(result.added)} added, {len(result.updated)} updated, {len(result.moved)} moved, "
        f"{len(result.cancelled)} cancelled, {len(result.unchanged)} unchanged, {result.skipped} skipped (not this committee's)."
    ]
    if result.cancelled:
        lines.append(f"Cancelled: {', '.join(result.cancelled)}; their items will be re-planned by 'scrutiny plan'.")
    if result.requests_flagged:
        lines.append(f"Due dates changed for letters already sent: {', '.join(result.requests_flagged)}.")
    return "\n".join(lines)
