"""scrutiny run [--as-of DATE] [--demo]: the whole cycle as one flow, for every committee."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from cli.commands._common import Subparsers, add_as_of, add_committee, as_of, listed_committee
from cli.output import table
from scrutiny.runtime.prefect_api import require_prefect_api
from scrutiny.services.demo import NextChaser, next_chaser_day, next_meeting_to_show
from scrutiny.services.documents import describe_documents, missing_pdf_warning
from scrutiny.services.home import open_workspace
from scrutiny.services.responses import responses_due
from scrutiny.services.tracker import write_due_workbook
from scrutiny.workspace import Workspace

if TYPE_CHECKING:  # the flows import Prefect, which only flow commands need to load
    from flows.cycle import CycleResult


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "run",
        help="the whole cycle for every committee: plan, collect responses, letters, chasers, packs due "
        "(flow scrutiny-cycle)",
    )
    add_as_of(parser)
    add_committee(parser, listing=True)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="a first look: when no committee has a letter out for a coming meeting, issue the next meeting's "
        "letters early (and say so); write tracker.xlsx in the home; end with where to look",
    )
    parser.set_defaults(handler=run, flow_command=True)


def run(args: argparse.Namespace) -> str:
    from flows.cycle import scrutiny_cycle_flow
    from flows.letters import issue_request_letters_flow

    day = as_of(args)
    workspace = open_workspace()
    committee_id = listed_committee(args, workspace)
    require_prefect_api()  # the home's server, or a temporary one
    result = scrutiny_cycle_flow(as_of=day, committee_id=committee_id)
    letters_ids, notes = list(result.letters), []
    if args.demo:
        with workspace.session() as session:
            early = next_meeting_to_show(session, workspace, day, committee_id)
        if early is not None:
            letters_ids += issue_request_letters_flow(as_of=day, meeting_id=early.meeting_id)
            notes.append(
                f"Demo: no letter was due today, so the letters for the meeting of {early.meeting_date} "
                f"({early.meeting_id}) were issued early; their window opens {early.window_opens}."
            )
    out = _report(workspace, day, committee_id, result, letters_ids)
    if args.demo:
        tracker = workspace.home / "tracker.xlsx"
        with workspace.session() as session:
            rows = [row.as_dict() for row in responses_due(session, workspace, day, committee_id=committee_id)]
        write_due_workbook(rows, tracker)
        chaser = next_chaser_day(workspace, rows, day)
        out += ["", *notes, *where_to_look(workspace, result, tracker, chaser)]
    return "\n".join(out)


def _report(
    workspace: Workspace, day: dt.date, committee_id: str | None, result: CycleResult, letter_ids: list[int]
) -> list[str]:
    with workspace.session() as session:
        letters = describe_documents(session, workspace, letter_ids)
        chasers = describe_documents(session, workspace, result.chasers)
        due = [row.as_dict() for row in responses_due(session, workspace, day, committee_id=committee_id)]
    names = ", ".join(c.name for c in workspace.selected(committee_id))
    out = [f"Cycle as of {day.isoformat()} ({names})", "", "Annual update items:"]
    out.append(table([p.as_dict() for p in result.placements], ["committee", "commitment", "meeting_id", "reason"]))
    recorded = [row for row in result.collected if row.outcome == "recorded"]
    if result.collected:
        out += ["", f"Responses collected: {len(recorded)} of {len(result.collected)} message(s) and file(s) seen"]
        out += [f"  {row.name}: {row.outcome} {row.detail}".rstrip() for row in result.collected]
    out += ["", f"Letters written: {len(letters)} (under {workspace.settings.letters_dir})"]
    out += [f"  {path}" for row in letters for path in (row["path"], row["pdf"]) if path]
    out += [f"Chasers written: {len(chasers)}"] + [f"  {p}" for row in chasers for p in (row["path"], row["pdf"]) if p]
    out += [f"  {line}" for line in missing_pdf_warning(workspace, letters + chasers)]
    made = [pack for pack in result.packs if pack.created]
    out += [f"Agenda packs written: {len(made)}"]
    out += [f"  {path}" for pack in made for path in (pack.docx, pack.pdf) if path]
    out += [f"  Warning: {pack.late_warning}" for pack in made if pack.late_warning]
    for draft in result.drafts:
        out += [f"Draft pack for the next meeting ({draft.meeting_id}, to be published {draft.publication_date}):"]
        out += [f"  {path}" for path in (draft.docx, draft.pdf) if path]
    out += [
        "",
        "Responses due:",
        table(due, ["committee", "request_id", "meeting_id", "organisation", "due_date", "status", "action_needed"]),
    ]
    return out


def where_to_look(workspace: Workspace, result: CycleResult, tracker: Path, chaser: NextChaser | None) -> list[str]:
    settings = workspace.settings
    packs = [pack for pack in [*result.packs, *result.drafts] if pack.docx]
    lines = ["Where to look:", f"  letters (DOCX and PDF):  {settings.letters_dir}/<meeting>/"]
    for pack in packs[:2]:
        label = "draft pack" if pack.version == 0 else f"agenda pack v{pack.version}"
        lines.append(f"  {label} ({pack.meeting_id}):  {pack.pdf or '(no PDF: LibreOffice is not installed)'}")
        lines.append(f"  {' ' * len(label)}  {' ' * (len(pack.meeting_id) + 2)}   {pack.docx}")
    lines += [
        f"  e-mails (nothing is really sent):  {settings.outbox_dir}/",
        f"  the tracker (Excel):  {tracker}",
        "",
        "Next, try:",
        "  scrutiny responses due                  what is due, from whom, by when",
        "  scrutiny programme                      the work programme with the reason for each placement",
        "  scrutiny timetable --explain            every deadline and how it was worked out",
        "  scrutiny letters preview <REQUEST_ID>   read a letter before it goes",
    ]
    if chaser is not None:  # a day that really has something to chase, not a date fixed in the code
        lines.append(
            f"  scrutiny run --as-of {chaser.day.isoformat()}         the next day a chaser is due ({chaser.kind})"
        )
    return lines
