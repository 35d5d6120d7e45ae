"""Flow: the whole cycle, as the daily scheduled run does it: plan, letters, chasers, packs due,
and a draft of the next meeting's pack."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from prefect import flow

from flows.chase import chase_responses_flow
from flows.deliver import deliver_pending, delivery_failure
from flows.letters import issue_request_letters_flow
from flows.pack import assemble_pack_task, draft_pack_task
from flows.plan import plan_annual_updates_flow
from scrutiny.runtime.artifacts import publish_run_artifacts
from scrutiny.runtime.guard import check_run_environment
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
    """The whole cycle: plan, letters, chasers, e-mails, the packs due and a draft of the next pack.

    Args:
        as_of: The day to run as of (YYYY-MM-DD); empty means today in Europe/London.
    """
    where = check_run_environment()
    day = as_of or today_in_london()
    placements = plan_annual_updates_flow(as_of=day)
    # Letters and chasers are written first and e-mailed together, so an SMTP outage
    # does not stop the packs: the failure is reported once everything else is done.
    letters = issue_request_letters_flow(as_of=day, deliver=False)
    chasers = chase_responses_flow(as_of=day, deliver=False)
    workspace = open_workspace()
    failures = deliver_pending(workspace)
    with workspace.session() as session:
        meetings = packs_due(session, workspace, day)
        upcoming = next_meeting_before_publication(session, workspace, day)
    packs = [assemble_pack_task(meeting_id, day) for meeting_id in meetings]
    draft = draft_pack_task(upcoming, day) if upcoming else None
    done = [
        f"{len(placements)} annual update(s) planned",
        f"{len(letters)} letter(s) and {len(chasers)} chaser(s) written",
        f"{len(packs)} pack(s) assembled",
        f"{len(failures)} e-mail(s) could not be sent",
    ]
    publish_run_artifacts(workspace, kind="cycle", title="Scrutiny cycle", as_of=day, done=done, where=where)
    if failures:
        raise delivery_failure(
            f"the cycle wrote {len(letters)} letter(s), {len(chasers)} chaser(s) and {len(packs)} pack(s)", failures
        )
    return CycleResult(day, placements, letters, chasers, packs, draft)
