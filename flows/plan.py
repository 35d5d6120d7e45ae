"""Flow: place the annual-update items (Recommendations 15 and 16) on the committee's meetings."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from scrutiny.services.planning import PlanRow, plan_annual_updates
from scrutiny.workspace import open_workspace, today_in_london


@flow(name="plan-annual-updates", log_prints=True)
def plan_annual_updates_flow(as_of: dt.date | None = None) -> list[PlanRow]:
    workspace = open_workspace()
    with workspace.session() as session:
        rows = plan_annual_updates(session, workspace, as_of or today_in_london())
    for row in rows:
        print(f"{row.commitment}: {row.meeting_id or 'not placed'} ({row.reason})")
    return rows
