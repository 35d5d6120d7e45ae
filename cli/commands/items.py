"""scrutiny items add MEETING_ID --title TEXT ... | items move ITEM_ID MEETING_ID | items remove ITEM_ID | items list"""

from __future__ import annotations

import argparse

from cli.commands._common import (
    Subparsers,
    add_as_of,
    add_committee,
    add_json,
    as_of,
    check_committee_of_id,
    listed_committee,
)
from cli.output import as_json, table
from scrutiny.services.home import open_workspace
from scrutiny.services.items import (
    ItemChange,
    add_item,
    describe_meeting,
    get_item,
    item_label,
    list_items,
    move_item,
    remove_item,
)
from scrutiny.services.meetings import get_meeting

ITEM_ID_HELP = "the item, as 'scrutiny items list' shows it (e.g. lih-item-12; the number alone, 12, also works)"


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("items", help="add, move and remove one-off agenda items; list every item")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    adding = actions.add_parser("add", help="put a one-off item on a coming meeting, with a request to each respondent")
    adding.add_argument("meeting_id", metavar="MEETING_ID", help="the meeting (see 'scrutiny meetings list')")
    adding.add_argument("--title", required=True, metavar="TEXT", help="the item's title, as the agenda shows it")
    adding.add_argument(
        "--respondent", action="append", default=[], metavar="ORG_ID",
        help="an organisation asked for written evidence (repeat for each); none: no letters",
    )  # fmt: skip
    adding.add_argument(
        "--question", action="append", default=[], metavar="TEXT",
        help="a numbered request in the letter (repeat for each); default: a written update on the title",
    )  # fmt: skip
    adding.add_argument(
        "--presenter", action="append", default=[], metavar="TEXT",
        help="who presents it, as the cover sheet shows it (repeat for each); default: the respondents' contacts",
    )  # fmt: skip
    add_as_of(adding)
    add_committee(adding)
    adding.set_defaults(handler=run_add)

    moving = actions.add_parser("move", help="move a one-off item to another coming meeting; its requests follow")
    moving.add_argument("item_id", metavar="ITEM_ID", help=ITEM_ID_HELP)
    moving.add_argument("meeting_id", metavar="MEETING_ID", help="the meeting to move it to")
    add_as_of(moving)
    add_committee(moving)
    moving.set_defaults(handler=run_move)

    removing = actions.add_parser(
        "remove", help="take a one-off item off the agenda; with letters out, its requests are withdrawn"
    )
    removing.add_argument("item_id", metavar="ITEM_ID", help=ITEM_ID_HELP)
    add_as_of(removing)
    add_committee(removing)
    removing.set_defaults(handler=run_remove)

    listing = actions.add_parser("list", help="every agenda item, its meeting, respondents and status")
    listing.add_argument("--meeting", metavar="ID", help="one meeting's items only")
    add_committee(listing, listing=True)
    add_json(listing)
    listing.set_defaults(handler=run_list)


def run_add(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        committee = check_committee_of_id(args, workspace, get_meeting(session, args.meeting_id).id)
        change = add_item(
            session, committee=committee, meeting_id=args.meeting_id, title=args.title, respondents=args.respondent,
            questions=args.question, presenters=args.presenter, as_of=as_of(args),
        )  # fmt: skip
    return _report(f"Added {change.item_id} “{change.title}” to {describe_meeting(change)}.", change)


def run_move(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        item = get_item(session, args.item_id)
        committee = check_committee_of_id(args, workspace, item_label(workspace.committee(item.committee_id), item))
        change = move_item(session, committee=committee, item=item, meeting_id=args.meeting_id, as_of=as_of(args))
    if not change.changed:
        return change.notes[0] + "."
    return _report(f"Moved {change.item_id} “{change.title}” to {describe_meeting(change)}.", change)


def run_remove(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    with workspace.session() as session:
        item = get_item(session, args.item_id)
        committee = check_committee_of_id(args, workspace, item_label(workspace.committee(item.committee_id), item))
        change = remove_item(session, committee=committee, item=item, as_of=as_of(args))
    return _report(f"Removed {change.item_id} “{change.title}” from {describe_meeting(change)}.", change)


def run_list(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    committee_id = listed_committee(args, workspace)
    with workspace.session() as session:
        if args.meeting:
            meeting = get_meeting(session, args.meeting)
            committee_id = check_committee_of_id(args, workspace, meeting.id).id
        rows = [
            row.as_dict()
            for row in list_items(session, committees=workspace.selected(committee_id), meeting_id=args.meeting)
        ]
    if args.json:
        return as_json(rows)
    return table(rows, ["committee", "item_id", "meeting_id", "title", "kind", "respondents", "status", "responses"])


def _report(headline: str, change: ItemChange) -> str:
    lines = [headline]
    if change.requests:
        lines.append(f"Requests: {', '.join(change.requests)}.")
    lines += [f"Note: {note}." for note in change.notes]
    return "\n".join(lines)
