"""scrutiny calendar export FILE.ics [--deadlines]"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.commands._common import Subparsers, add_committee, one_committee
from scrutiny.services.calendar_export import export_calendar
from scrutiny.services.home import open_workspace


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("calendar", help="export the meetings (and their deadlines) as an iCalendar file")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    exporting = actions.add_parser(
        "export", help="write the meetings to an .ics file with stable UIDs, for import or subscription"
    )
    exporting.add_argument("file", type=Path, metavar="FILE.ics", help="the .ics file to write (its folder must exist)")
    exporting.add_argument(
        "--deadlines",
        action="store_true",
        help="also add the request-by, response-due and publication dates as all-day events with reminders",
    )
    add_committee(exporting)
    exporting.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    committee = one_committee(args, workspace)
    with workspace.session() as session:
        result = export_calendar(session, committee, args.file, deadlines=args.deadlines)
    cancelled = f" ({result.cancelled} cancelled)" if result.cancelled else ""
    deadlines = f" and {result.deadline_events} deadline events" if args.deadlines else ""
    return (
        f"{result.path}: {result.meetings} meetings{cancelled}{deadlines} written "
        f"(stamped {result.generated_at:%Y-%m-%d %H:%M} UTC)."
    )
