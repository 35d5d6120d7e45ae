"""Delivering the e-mails of letters and chasers: each retried on its own, failures kept pending."""

from __future__ import annotations

from prefect import task

from scrutiny.errors import ScrutinyError
from scrutiny.services import correspondence
from scrutiny.workspace import Workspace, open_workspace


@task(name="deliver-document", task_run_name="deliver-{document_id}")
def deliver_task(document_id: int) -> str | None:
    workspace = open_workspace()
    correspondence.ensure_pdf(workspace, document_id)  # a PDF that failed earlier is tried again
    delivered = correspondence.deliver_document(workspace, document_id)
    return delivered.location if delivered else None


@task(name="pending-deliveries")
def pending_deliveries_task() -> list[int]:
    with open_workspace().session() as session:
        return correspondence.undelivered(session)


def deliver_pending(workspace: Workspace) -> list[str]:
    """Send every e-mail not yet delivered, each retried as SCRUTINY_DELIVERY_RETRY_DELAYS says.

    A message that still fails stays pending (its claim is released) for the next run; the
    others are still attempted. Returns one line per failure.
    """
    delays = workspace.settings.delivery_retry_delay_seconds
    deliver = deliver_task.with_options(retries=len(delays), retry_delay_seconds=delays or 0)
    failures: list[str] = []
    for document_id in pending_deliveries_task():
        try:
            deliver(document_id)
        except ScrutinyError as exc:
            failures.append(str(exc))
    return failures


def delivery_failure(written: str, failures: list[str]) -> ScrutinyError:
    """One line: what was kept, what is pending, and the first reason."""
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return ScrutinyError(
        f"{written}, but {len(failures)} e-mail(s) could not be sent and stay pending for the next "
        f"'scrutiny letters', 'scrutiny remind' or 'scrutiny run': {failures[0]}{more}"
    )
