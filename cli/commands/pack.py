"""scrutiny pack MEETING_ID [--as-of DATE] [--no-send | --send]"""

from __future__ import annotations

import argparse

from cli.commands._common import Subparsers, add_as_of, as_of
from scrutiny.runtime.prefect_api import require_prefect_api
from scrutiny.services.distribution import pack_distribution, sendable_pack
from scrutiny.services.home import open_workspace
from scrutiny.services.meetings import get_meeting
from scrutiny.workspace import Workspace


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "pack", help="assemble a meeting's agenda pack and e-mail it to the members (flow assemble-agenda-pack)"
    )
    parser.add_argument("meeting_id", metavar="MEETING_ID", help="the meeting (see 'scrutiny meetings list')")
    add_as_of(parser)
    sending = parser.add_mutually_exclusive_group()
    sending.add_argument(
        "--no-send", action="store_true", help="build the pack but e-mail it to nobody (send it later with --send)"
    )
    sending.add_argument(
        "--send", action="store_true",
        help="build nothing: e-mail each version already built to every member who has not had it "
        "(flow send-agenda-pack)",
    )  # fmt: skip
    parser.set_defaults(handler=run, flow_command=True)


def run(args: argparse.Namespace) -> str:
    from flows.pack import assemble_agenda_pack_flow, send_agenda_pack_flow

    workspace = open_workspace()
    day = as_of(args)
    with workspace.session() as session:
        meeting = get_meeting(session, args.meeting_id)
        meeting_id, coming = meeting.id, meeting.date >= day
        if args.send:  # refuse before a flow starts, so the reason is one clear line
            sendable_pack(session, meeting_id=meeting_id, as_of=day)
    require_prefect_api()  # the home's server, or a temporary one
    if args.send:
        send_agenda_pack_flow(meeting_id=meeting_id, as_of=day)
        return "\n".join(_distribution_lines(workspace, meeting_id, hint=False))
    result = assemble_agenda_pack_flow(meeting_id=meeting_id, as_of=day, send=not args.no_send)
    kind = "Supplementary agenda" if result.supplementary else "Agenda pack"
    if not result.created:
        lines = [
            f"No new responses or minutes for {result.meeting_id} since {kind.lower()} v{result.version} "
            f"({result.docx}): nothing new written."
        ]
    else:
        lines = [f"{kind} v{result.version} for {result.meeting_id}: {result.docx}"]
        if result.pdf:
            lines.append(f"PDF: {result.pdf}")
        lines.extend(f"To follow: {line}" for line in result.to_follow)
        if result.late_warning:
            lines.append(f"Warning: {result.late_warning}")
    return "\n".join(lines + _distribution_lines(workspace, meeting_id, hint=coming))


def _distribution_lines(workspace: Workspace, meeting_id: str, *, hint: bool) -> list[str]:
    """Per version: how many members have it, and what --send would still send."""
    with workspace.session() as session:
        versions = pack_distribution(session, meeting_id=meeting_id)
    lines = []
    for version in versions:
        name = f"{'Supplementary agenda' if version.supplementary else 'Agenda pack'} v{version.version}"
        had = f"{version.channel}: " if version.channel else ""
        state = f"{had}sent to {version.sent} member(s)" + (f", {version.pending} pending" if version.pending else "")
        lines.append(f"{name}: {state}.")
        if version.not_queued and hint:
            lines.append(
                f"  Not sent to {len(version.not_queued)} member(s) (built with --no-send, or they joined since): "
                f"'scrutiny pack {meeting_id} --send' sends it."
            )
    return lines
