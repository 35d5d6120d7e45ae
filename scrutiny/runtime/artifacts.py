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
COLUMNS = ["request_id", "due_date", "status", "meeting_date", "commitment", "organisation", "issued_on"]


def outstanding_rows(session: Session, as_of: dt.date) -> list[dict[str, str]]:
    """The tracker's rows still waiting for a response, for meetings on or after `as_of`."""
    rows: list[DueRow] = [row for row in responses_due(session, as_of) if row.status not in _ANSWERED]
    return [{column: str(getattr(row, column) or "") for column in COLUMNS} for row in rows]


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
    return "\n".join(lines) + "\n\n" + where.markdown()


def publish_run_artifacts(
    workspace: Workspace, *, kind: str, title: str, as_of: dt.date, done: Sequence[str], where: RunEnvironment
) -> list[dict[str, str]]:
    """Create the `responses-outstanding` table and the `<kind>-summary` markdown for this run.

    `kind` is "chase" or "cycle"; returns the outstanding rows.
    """
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    with workspace.session() as session:
        outstanding = outstanding_rows(session, as_of)
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
