"""scrutiny letters [--as-of DATE] [--meeting ID] [--reissue REQUEST_ID]"""

from __future__ import annotations

import argparse

from scrutiny.cli.commands._common import Subparsers, add_as_of, as_of
from scrutiny.cli.output import table
from scrutiny.runtime.prefect_api import require_prefect_api
from scrutiny.services.correspondence import describe_documents
from scrutiny.services.meetings import get_meeting
from scrutiny.services.responses import get_request
from scrutiny.workspace import open_workspace


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "letters", help="write and send the request letters whose window has opened (flow issue-request-letters)"
    )
    add_as_of(parser)
    parser.add_argument(
        "--meeting", metavar="ID", help="issue every planned letter for this meeting now, window or not"
    )
    parser.add_argument(
        "--reissue", metavar="REQUEST_ID", help="write a new version of a letter, keeping the earlier one"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> str:
    from flows.letters import issue_request_letters_flow

    day = as_of(args)
    workspace = open_workspace()
    with workspace.session() as session:  # check IDs before a flow starts, so a typo is one clear line
        if args.meeting:
            get_meeting(session, args.meeting)
        if args.reissue:
            get_request(session, args.reissue)
    require_prefect_api()  # the home's server, or a temporary one
    written = issue_request_letters_flow(as_of=day, meeting_id=args.meeting, reissue_request_id=args.reissue)
    with workspace.session() as session:
        rows = describe_documents(session, written)
    if not rows:
        return f"No letters to write as of {day.isoformat()} (none planned whose window has opened)."
    return f"{len(rows)} letter(s) written under {workspace.settings.letters_dir}:\n" + table(
        rows, ["request_id", "path", "delivery"]
    )
