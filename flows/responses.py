"""Flow: record a written response against its request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow

from scrutiny.documents import scratch
from scrutiny.documents.libreoffice import libreoffice_session
from scrutiny.documents.scratch import scratch_directory
from scrutiny.intake import IntakeLimits, inspect_response
from scrutiny.runtime.guard import check_run_environment
from scrutiny.services.home import open_workspace
from scrutiny.services.responses import RecordedResponse, record_response
from scrutiny.workspace import retry_on_conflict, today_in_london


@flow(name="record-response", log_prints=True)
def record_response_flow(
    request_id: str, file: str, received_on: dt.date | None = None, as_of: dt.date | None = None
) -> RecordedResponse:
    """Record a written response (a path on the worker's machine) against a request.

    Args:
        request_id: The request, e.g. lih-R15-1-mopac.
        file: The response document (DOCX or PDF; .doc, .odt and .rtf are converted).
        received_on: The day it arrived (default today).
        as_of: Today, for simulations (default today in Europe/London).
    """
    check_run_environment()
    workspace = open_workspace()
    today = as_of or today_in_london()
    with scratch_directory(scratch.INTAKE) as work, libreoffice_session():
        accepted = inspect_response(Path(file), IntakeLimits.from_settings(workspace.settings), work_dir=Path(work))
        recorded = retry_on_conflict(
            workspace,
            lambda session: record_response(
                session, workspace, request_id=request_id, stored_from=accepted.path, sha256=accepted.sha256,
                kind=accepted.kind, original_name=accepted.original_name, received_on=received_on or today,
                today=today,
            ),
        )  # fmt: skip
    print(f"{request_id}: {recorded.status} ({recorded.path})")
    return recorded
