"""What a chase or cycle run leaves in the Prefect UI: the responses still outstanding, as a table,
and a short markdown summary of what the run did and where it worked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session

from scrutiny.runtime.guard import RunEnvironment
from scrutiny.services.responses import DueRow, responses_due
from scrutiny.workspace import Workspace
from state.models import RequestStatus

OUTSTANDING_KEY = "responses-outstanding"
_ANSWERED = {RequestStatus.RECEIVED, RequestStatus.RECEIVED_LATE, RequestStatus.WITHDRAWN}
COLUMNS = [
    "committee", "request_id", "letter_id", "due_date", "working_days_left", "status", "meeting_id", "meeting_date",
    "item", "organisation", "issued_on", "action_needed",
]  # fmt: skip


def outstanding_rows(session: Session, workspace: Workspace, as_of: dt.date) -> list[dict[str, str]]:
    """The tracker's rows still waiting for a response, for meetings on or after `as_of`."""
    rows: list[DueRow] = [row for row in responses_due(session, workspace, as_of) if row.status not in _ANSWERED]
    return [
        {column: "" if getattr(row, column) is None else str(getattr(row, column)) for column in COLUMNS}
        for row in rows
    ]


def _per_meeting(outstanding: list[dict[str, str]], as_of: dt.date) -> list[str]:
    """One line per meeting: how many responses it still waits for, and how many are overdue."""
    lines = []
    meetings = sorted({(row["meeting_date"], row["meeting_id"]) for row in outstanding})
    for date, meeting_id in meetings:
        mine = [row for row in outstanding if row["meeting_id"] == meeting_id]
        overdue = [row for row in mine if row["due_date"] < as_of.isoformat()]
        who = ", ".join(sorted({row["organisation"] for row in mine}))
        lines.append(f"| {date} | `{meeting_id}` | {len(mine)} | {len(overdue)} | {who} |")
    if not lines:
        return []
    return ["", "| Meeting | ID | Outstanding | Overdue | From |", "| --- | --- | --- | --- | --- |", *lines]


def summary_markdown(
    title: str, as_of: dt.date, done: Sequence[str], outstanding: list[dict[str, str]], where: RunEnvironment
) -> str:
    overdue = [row for row in outstanding if row["due_date"] < as_of.isoformat()]
    lines = [f"## {title}, as of {as_of.isoformat()}", ""]
    lines += [f"- {item}" for item in done]
    lines.append(
        f"- {len(outstanding)} response(s) outstanding, {len(overdue)} of them overdue "
        f"(table artifact `{OUTSTANDING_KEY}`)"
    )
    lines += _per_meeting(outstanding, as_of)
    return "\n".join(lines) + "\n\n" + where.markdown()


def publish_run_artifacts(
    workspace: Workspace, *, kind: str, title: str, as_of: dt.date, done: Sequence[str], where: RunEnvironment
) -> list[dict[str, str]]:
    """Create the `responses-outstanding` table and the `<kind>-summary` markdown for this run.

    `kind` is "chase", "collect" or "cycle"; returns the outstanding rows.
    """
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    with workspace.session() as session:
        outstanding = outstanding_rows(session, workspace, as_of)
    create_table_artifact(
        table=outstanding,
        key=OUTSTANDING_KEY,
        description=f"Responses outstanding as of {as_of.isoformat()}: {len(outstanding)}",
    )
    create_markdown_artifact(
        summary_markdown(title, as_of, done, outstanding, where),
        key=f"{kind}-summary",
        description=f"{title} as of {as_of.isoformat()}",
    )
    return outstanding
