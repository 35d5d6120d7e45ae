"""Flow: the whole cycle, as the daily scheduled run does it: plan, letters, chasers, packs due,
and a draft of the next meeting's pack."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from prefect import flow

from flows.chase import chase_responses_flow
from flows.letters import issue_request_letters_flow
from flows.pack import assemble_pack_task, draft_pack_task
from flows.plan import plan_annual_updates_flow
from scrutiny.services.packs import PackResult, next_meeting_before_publication, packs_due
from scrutiny.services.planning import PlanRow
from scrutiny.workspace import open_workspace, today_in_london


@dataclass(frozen=True)
class CycleResult:
    as_of: dt.date
    placements: list[PlanRow]
    letters: list[int]
    chasers: list[int]
    packs: list[PackResult]
    draft: PackResult | None


@flow(name="scrutiny-cycle", log_prints=True)
def scrutiny_cycle_flow(as_of: dt.date | None = None) -> CycleResult:
    day = as_of or today_in_london()
    placements = plan_annual_updates_flow(as_of=day)
    letters = issue_request_letters_flow(as_of=day)
    chasers = chase_responses_flow(as_of=day)
    workspace = open_workspace()
    with workspace.session() as session:
        meetings = packs_due(session, workspace, day)
        upcoming = next_meeting_before_publication(session, workspace, day)
    packs = [assemble_pack_task(meeting_id, day) for meeting_id in meetings]
    draft = draft_pack_task(upcoming, day) if upcoming else None
    return CycleResult(day, placements, letters, chasers, packs, draft)

