"""scrutiny pack MEETING_ID [--as-of DATE]"""

from __future__ import annotations

import argparse

from scrutiny.cli.commands._common import Subparsers, add_as_of, as_of
from scrutiny.runtime.prefect_api import require_prefect_api
from scrutiny.services.meetings import get_meeting
from scrutiny.workspace import open_workspace


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("pack", help="assemble a meeting's agenda pack (flow assemble-agenda-pack)")
    parser.add_argument("meeting_id", metavar="MEETING_ID")
    add_as_of(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> str:
    from flows.pack import assemble_agenda_pack_flow

    workspace = open_workspace()
    with workspace.session() as session:
        get_meeting(session, args.meeting_id)
    require_prefect_api()  # the home's server, or a temporary one
    result = assemble_agenda_pack_flow(meeting_id=args.meeting_id, as_of=as_of(args))
    kind = "Supplementary agenda" if result.supplementary else "Agenda pack"
    if not result.created:
        return (
            f"No new responses or minutes for {result.meeting_id} since {kind.lower()} v{result.version} "
            f"({result.docx}): nothing new written."
        )
    lines = [f"{kind} v{result.version} for {result.meeting_id}: {result.docx}"]
    if result.pdf:
        lines.append(f"PDF: {result.pdf}")
    lines.extend(f"To follow: {line}" for line in result.to_follow)
    return "\n".join(lines)
