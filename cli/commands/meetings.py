"""scrutiny meetings list | import FILE.ics"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.commands._common import Subparsers, add_as_of, add_committee, add_json, as_of, listed_committee
from cli.output import as_json, table
from scrutiny.services.home import open_workspace
from scrutiny.services.meetings import import_meetings, list_meetings


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("meetings", help="list meetings or import them from an iCalendar file")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the committees' meetings and their items")
    add_committee(listing, listing=True)
    add_json(listing)
    listing.set_defaults(handler=run_list)
    importing = actions.add_parser(
        "import", help="add, move or cancel meetings from an .ics file (upsert by UID; each committee takes its own)"
    )
    importing.add_argument("file", type=Path, metavar="FILE.ics", help="an iCalendar export of the council's calendar")
    add_committee(importing, listing=True)
    add_as_of(importing)
    importing.set_defaults(handler=run_import)


def run_list(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        rows = [row.as_dict() for row in list_meetings(session, listed_committee(args, workspace))]
    if args.json:
        return as_json(rows)
    return table(rows, ["committee", "meeting_id", "date", "start", "venue", "cancelled", "provisional", "items"])


def run_import(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    lines = []
    with workspace.session() as session:
        for committee in workspace.selected(getattr(args, "committee", None)):
            result = import_meetings(session, committee, args.file, as_of(args))
            lines.append(
                f"{result.file} ({committee.id}): {len(result.added)} added, {len(result.updated)} updated, "
                f"{len(result.moved)} moved, {len(result.cancelled)} cancelled, {len(result.unchanged)} unchanged, "
                f"{result.skipped} skipped (not this committee's)."
            )
            if result.cancelled:
                lines.append(
                    f"Cancelled: {', '.join(result.cancelled)}; their items will be re-planned by 'scrutiny plan'."
                )
            if result.requests_flagged:
                lines.append(
                    f"Due dates changed for letters already sent (a new letter goes with the next "
                    f"'scrutiny letters'): {', '.join(result.requests_flagged)}."
                )
    return "\n".join(lines)
