"""scrutiny minutes record MEETING_ID FILE"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.commands._common import Subparsers
from scrutiny.services.home import open_workspace
from scrutiny.services.minutes import record_minutes


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("minutes", help="the minutes of a meeting, for the next meeting's pack")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    record = actions.add_parser("record", help="record a meeting's minutes (.docx) for the next meeting's pack")
    record.add_argument("meeting_id", metavar="MEETING_ID", help="the meeting the minutes are of")
    record.add_argument("file", type=Path, metavar="FILE", help="the minutes, a Word document (.docx)")
    record.set_defaults(handler=run_record)


def run_record(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        recorded = record_minutes(session, workspace, meeting_id=args.meeting_id, source=args.file)
    if recorded.unchanged:
        return f"{recorded.meeting_id}: these minutes were already recorded ({recorded.path}); nothing changed."
    verb = "replaced (the earlier file is kept)" if recorded.replaced else "recorded"
    return (
        f"{recorded.meeting_id}: minutes {verb} at {recorded.path}; the next meeting's pack appends them "
        "(a supplementary pack if its pack has already been published)."
    )
