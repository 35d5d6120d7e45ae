"""Flow: reminders, overdue notices and escalations for responses not yet received (scheduled daily)."""

from __future__ import annotations

import datetime as dt

from prefect import flow, task

from flows.deliver import deliver_pending, delivery_failure, ensure_pdf
from scrutiny import progress
from scrutiny.documents.libreoffice import libreoffice_session
from scrutiny.letters.context import LetterKind
from scrutiny.runtime.artifacts import publish_run_artifacts
from scrutiny.runtime.guard import check_run_environment
from scrutiny.services import chasers
from scrutiny.services.home import open_workspace
from scrutiny.workspace import retry_on_conflict, today_in_london


@task(name="write-chaser", task_run_name="{kind}-{letter_id}")
def write_chaser_task(letter_id: str, kind: LetterKind, as_of: dt.date) -> int | None:
    workspace = open_workspace()
    committee = workspace.committee_of_id(letter_id)
    written = retry_on_conflict(
        workspace, lambda session: chasers.write_chaser(session, workspace, committee, letter_id, kind, as_of)
    )
    if written is None:
        return None
    ensure_pdf(workspace, written.document_id)
    return written.document_id


@flow(name="chase-responses", log_prints=True)
def chase_responses_flow(
    as_of: dt.date | None = None, committee_id: str | None = None, deliver: bool = True
) -> list[int]:
    """Send the chasers due today, one per letter, listing what is still outstanding.

    Args:
        as_of: The day to run as of (default today in Europe/London).
        committee_id: One committee's ID; default every committee in the home.
        deliver: E-mail what was written (and anything still pending).
    """
    where = check_run_environment()
    day = as_of or today_in_london()
    workspace = open_workspace()
    due: list[tuple[str, LetterKind]] = []
    with workspace.session() as session:
        for committee in workspace.selected(committee_id):
            due += chasers.chasers_due(session, committee, day)
    written: list[int | None] = []
    with libreoffice_session(), progress.track(total=len(due), label="Writing chasers") as bar:
        for letter_id, kind in due:  # one warm LibreOffice for every PDF of this run
            written.append(write_chaser_task(letter_id, kind, day))
            bar.advance(f"{kind} {letter_id}")
    sent = [d for d in written if d is not None]
    print(f"{len(sent)} chaser(s) written as of {day.isoformat()}")
    failures = deliver_pending(workspace) if deliver else []
    done = [f"{len(sent)} chaser(s) written", f"{len(failures)} e-mail(s) could not be sent"]
    publish_run_artifacts(workspace, kind="chase", title="Chasers", as_of=day, done=done, where=where)
    if failures:
        raise delivery_failure(f"{len(sent)} chaser(s) written and recorded", failures)
    return sent
