"""Flow: record a written response against its request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow

from scrutiny.runtime.guard import check_run_environment
from scrutiny.services.responses import RecordedResponse, record_response
from scrutiny.workspace import open_workspace, today_in_london


@flow(name="record-response", log_prints=True)
def record_response_flow(request_id: str, file: str, received_on: dt.date | None = None) -> RecordedResponse:
    """Record a written response against its request.

    Args:
        request_id: The request, as 'scrutiny responses due' shows it.
        file: Path of the response document (DOCX or PDF) on the worker's machine.
        received_on: The day it arrived (YYYY-MM-DD); empty means today in Europe/London.
    """
    check_run_environment()
    workspace = open_workspace()
    with workspace.session() as session:
        recorded = record_response(
            session,
            request_id=request_id,
            source=Path(file),
            received_on=received_on or today_in_london(),
            responses_dir=workspace.settings.responses_dir,
        )
    print(f"{request_id}: {recorded.status} ({recorded.path})")
    return recorded
