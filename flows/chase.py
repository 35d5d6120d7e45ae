"""Flow: reminders, overdue notices and escalations for responses not yet received (scheduled daily)."""

from __future__ import annotations

import datetime as dt

from prefect import flow, task

from flows.deliver import deliver_pending, delivery_failure
from scrutiny.runtime.artifacts import publish_run_artifacts
from scrutiny.runtime.guard import check_run_environment
from scrutiny.services import correspondence
from scrutiny.workspace import open_workspace, today_in_london


@task(name="write-chaser", task_run_name="{kind}-{request_id}")
def write_chaser_task(request_id: str, kind: str, as_of: dt.date) -> int | None:
    workspace = open_workspace()
    written = correspondence.write_chaser(workspace, request_id, kind, as_of)  # type: ignore[arg-type]
    if written is None:
        return None
    correspondence.ensure_pdf(workspace, written.document_id)
    return written.document_id


@flow(name="chase-responses", log_prints=True)
def chase_responses_flow(as_of: dt.date | None = None, deliver: bool = True) -> list[int]:
    """Reminders, overdue notices and escalations for the responses not yet received.

    Args:
        as_of: The day to chase as of (YYYY-MM-DD); empty means today in Europe/London.
        deliver: E-mail the chasers written (and anything still undelivered) straight away.
    """
    where = check_run_environment()
    day = as_of or today_in_london()
    workspace = open_workspace()
    with workspace.session() as session:
        due = correspondence.chasers_due(session, workspace, day)
    written = [write_chaser_task(request_id, kind, day) for request_id, kind in due]
    sent = [d for d in written if d is not None]
    print(f"{len(sent)} chaser(s) written as of {day.isoformat()}")
    failures = deliver_pending(workspace) if deliver else []
    done = [f"{len(sent)} chaser(s) written", f"{len(failures)} e-mail(s) could not be sent"]
    publish_run_artifacts(workspace, kind="chase", title="Chasers", as_of=day, done=done, where=where)
    if failures:
        raise delivery_failure(f"{len(sent)} chaser(s) written and recorded", failures)
    return sent
