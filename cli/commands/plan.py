"""scrutiny plan [--as-of DATE] [--json] | plan pin COMMITMENT MEETING_ID | plan unpin COMMITMENT"""

from __future__ import annotations

import argparse

from cli.commands._common import Subparsers, add_as_of, add_committee, add_json, as_of, one_committee
from cli.output import as_json, table
from scrutiny.runtime.prefect_api import require_prefect_api
from scrutiny.services.home import open_workspace
from scrutiny.services.planning import pin, unpin


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("plan", help="place the annual-update items on meetings (flow plan-annual-updates)")
    add_as_of(parser)
    add_committee(parser)
    add_json(parser)
    parser.set_defaults(handler=run, flow_command=True)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    pinning = actions.add_parser("pin", help="keep a commitment's item on a meeting chosen by an officer")
    pinning.add_argument("commitment", metavar="COMMITMENT", help="the commitment's key, e.g. R15")
    pinning.add_argument("meeting_id", metavar="MEETING_ID", help="the meeting to keep its item on")
    add_as_of(pinning)
    add_committee(pinning)
    pinning.set_defaults(handler=run_pin)
    unpinning = actions.add_parser("unpin", help="let the planner place a commitment's item again")
    unpinning.add_argument("commitment", metavar="COMMITMENT", help="the commitment's key, e.g. R15")
    add_as_of(unpinning)
    add_committee(unpinning)
    unpinning.set_defaults(handler=run_unpin)


def run(args: argparse.Namespace) -> str:
    from flows.plan import plan_annual_updates_flow

    day = as_of(args)
    committee = one_committee(args, open_workspace())
    require_prefect_api()  # the home's server, or a temporary one
    rows = [row.as_dict() for row in plan_annual_updates_flow(as_of=day, committee_id=committee.id)]
    if getattr(args, "json", False):
        return as_json(rows)
    return table(rows, ["commitment", "due_date", "meeting_id", "pinned", "reason"])


def run_pin(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    committee = one_committee(args, workspace)
    with workspace.session() as session:
        pin(session, committee, args.commitment, args.meeting_id, as_of(args))
    return f"{args.commitment} pinned to {args.meeting_id}.\n" + run(args)


def run_unpin(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    committee = one_committee(args, workspace)
    with workspace.session() as session:
        unpin(session, committee, args.commitment, as_of(args))
    return f"{args.commitment} unpinned.\n" + run(args)
