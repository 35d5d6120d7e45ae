"""Secrets from Prefect blocks: the one place the product reads a Prefect Secret."""

from __future__ import annotations

from typing import cast

from prefect.blocks.system import Secret

from scrutiny.errors import ScrutinyError
from scrutiny.settings import Settings


def smtp_password(settings: Settings) -> str | None:
    """From the environment, or from a Prefect Secret block; never from the repository."""
    if settings.smtp_password:
        return settings.smtp_password
    if settings.smtp_password_block:
        return secret_value(settings.smtp_password_block)
    return None


def secret_value(block_name: str) -> str:
    try:
        block = cast("Secret[str]", Secret.load(block_name, _sync=True))  # type: ignore[call-arg]
    except ValueError:
        raise ScrutinyError(f"Prefect Secret block {block_name!r} not found") from None
    return str(block.get())
