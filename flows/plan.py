"""Flow: place the annual-update items (Recommendations 15 and 16) on each committee's meetings."""

from __future__ import annotations

import datetime as dt
from functools import partial

from prefect import flow
from sqlmodel import Session

from scrutiny import progress
from scrutiny.runtime.guard import check_run_environment
from scrutiny.services.home import open_workspace
from scrutiny.services.planning import PlanRow, plan_annual_updates
from scrutiny.workspace import CommitteeContext, retry_on_conflict, today_in_london


def _plan(session: Session, *, committee: CommitteeContext, day: dt.date) -> list[PlanRow]:
    return plan_annual_updates(session, committee, day)


@flow(name="plan-annual-updates", log_prints=True)
def plan_annual_updates_flow(as_of: dt.date | None = None, committee_id: str | None = None) -> list[PlanRow]:
    """Place each recurring item on the right meeting and keep its requests in step.

    Args:
        as_of: The day to plan as of (default today in Europe/London).
        committee_id: One committee's ID; default every committee in the home.
    """
    check_run_environment()
    workspace = open_workspace()
    day = as_of or today_in_london()
    rows: list[PlanRow] = []
    for committee in workspace.selected(committee_id):
        with progress.step(f"Placing the annual updates of {committee.name}"):
            rows += retry_on_conflict(workspace, partial(_plan, committee=committee, day=day))
    for row in rows:
        print(f"{row.committee} {row.commitment}: {row.meeting_id or 'not placed'} ({row.reason})")
    return rows
