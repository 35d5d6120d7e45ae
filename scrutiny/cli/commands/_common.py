"""Options and look-ups shared by several commands."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from scrutiny.workspace import parse_date, today_in_london

Subparsers = Any  # argparse's _SubParsersAction is private


def add_as_of(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of", metavar="DATE", help="run as of this day (YYYY-MM-DD); default today in Europe/London"
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def as_of(args: argparse.Namespace) -> dt.date:
    value = getattr(args, "as_of", None)
    return parse_date(value, what="--as-of") if value else today_in_london()
