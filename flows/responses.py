"""Flow: record a written response against its request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow

from scrutiny.services.responses import RecordedResponse, record_response
from scrutiny.workspace import open_workspace, today_in_london


@flow(name="record-response", log_prints=True)
def record_response_flow(request_id: str, file: str, received_on: dt.date | None = None) -> RecordedResponse:
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
