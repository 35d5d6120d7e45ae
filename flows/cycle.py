"""Flow: the whole cycle, as the daily scheduled run does it, for every committee: plan, collect
responses, letters, chasers, packs due, and a draft of each committee's next pack."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from prefect import flow

from flows.chase import chase_responses_flow
from flows.collect import collect_responses_flow
from flows.deliver import deliver_pending, delivery_failure
from flows.letters import issue_request_letters_flow
from flows.pack import assemble_pack_task, draft_pack_task
from flows.plan import plan_annual_updates_flow
from scrutiny import progress
from scrutiny.documents.libreoffice import libreoffice_session
from scrutiny.runtime.artifacts import publish_run_artifacts
from scrutiny.runtime.guard import RunEnvironment, check_run_environment
from scrutiny.services.collect import CollectedRow
from scrutiny.services.distribution import PACK_KINDS
from scrutiny.services.home import open_workspace
from scrutiny.services.packs import PackResult, next_meeting_before_publication, packs_due
from scrutiny.services.planning import PlanRow
from scrutiny.workspace import today_in_london


@dataclass(frozen=True)
class CycleResult:
    as_of: dt.date
    placements: list[PlanRow]
    collected: list[CollectedRow]
    letters: list[int]
    chasers: list[int]
    packs: list[PackResult]
    drafts: list[PackResult]


@flow(name="scrutiny-cycle", log_prints=True)
def scrutiny_cycle_flow(as_of: dt.date | None = None, committee_id: str | None = None) -> CycleResult:
    """The daily run: plan, write and send letters and chasers, assemble the packs due.

    Args:
        as_of: The day to run as of (default today in Europe/London).
        committee_id: One committee's ID; default every committee in the home.
    """
    where = check_run_environment()
    day = as_of or today_in_london()
    with libreoffice_session():  # one warm LibreOffice for the letters', chasers' and packs' PDFs
        return _cycle(day, committee_id, where)


def _cycle(day: dt.date, committee_id: str | None, where: RunEnvironment) -> CycleResult:
    placements = plan_annual_updates_flow(as_of=day, committee_id=committee_id)
    # Responses that arrived are taken in before chasing, so nobody is chased for one already sent.
    collected = collect_responses_flow(as_of=day, committee_id=committee_id)
    # Letters and chasers are written first and e-mailed together, so an SMTP outage
    # does not stop the packs: the failure is reported once everything else is done.
    letters = issue_request_letters_flow(as_of=day, committee_id=committee_id, deliver=False)
    chasers = chase_responses_flow(as_of=day, committee_id=committee_id, deliver=False)
    workspace = open_workspace()
    failures = deliver_pending(workspace)
    meetings: list[str] = []
    upcoming: list[str] = []
    with workspace.session() as session:
        for committee in workspace.selected(committee_id):
            meetings += packs_due(session, committee, day)
            nxt = next_meeting_before_publication(session, committee, day)
            upcoming += [nxt] if nxt else []
    packs: list[PackResult] = []
    drafts: list[PackResult] = []
    with progress.track(total=len(meetings) + len(upcoming), label="Assembling agenda packs") as bar:
        for meeting_id in meetings:
            packs.append(assemble_pack_task(meeting_id, day))
            bar.advance(meeting_id)
        for meeting_id in upcoming:
            drafts.append(draft_pack_task(meeting_id, day))  # drafts are never sent
            bar.advance(f"{meeting_id} (draft)")
    failures += deliver_pending(workspace, kinds=list(PACK_KINDS))  # each new pack to the members
    late = [f"pack {pack.meeting_id} v{pack.version}: {pack.late_warning}" for pack in packs if pack.late_warning]
    done = [
        f"{len(placements)} annual update(s) planned",
        f"{sum(1 for row in collected if row.outcome == 'recorded')} response(s) collected",
        f"{len(letters)} letter(s) and {len(chasers)} chaser(s) written",
        f"{sum(1 for pack in packs if pack.created)} pack(s) assembled",
        *late,
        f"{len(failures)} e-mail(s) could not be sent",
    ]
    publish_run_artifacts(workspace, kind="cycle", title="Scrutiny cycle", as_of=day, done=done, where=where)
    if failures:
        raise delivery_failure(
            f"the cycle wrote {len(letters)} letter(s), {len(chasers)} chaser(s) and {len(packs)} pack(s)", failures
        )
    return CycleResult(day, placements, collected, letters, chasers, packs, drafts)
