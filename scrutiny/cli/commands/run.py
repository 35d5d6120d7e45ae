"""scrutiny run [--as-of DATE]: the whole cycle as one flow."""

from __future__ import annotations

import argparse

from scrutiny.cli.commands._common import Subparsers, add_as_of, as_of
from scrutiny.cli.output import table
from scrutiny.runtime.prefect_api import require_prefect_api
from scrutiny.services.correspondence import describe_documents
from scrutiny.services.responses import responses_due
from scrutiny.workspace import open_workspace


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("run", help="the whole cycle: plan, letters, chasers, packs due (flow scrutiny-cycle)")
    add_as_of(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> str:
    from flows.cycle import scrutiny_cycle_flow

    day = as_of(args)
    workspace = open_workspace()
    require_prefect_api()  # the home's server, or a temporary one
    result = scrutiny_cycle_flow(as_of=day)
    with workspace.session() as session:
        letters = describe_documents(session, result.letters)
        chasers = describe_documents(session, result.chasers)
        due = [row.as_dict() for row in responses_due(session, day)]
    out = [f"Cycle as of {day.isoformat()} ({workspace.config.committee.name})", "", "Annual update items:"]
    out.append(table([p.as_dict() for p in result.placements], ["commitment", "meeting_id", "reason"]))
    out += ["", f"Letters written: {len(letters)} (under {workspace.settings.letters_dir})"]
    out += [f"  {row['path']}" for row in letters]
    out += [f"Chasers written: {len(chasers)}"] + [f"  {row['path']}" for row in chasers]
    out += [f"Agenda packs: {len(result.packs)}"] + [f"  {pack.docx}" for pack in result.packs]
    if result.draft is not None:
        out += [
            f"Draft pack for the next meeting ({result.draft.meeting_id}, published {result.draft.publication_date}):",
            f"  {result.draft.docx}",
        ]
    out += ["", "Responses due:", table(due, ["request_id", "meeting_id", "organisation", "due_date", "status"])]
    return "\n".join(out)
