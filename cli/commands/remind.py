"""scrutiny remind [--as-of DATE]"""

from __future__ import annotations

import argparse

from cli.commands._common import Subparsers, add_as_of, add_committee, as_of, one_committee
from cli.output import table
from scrutiny.runtime.prefect_api import require_prefect_api
from scrutiny.services.documents import describe_documents, missing_pdf_warning
from scrutiny.services.home import open_workspace


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "remind",
        help="send the reminders, overdue notices and escalations due today, one per letter (flow chase-responses)",
    )
    add_as_of(parser)
    add_committee(parser)
    parser.set_defaults(handler=run, flow_command=True)


def run(args: argparse.Namespace) -> str:
    from flows.chase import chase_responses_flow

    day = as_of(args)
    workspace = open_workspace()
    committee = one_committee(args, workspace)
    require_prefect_api()  # the home's server, or a temporary one
    written = chase_responses_flow(as_of=day, committee_id=committee.id)
    with workspace.session() as session:
        rows = describe_documents(session, workspace, written)
    if not rows:
        return f"No chasers due as of {day.isoformat()}."
    listing = table(rows, ["letter_id", "kind", "path", "pdf", "email"])
    return "\n".join([f"{len(rows)} chaser(s) written:", listing, *missing_pdf_warning(workspace, rows)])
