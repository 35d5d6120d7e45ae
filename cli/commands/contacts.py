"""scrutiny contacts forget EMAIL [--json]: take a person out of the database, keeping what was sent."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from cli.commands._common import Subparsers, add_json
from cli.output import as_json
from scrutiny.services.forget import ForgetResult, forget_person
from scrutiny.services.home import open_workspace
from scrutiny.workspace import today_in_london


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("contacts", help="the people the committees write to and send packs to")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    forget = actions.add_parser(
        "forget",
        help="remove a person's name and address from contacts, members and e-mail records "
        "(refused while a committee file names them)",
    )
    forget.add_argument("email", metavar="EMAIL", help="the person's e-mail address")
    add_json(forget)
    forget.set_defaults(handler=run_forget)


def run_forget(args: argparse.Namespace) -> str:
    workspace = open_workspace()
    result = forget_person(workspace, args.email, today_in_london())
    if args.json:
        return as_json(asdict(result))
    return "\n".join(_report(result))


def _report(result: ForgetResult) -> list[str]:
    if result.already:
        return [f"{result.address} was forgotten on {result.already}: nothing of them is left in the database."]
    lines = [
        f"Forgot {result.address}: {len(result.contacts)} contact(s) redacted"
        f"{' (' + ', '.join(result.contacts) + ')' if result.contacts else ''}, {len(result.members)} member(s) "
        f"removed{' (' + ', '.join(result.members) + ')' if result.members else ''}, {result.deliveries_kept} e-mail "
        f"record(s) kept as sent to {result.stand_in}, {result.withheld} e-mail(s) still owed withheld, "
        f"{result.other_rows} other row(s) cleaned.",
    ]
    if result.readdressed:
        lines.append(
            f"Chasers of {len(result.readdressed)} open letter(s) go to the organisation's current contact: "
            + ", ".join(result.readdressed)
        )
    if result.unsent_letters:
        lines.append(
            f"{len(result.unsent_letters)} letter(s) addressed to them had not been e-mailed yet: those copied get "
            "theirs, To the officer; to write one to the organisation's contact now, "
            f"'scrutiny letters --reissue {result.unsent_letters[0]}'"
        )
    if result.documents or result.files_naming:
        lines.append(
            f"Kept as the council's record, unchanged: {len(result.documents)} document(s) sent to them and "
            f"{len(result.files_naming)} file(s) that still hold the address (keeping or destroying them is the "
            "council's retention decision):"
        )
        lines += [f"  {path}" for path in [*result.documents, *result.files_naming]]
    if result.files_with_name:
        lines.append(f"Their name (not their address) is still in: {', '.join(result.files_with_name)}.")
    if result.names_elsewhere:
        where = ", ".join(f"{table} ({count})" for table, count in sorted(result.names_elsewhere.items()))
        lines.append(f"Their name still appears in text an officer typed: {where}.")
    lines.append("A committee file that names them again is refused (committees/forgotten.json).")
    return lines
