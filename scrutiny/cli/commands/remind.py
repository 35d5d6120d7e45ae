"""scrutiny remind [--as-of DATE]"""

from __future__ import annotations

import argparse

from scrutiny.cli.commands._common import Subparsers, add_as_of, as_of
from scrutiny.cli.output import table
from scrutiny.runtime.prefect_api import require_prefect_api
from scrutiny.services.correspondence import describe_documents
from scrutiny.workspace import open_workspace


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "remind", help="send the reminders, overdue notices and escalations due today (flow chase-responses)"
    )
    add_as_of(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> str:
    from flows.chase import chase_responses_flow

    day = as_of(args)
    workspace = open_workspace()
    require_prefect_api()  # the home's server, or a temporary one
    written = chase_responses_flow(as_of=day)
    with workspace.session() as session:
        rows = describe_documents(session, written)
    if not rows:
        return f"No chasers due as of {day.isoformat()}."
    return f"{len(rows)} chaser(s) written:\n" + table(rows, ["request_id", "kind", "path", "delivery"])
