"""Flow: issue the request letters whose window has opened, then deliver what is undelivered."""

from __future__ import annotations

import datetime as dt
from functools import partial

from prefect import flow, task

from flows.deliver import deliver_pending, delivery_failure, ensure_pdf, make_missing_pdfs
from scrutiny import progress
from scrutiny.documents.libreoffice import libreoffice_session
from scrutiny.runtime.guard import check_run_environment
from scrutiny.services import letters
from scrutiny.services.home import open_workspace
from scrutiny.workspace import retry_on_conflict, today_in_london


@task(name="write-request-letter", task_run_name="letter-{letter_id}")
def write_letter_task(letter_id: str, as_of: dt.date, reissue: bool = False) -> int | None:
    workspace = open_workspace()
    committee = workspace.committee_of_id(letter_id)
    written = retry_on_conflict(
        workspace,
        lambda session: letters.write_letter(session, workspace, committee, letter_id, as_of, reissue=reissue),
    )
    if written is None:
        return None
    ensure_pdf(workspace, written.document_id)
    return written.document_id


@flow(name="issue-request-letters", log_prints=True)
def issue_request_letters_flow(
    as_of: dt.date | None = None,
    committee_id: str | None = None,
    meeting_id: str | None = None,
    reissue_letter_id: str | None = None,
    deliver: bool = True,
) -> list[int]:
    """Write each letter due (one per organisation and meeting) and e-mail it.

    Args:
        as_of: The day to run as of (default today in Europe/London).
        committee_id: One committee's ID; default every committee in the home.
        meeting_id: Issue every letter of this meeting now, before its window opens.
        reissue_letter_id: Write a new version of this letter, keeping the earlier one.
        deliver: E-mail what was written (and anything still pending).
    """
    check_run_environment()
    day = as_of or today_in_london()
    workspace = open_workspace()
    if reissue_letter_id:
        letter_ids, reissue = [reissue_letter_id], True
    else:
        scope = [workspace.committee_of_id(meeting_id)] if meeting_id else workspace.selected(committee_id)
        letter_ids, reissue = [], False
        for committee in scope:
            letter_ids += retry_on_conflict(
                workspace,
                partial(
                    letters.letters_ready_to_write,
                    workspace=workspace,
                    committee=committee,
                    as_of=day,
                    meeting_id=meeting_id,
                ),
            )
    written: list[int | None] = []
    with libreoffice_session(), progress.track(total=len(letter_ids), label="Writing letters") as bar:
        make_missing_pdfs(workspace, day)  # what a hung or crashed LibreOffice left undone before
        for letter_id in letter_ids:  # one warm LibreOffice for every PDF of this run
            written.append(write_letter_task(letter_id, day, reissue))
            bar.advance(letter_id)
    issued = [d for d in written if d is not None]
    print(f"{len(issued)} letter(s) written as of {day.isoformat()}")
    failures = deliver_pending(workspace) if deliver else []
    if failures:
        raise delivery_failure(f"{len(issued)} letter(s) written and recorded", failures)
    return issued
