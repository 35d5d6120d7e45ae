"""scrutiny responses due | record REQUEST_ID FILE | withdraw REQUEST_ID | history REQUEST_ID"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from cli.commands._common import Subparsers, add_as_of, add_committee, add_json, as_of, listed_committee
from cli.output import as_json, table
from scrutiny.intake import IntakeLimits, inspect_response
from scrutiny.runtime.prefect_api import require_prefect_api
from scrutiny.services.home import open_workspace
from scrutiny.services.requests import get_request
from scrutiny.services.responses import check_received_date, request_history, responses_due, withdraw_request
from scrutiny.services.tracker import write_due_workbook
from scrutiny.workspace import parse_date

DUE_COLUMNS = [
    "committee", "request_id", "meeting_id", "organisation", "due_date", "working_days_left", "status",
    "received_on", "action_needed",
]  # fmt: skip


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("responses", help="track and record written responses")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    due = actions.add_parser("due", help="the responses due before each coming meeting, with their status")
    add_as_of(due)
    add_committee(due, listing=True)
    add_json(due)
    due.add_argument("--meeting", metavar="ID", help="one meeting only (past meetings included)")
    due.add_argument(
        "--xlsx", type=Path, metavar="FILE", help="also write the tracker as an Excel workbook (same columns as --json)"
    )
    due.set_defaults(handler=run_due)
    record = actions.add_parser("record", help="record a written response (DOCX or PDF) against a request")
    record.add_argument(
        "request_id", metavar="REQUEST_ID", help="the request it answers (see 'scrutiny responses due')"
    )
    record.add_argument(
        "file", type=Path, metavar="FILE", help="the written response: DOCX or PDF (.doc, .odt, .rtf converted)"
    )
    record.add_argument("--received", metavar="DATE", help="the day it arrived (default today)")
    add_as_of(record)
    record.set_defaults(handler=run_record, flow_command=True)
    withdraw = actions.add_parser("withdraw", help="stop a request: it gets no more chasers")
    withdraw.add_argument("request_id", metavar="REQUEST_ID", help="the request to stop")
    add_as_of(withdraw)
    withdraw.set_defaults(handler=run_withdraw)
    collect = actions.add_parser(
        "collect", help="take in responses from the mailbox and the inbox folder (flow collect-responses)"
    )
    add_as_of(collect)
    add_committee(collect, listing=True)
    add_json(collect)
    collect.set_defaults(handler=run_collect, flow_command=True)
    history = actions.add_parser("history", help="every status change of a request, with when and why")
    history.add_argument("request_id", metavar="REQUEST_ID", help="the request (see 'scrutiny responses due')")
    add_json(history)
    history.set_defaults(handler=run_history)


def run_due(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        rows = [
            row.as_dict()
            for row in responses_due(
                session, workspace, as_of(args), committee_id=listed_committee(args, workspace), meeting_id=args.meeting
            )
        ]
    written = ""
    if args.xlsx is not None:
        write_due_workbook(rows, args.xlsx)
        written = f"Tracker written to {args.xlsx} ({len(rows)} rows).\n"
    if args.json:
        return as_json(rows)
    return written + table(rows, DUE_COLUMNS)


def run_record(args: argparse.Namespace) -> str:
    from flows.responses import record_response_flow

    today = as_of(args)
    received = parse_date(args.received, what="--received") if args.received is not None else today
    workspace = open_workspace()
    with workspace.session() as session:  # refuse a bad ID or date before the flow starts
        check_received_date(session, get_request(session, args.request_id), received, today)
    with tempfile.TemporaryDirectory(prefix="scrutiny-intake-") as work:  # a refused file stops here, before Prefect
        inspect_response(args.file, IntakeLimits.from_settings(workspace.settings), work_dir=Path(work))
    require_prefect_api()  # the home's server, or a temporary one
    recorded = record_response_flow(
        request_id=args.request_id, file=str(args.file.resolve()), received_on=received, as_of=today
    )
    path = workspace.resolve(recorded.path)
    if recorded.already_recorded:
        return f"{args.request_id}: this file was already recorded ({path}); nothing changed."
    return f"{args.request_id}: response recorded as {recorded.status} ({path})."


def run_withdraw(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        request = withdraw_request(session, args.request_id, as_of(args))
    return f"{request.id}: withdrawn; no more reminders or overdue notices will be sent for it."


def run_history(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        rows = [row.as_dict() for row in request_history(session, args.request_id)]
    if args.json:
        return as_json(rows)
    return table(rows, ["as_of", "old_status", "new_status", "cause", "detail"])


def run_collect(args: argparse.Namespace) -> str:
    from flows.collect import collect_responses_flow

    workspace = open_workspace()
    require_prefect_api()  # the home's server, or a temporary one
    rows = [
        row.as_dict()
        for row in collect_responses_flow(as_of=as_of(args), committee_id=listed_committee(args, workspace))
    ]
    if args.json:
        return as_json(rows)
    if not rows:
        return f"Nothing to collect: the inbox folder {workspace.settings.inbox_dir} is empty and no mailbox is set."
    return table(rows, ["source", "name", "outcome", "letter_id", "requests", "detail"])
