"""scrutiny programme [--json]"""

from __future__ import annotations

import argparse
import datetime as dt

from cli.commands._common import Subparsers, add_committee, add_json, listed_committee
from cli.output import as_json
from scrutiny.dates import weekday_abbreviated_date
from scrutiny.services.home import open_workspace
from scrutiny.services.programme import ProgrammeMeeting, UnplacedItem, unplaced_items, work_programme


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "programme", help="the work programme: meetings, their items, where each comes from and its requests"
    )
    add_committee(parser, listing=True)
    add_json(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        committee_id = listed_committee(args, workspace)
        programme = work_programme(session, committee_id)
        waiting = unplaced_items(session, committee_id)
    if args.json:
        return as_json([meeting.as_dict() for meeting in programme])
    return _text(programme, waiting)


def _text(programme: list[ProgrammeMeeting], waiting: list[UnplacedItem]) -> str:
    if not programme:
        return "No meetings: add them to the committee file or run 'scrutiny meetings import FILE.ics'."
    lines: list[str] = []
    for meeting in programme:
        day = dt.date.fromisoformat(meeting.date)
        heading = f"{weekday_abbreviated_date(day)} (meeting {meeting.meeting_id})"
        lines.append(heading + ("  CANCELLED" if meeting.cancelled else ""))
        if not meeting.items:
            lines.append("  (no items)")
        for item in meeting.items:
            lines.append(f"  {item.commitment or '-'}  {item.title}" + ("  [pinned]" if item.pinned else ""))
            lines.append(f"      source: {item.source}")
            if item.reason:
                lines.append(f"      placed: {item.reason}")
            for request in item.requests:
                lines.append(
                    f"      {request.request_id}: {request.organisation}, {request.status}, due {request.due_date}"
                )
    if waiting:
        lines += ["", "Not yet on a meeting:"]
        lines += [f"  {item.commitment or '-'}  {item.title} (due {item.due_date}): {item.reason}" for item in waiting]
    return "\n".join(lines)
