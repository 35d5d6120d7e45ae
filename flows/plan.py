"""Flow: place the annual-update items (Recommendations 15 and 16) on the committee's meetings."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from scrutiny.runtime.guard import check_run_environment
from scrutiny.services.planning import PlanRow, plan_annual_updates
from scrutiny.workspace import open_workspace, retry_on_conflict, today_in_london


@flow(name="plan-annual-updates", log_prints=True)
def plan_annual_updates_flow(as_of: dt.date | None = None) -> list[PlanRow]:
    """Place the annual-update items on the committee's meetings.

    Args:
        as_of: The day to plan as of (YYYY-MM-DD); empty means today in Europe/London.
    """
    check_run_environment()
    workspace = open_workspace()
    day = as_of or today_in_london()
    rows = retry_on_conflict(workspace, lambda session: plan_annual_updates(session, workspace, day))
    for row in rows:
        print(f"{row.commitment}: {row.meeting_id or 'not placed'} ({row.reason})")
    return rows
