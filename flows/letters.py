"""Flow: issue the request letters whose window has opened, then deliver what is undelivered."""

from __future__ import annotations

import datetime as dt

from prefect import flow, task

from flows.deliver import deliver_pending, delivery_failure
from scrutiny.runtime.guard import check_run_environment
from scrutiny.services import correspondence
from scrutiny.workspace import open_workspace, today_in_london


@task(name="write-request-letter", task_run_name="letter-{request_id}")
def write_letter_task(request_id: str, as_of: dt.date, reissue: bool = False) -> int | None:
    workspace = open_workspace()
    written = correspondence.write_request_letter(workspace, request_id, as_of, reissue=reissue)
    if written is None:
        return None
    correspondence.ensure_pdf(workspace, written.document_id)
    return written.document_id


@flow(name="issue-request-letters", log_prints=True)
def issue_request_letters_flow(
    as_of: dt.date | None = None,
    meeting_id: str | None = None,
    reissue_request_id: str | None = None,
    deliver: bool = True,
) -> list[int]:
    """Issue the request letters whose window has opened, then e-mail what is undelivered.

    Args:
        as_of: The day to issue as of (YYYY-MM-DD); empty means today in Europe/London.
        meeting_id: Issue this meeting's letters now, even before their window opens.
        reissue_request_id: Reissue the letter of this one request (after its due date moved).
        deliver: E-mail the letters written (and anything still undelivered) straight away.
    """
    check_run_environment()
    day = as_of or today_in_london()
    workspace = open_workspace()
    if reissue_request_id:
        request_ids, reissue = [reissue_request_id], True
    else:
        with workspace.session() as session:
            request_ids, reissue = correspondence.letters_ready(session, day, meeting_id), False
    written = [write_letter_task(request_id, day, reissue) for request_id in request_ids]
    issued = [d for d in written if d is not None]
    print(f"{len(issued)} letter(s) written as of {day.isoformat()}")
    failures = deliver_pending(workspace) if deliver else []
    if failures:
        raise delivery_failure(f"{len(issued)} letter(s) written and recorded", failures)
    return issued
