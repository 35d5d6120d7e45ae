"""scrutiny committees list [--json] | committees remove ID [--force]"""

from __future__ import annotations

import argparse

from cli.commands._common import Subparsers, add_json
from cli.output import as_json, table
from scrutiny.services.home import list_committees, open_workspace, remove_committee


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("committees", help="the committees this home holds")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="each committee with its ID prefix, meetings and letters")
    add_json(listing)
    listing.set_defaults(handler=run_list)
    removing = actions.add_parser("remove", help="take a committee out of the home (refused while it has letters)")
    removing.add_argument("committee_id", metavar="ID", help="the committee to remove: its ID or prefix")
    removing.add_argument("--force", action="store_true", help="remove it even though it has letters on record")
    removing.set_defaults(handler=run_remove)


def run_list(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        rows = [row.as_dict() for row in list_committees(session, workspace)]
    if args.json:
        return as_json(rows)
    return table(rows, ["committee_id", "prefix", "name", "meetings", "letters", "config"])


def run_remove(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        letters = remove_committee(session, workspace, args.committee_id, force=args.force)
    kept = f"; its {letters} letter(s) stay on disk under letters/" if letters else ""
    return f"Committee {args.committee_id} removed from this home{kept}."
