"""Flow: assemble the agenda pack for a meeting (a supplementary pack when late responses arrive)."""

from __future__ import annotations

import datetime as dt

from prefect import flow, task

from scrutiny import progress
from scrutiny.documents.libreoffice import libreoffice_session
from scrutiny.runtime.guard import check_run_environment
from scrutiny.services.home import open_workspace
from scrutiny.services.packs import PackResult, assemble_meeting_pack, draft_pack
from scrutiny.workspace import today_in_london


@task(name="assemble-pack", task_run_name="pack-{meeting_id}")
def assemble_pack_task(meeting_id: str, as_of: dt.date) -> PackResult:
    return assemble_meeting_pack(open_workspace(), meeting_id, as_of)


@task(name="draft-next-pack", task_run_name="draft-{meeting_id}")
def draft_pack_task(meeting_id: str, as_of: dt.date) -> PackResult:
    return draft_pack(open_workspace(), meeting_id, as_of)


@flow(name="assemble-agenda-pack", log_prints=True)
def assemble_agenda_pack_flow(meeting_id: str, as_of: dt.date | None = None) -> PackResult:
    """Assemble a meeting's agenda pack, or a supplementary pack for what arrived since.

    Args:
        meeting_id: The meeting, e.g. lih-2027-01-25.
        as_of: The day the pack is made (default today in Europe/London).
    """
    check_run_environment()
    with libreoffice_session(), progress.step(f"Assembling the agenda pack for {meeting_id}"):
        result = assemble_pack_task(meeting_id, as_of or today_in_london())  # its passes share one LibreOffice
    print(f"{meeting_id}: pack v{result.version} at {result.docx}")
    if result.late_warning:
        print(f"Warning: {result.late_warning}")
    return result
