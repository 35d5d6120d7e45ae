"""scrutiny server start | stop | status [--json]"""

from __future__ import annotations

import argparse

from cli.commands._common import Subparsers, add_json
from cli.output import as_json
from scrutiny.settings import get_settings


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "server", help="a Prefect server, work pool, deployments and worker for this home (schedules, the UI)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    start = actions.add_parser("start", help="start the server, work pool, deployments and a worker; print the UI")
    start.set_defaults(handler=run_start)
    stop = actions.add_parser("stop", help="stop exactly what 'server start' started")
    stop.set_defaults(handler=run_stop)
    status = actions.add_parser("status", help="say what runs and where")
    add_json(status)
    status.set_defaults(handler=run_status)


def run_start(args: argparse.Namespace) -> str:
    from scrutiny.runtime.server import start_server

    return start_server(get_settings()).text()


def run_stop(args: argparse.Namespace) -> str:
    from scrutiny.runtime.server import stop_server

    return stop_server(get_settings().home).text()


def run_status(args: argparse.Namespace) -> str:
    from scrutiny.runtime.server import server_status

    result = server_status(get_settings().home)
    return as_json(result.as_dict()) if args.json else result.text()
