"""scrutiny letters [--as-of DATE] [--meeting ID] [--reissue LETTER_ID] | letters preview ID [--out DIR]"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.commands._common import (
    Subparsers,
    add_as_of,
    add_committee,
    as_of,
    check_committee_of_id,
    one_committee,
)
from cli.output import table
from scrutiny.runtime.prefect_api import require_prefect_api
from scrutiny.services.documents import describe_documents, missing_pdf_warning
from scrutiny.services.home import open_workspace
from scrutiny.services.letters import letter_for
from scrutiny.services.meetings import get_meeting
from scrutiny.services.preview import preview_letter


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "letters",
        help="write and send the request letters whose window has opened, one per organisation and meeting "
        "(flow issue-request-letters)",
    )
    add_as_of(parser)
    add_committee(parser)
    parser.add_argument(
        "--meeting", metavar="ID", help="issue every planned letter for this meeting now, window or not"
    )
    parser.add_argument(
        "--reissue",
        metavar="LETTER_ID",
        help="write a new version of a letter (its ID, or one of its requests'), keeping the earlier one",
    )
    parser.set_defaults(handler=run, flow_command=True)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    preview = actions.add_parser(
        "preview", help="write the letter that would be sent for a request or letter, recording and sending nothing"
    )
    preview.add_argument(
        "letter_or_request",
        metavar="REQUEST_OR_LETTER_ID",
        help="a request (e.g. lih-R15-1-mopac) or a letter (e.g. lih-2027-01-25-mopac)",
    )
    preview.add_argument("--out", type=Path, metavar="DIR", help="where to write it (default: the current folder)")
    add_as_of(preview)
    preview.set_defaults(handler=run_preview, flow_command=False)


def run(args: argparse.Namespace) -> str:
    from flows.letters import issue_request_letters_flow

    day = as_of(args)
    workspace = open_workspace()
    with workspace.session() as session:  # check IDs before a flow starts, so a typo is one clear line
        if args.meeting:
            committee = check_committee_of_id(args, workspace, get_meeting(session, args.meeting).id)
        elif args.reissue:
            committee = check_committee_of_id(args, workspace, letter_for(session, args.reissue).id)
        else:
            committee = one_committee(args, workspace)
        reissue = letter_for(session, args.reissue).id if args.reissue else None
    require_prefect_api()  # the home's server, or a temporary one
    written = issue_request_letters_flow(
        as_of=day, committee_id=committee.id, meeting_id=args.meeting, reissue_letter_id=reissue
    )
    with workspace.session() as session:
        rows = describe_documents(session, workspace, written)
    if not rows:
        return f"No letters to write as of {day.isoformat()} (none planned whose window has opened)."
    listing = table(rows, ["letter_id", "kind", "path", "pdf", "email"])
    warning = "".join(f"\n{line}" for line in missing_pdf_warning(workspace, rows))
    return f"{len(rows)} letter(s) written under {workspace.settings.letters_dir}:\n{listing}{warning}"


def run_preview(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    out = args.out or Path.cwd()
    written = preview_letter(workspace, args.letter_or_request, as_of(args), out)
    return f"Preview of letter {written.letter_id} ({written.kind}), nothing recorded or sent: {written.path}"
