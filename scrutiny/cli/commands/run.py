"""scrutiny run [--as-of DATE]: the whole cycle as one flow, for every committee."""

from __future__ import annotations

import argparse

from scrutiny.cli.commands._common import Subparsers, add_as_of, add_committee, as_of, listed_committee
from scrutiny.cli.output import table
from scrutiny.services.documents import describe_documents
from scrutiny.services.home import open_workspace
from scrutiny.services.responses import responses_due


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "run", help="the whole cycle for every committee: plan, letters, chasers, packs due (flow scrutiny-cycle)"
    )
    add_as_of(parser)
    add_committee(parser, listing=True)
    parser.set_defaults(handler=run, flow_command=True)


def run(args: argparse.Namespace) -> str:
    from flows.cycle import scrutiny_cycle_flow

    day = as_of(args)
    workspace = open_workspace()
    committee_id = listed_committee(args, workspace)
    result = scrutiny_cycle_flow(as_of=day, committee_id=committee_id)
    with workspace.session() as session:
        letters = describe_documents(session, workspace, result.letters)
        chasers = describe_documents(session, workspace, result.chasers)
        due = [row.as_dict() for row in responses_due(session, workspace, day, committee_id=committee_id)]
    names = ", ".join(c.name for c in workspace.selected(committee_id))
    out = [f"Cycle as of {day.isoformat()} ({names})", "", "Annual update items:"]
    out.append(table([p.as_dict() for p in result.placements], ["committee", "commitment", "meeting_id", "reason"]))
    out += ["", f"Letters written: {len(letters)} (under {workspace.settings.letters_dir})"]
    out += [f"  {path}" for row in letters for path in (row["path"], row["pdf"]) if path]
    out += [f"Chasers written: {len(chasers)}"] + [f"  {p}" for row in chasers for p in (row["path"], row["pdf"]) if p]
    made = [pack for pack in result.packs if pack.created]
    out += [f"Agenda packs written: {len(made)}"]
    out += [f"  {path}" for pack in made for path in (pack.docx, pack.pdf) if path]
    out += [f"  Warning: {pack.late_warning}" for pack in made if pack.late_warning]
    for draft in result.drafts:
        out += [f"Draft pack for the next meeting ({draft.meeting_id}, published {draft.publication_date}):"]
        out += [f"  {path}" for path in (draft.docx, draft.pdf) if path]
    out += [
        "",
        "Responses due:",
        table(due, ["committee", "request_id", "meeting_id", "organisation", "due_date", "status", "action_needed"]),
    ]
    return "\n".join(out)
