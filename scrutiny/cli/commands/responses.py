"""scrutiny responses due | record REQUEST_ID FILE | withdraw REQUEST_ID"""

from __future__ import annotations

import argparse
from pathlib import Path

from scrutiny.cli.commands._common import Subparsers, add_as_of, add_json, as_of
from scrutiny.cli.output import as_json, table
from scrutiny.runtime.prefect_api import require_prefect_api
from scrutiny.services.responses import get_request, responses_due, validate_response_document, withdraw_request
from scrutiny.workspace import open_workspace, parse_date, today_in_london


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("responses", help="track and record written responses")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    due = actions.add_parser("due", help="the responses due before each coming meeting, with their status")
    add_as_of(due)
    add_json(due)
    due.add_argument("--meeting", metavar="ID", help="one meeting only (past meetings included)")
    due.set_defaults(handler=run_due)
    record = actions.add_parser("record", help="record a written response (.docx) against a request")
    record.add_argument("request_id", metavar="REQUEST_ID")
    record.add_argument("file", type=Path, metavar="FILE")
    record.add_argument("--received", metavar="DATE", help="the day it arrived (default today)")
    record.set_defaults(handler=run_record)
    withdraw = actions.add_parser("withdraw", help="stop a request: it gets no more chasers")
    withdraw.add_argument("request_id", metavar="REQUEST_ID")
    withdraw.set_defaults(handler=run_withdraw)


def run_due(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        rows = [row.as_dict() for row in responses_due(session, as_of(args), args.meeting)]
    if args.json:
        return as_json(rows)
    for row in rows:  # an officer must write again when the due date moved after the letter went out
        row["rewrite"] = "due date changed: reissue" if row["due_date_changed"] else ""
    return table(rows, ["request_id", "meeting_id", "organisation", "due_date", "status", "received_on", "rewrite"])


def run_record(args: argparse.Namespace) -> str:
    from flows.responses import record_response_flow

    received = parse_date(args.received, what="--received") if args.received else today_in_london()
    workspace = open_workspace()
    with workspace.session() as session:  # refuse a bad ID or file before the flow starts
        get_request(session, args.request_id)
    validate_response_document(args.file)
    require_prefect_api()  # the home's server, or a temporary one
    recorded = record_response_flow(request_id=args.request_id, file=str(args.file.resolve()), received_on=received)
    if recorded.already_recorded:
        return f"{args.request_id}: this file was already recorded ({recorded.path}); nothing changed."
    return f"{args.request_id}: response recorded as {recorded.status} ({recorded.path})."


def run_withdraw(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        request = withdraw_request(session, args.request_id)
    return f"{request.id}: withdrawn; no more reminders or overdue notices will be sent for it."
