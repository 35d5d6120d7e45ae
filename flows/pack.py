"""Flows: assemble the agenda pack for a meeting (a supplementary pack when late responses arrive) and e-mail it
to the members; send a pack built earlier with --no-send."""

from __future__ import annotations

import datetime as dt

from prefect import flow, task

from flows.deliver import deliver_pending, delivery_failure
from scrutiny import progress
from scrutiny.documents.libreoffice import libreoffice_session
from scrutiny.runtime.guard import check_run_environment
from scrutiny.services import distribution
from scrutiny.services.home import open_workspace
from scrutiny.services.packs import PackResult, assemble_meeting_pack, draft_pack
from scrutiny.workspace import retry_on_conflict, today_in_london


@task(name="assemble-pack", task_run_name="pack-{meeting_id}")
def assemble_pack_task(meeting_id: str, as_of: dt.date, send: bool = True) -> PackResult:
    return assemble_meeting_pack(open_workspace(), meeting_id, as_of, send=send)


@task(name="draft-next-pack", task_run_name="draft-{meeting_id}")
def draft_pack_task(meeting_id: str, as_of: dt.date) -> PackResult:
    return draft_pack(open_workspace(), meeting_id, as_of)


@flow(name="assemble-agenda-pack", log_prints=True)
def assemble_agenda_pack_flow(meeting_id: str, as_of: dt.date | None = None, send: bool = True) -> PackResult:
    """Assemble a meeting's agenda pack, or a supplementary pack for what arrived since, and e-mail it to the members.

    Args:
        meeting_id: The meeting, e.g. lih-2027-01-25.
        as_of: The day the pack is made (default today in Europe/London).
        send: E-mail a new pack to each member (and any pack e-mail still pending); False records no e-mails.
    """
    check_run_environment()
    with libreoffice_session(), progress.step(f"Assembling the agenda pack for {meeting_id}"):
        result = assemble_pack_task(meeting_id, as_of or today_in_london(), send)  # its passes share one LibreOffice
    print(f"{meeting_id}: pack v{result.version} at {result.docx}")
    if result.late_warning:
        print(f"Warning: {result.late_warning}")
    if send:
        send_pending_packs(f"{meeting_id}: pack v{result.version} written and recorded")
    return result


@task(name="queue-pack-for-members", task_run_name="queue-{meeting_id}")
def queue_pack_task(meeting_id: str, as_of: dt.date) -> list[int]:
    workspace = open_workspace()
    return retry_on_conflict(
        workspace, lambda session: distribution.queue_unsent_versions(session, meeting_id=meeting_id, as_of=as_of)
    )


@flow(name="send-agenda-pack", log_prints=True)
def send_agenda_pack_flow(meeting_id: str, as_of: dt.date | None = None) -> list[int]:
    """E-mail every built version of a meeting's pack to each member who has not had it (nothing is built).

    Args:
        meeting_id: The meeting, e.g. lih-2027-01-25.
        as_of: Today, for simulations (default today in Europe/London).
    """
    check_run_environment()
    queued = queue_pack_task(meeting_id, as_of or today_in_london())
    print(f"{meeting_id}: {len(queued)} pack version(s) owed to members")
    send_pending_packs(f"{meeting_id}: {len(queued)} pack version(s) recorded for sending")
    return queued


def send_pending_packs(written: str) -> None:
    """Deliver every pack e-mail still owed; one line naming what is kept when some cannot go."""
    failures = deliver_pending(open_workspace(), kinds=list(distribution.PACK_KINDS))
    if failures:
        raise delivery_failure(written, failures)
