"""Options and look-ups shared by several commands."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from scrutiny.errors import ScrutinyError
from scrutiny.workspace import CommitteeContext, Workspace, parse_date, today_in_london

Subparsers = Any  # argparse's _SubParsersAction is private


def add_as_of(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of", metavar="DATE", help="run as of this day (YYYY-MM-DD); default today in Europe/London"
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def add_committee(parser: argparse.ArgumentParser, *, listing: bool = False) -> None:
    what = (
        "only this committee's rows (default: every committee)"
        if listing
        else ("the committee to work on (default: the only one in the home)")
    )
    parser.add_argument("--committee", metavar="ID", help=f"{what}; its ID or prefix")


def as_of(args: argparse.Namespace) -> dt.date:
    value = getattr(args, "as_of", None)
    # An empty --as-of (a script's unset variable) is refused, not taken for today.
    return parse_date(value, what="--as-of") if value is not None else today_in_london()


def one_committee(args: argparse.Namespace, workspace: Workspace) -> CommitteeContext:
    """The committee a command works on; with several in the home, --committee must say which."""
    return workspace.only_or_named(getattr(args, "committee", None))


def listed_committee(args: argparse.Namespace, workspace: Workspace) -> str | None:
    """The committee a listing is limited to, or None for every committee."""
    given = getattr(args, "committee", None)
    return workspace.committee(given).id if given else None


def check_committee_of_id(args: argparse.Namespace, workspace: Workspace, scoped_id: str) -> CommitteeContext:
    """The committee an ID belongs to; --committee, when given, must agree with it."""
    committee = workspace.committee_of_id(scoped_id)
    given = getattr(args, "committee", None)
    if given and workspace.committee(given).id != committee.id:
        raise ScrutinyError(f"{scoped_id} belongs to committee {committee.id}, not {workspace.committee(given).id}")
    return committee
