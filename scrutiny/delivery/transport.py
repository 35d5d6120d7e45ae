"""The configured way e-mails leave: the outbox folder, or an SMTP server."""

from __future__ import annotations

from scrutiny.delivery.channels import OutboxDelivery, SmtpDelivery
from scrutiny.settings import Settings


def make_transport(settings: Settings, password: str | None) -> OutboxDelivery | SmtpDelivery:
    if not settings.smtp_host:
        return OutboxDelivery(settings.outbox_dir)
    return SmtpDelivery(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=password,
        starttls=settings.smtp_starttls,
        timeout=30.0,
    )
