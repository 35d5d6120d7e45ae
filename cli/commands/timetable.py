"""scrutiny timetable [--meeting ID] [--json] [--explain]"""

from __future__ import annotations

import argparse

from cli.commands._common import Subparsers, add_committee, add_json, listed_committee
from cli.output import as_json, table
from scrutiny.services.home import open_workspace
from scrutiny.services.meetings import get_meeting, timetable_rows
from scrutiny.timetable import explain_timetable


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("timetable", help="request, response-due, chaser and publication dates per meeting")
    parser.add_argument("--meeting", metavar="ID", help="one meeting only")
    parser.add_argument("--explain", action="store_true", help="say how each date was derived")
    add_committee(parser, listing=True)
    add_json(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        rows = timetable_rows(session, workspace, args.meeting, listed_committee(args, workspace))
        if args.explain:
            explanations = {}
            for row in rows:
                committee = workspace.committee(str(row["committee"]))
                meeting = get_meeting(session, str(row["meeting_id"]))
                explanations[row["meeting_id"]] = explain_timetable(
                    meeting.date, committee.config.committee.timetable, committee.calendar
                )
    if args.json:
        if args.explain:
            for row in rows:
                row["explanation"] = explanations[row["meeting_id"]]
        return as_json(rows)
    if args.explain:
        return "\n\n".join(
            f"{row['meeting_id']} ({row['date']}):\n"
            + "\n".join(f"  {line}" for line in explanations[row["meeting_id"]])
            for row in rows
        )
    return table(
        rows,
        [
            "committee",
            "meeting_id",
            "date",
            "letter_window_opens",
            "request_by_date",
            "reminder_date",
            "response_due_date",
            "overdue_date",
            "escalation_date",
            "publication_date",
            "cancelled",
        ],
    )
