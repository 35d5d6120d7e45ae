"""Runtime settings, read once from the environment (pydantic-settings singleton)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scrutiny.errors import ScrutinyError

BUNDLED_CONFIG = Path(__file__).parent / "data" / "living-in-hackney.yaml"


class Settings(BaseSettings):
    """Every setting the product reads. Each is documented in the README."""

    model_config = SettingsConfigDict(env_prefix="SCRUTINY_", extra="ignore")

    home: Path = Field(default_factory=Path.cwd, description="Working folder: state/, letters/, outbox/ live here.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite under $SCRUTINY_HOME/state/."
    )
    config: Path | None = Field(
        default=None, description="Committee configuration file; default the bundled Living in Hackney one."
    )
    templates_dir: Path | None = Field(
        default=None, description="Folder of Word templates; default the repository's templates/."
    )
    smtp_host: str | None = Field(default=None, description="SMTP server; unset means e-mails go to the outbox folder.")
    smtp_port: int = Field(default=587, description="SMTP port.")
    smtp_username: str | None = Field(default=None, description="SMTP user name.")
    smtp_password: str | None = Field(
        default=None, description="SMTP password (from the environment, never the repository)."
    )
    smtp_password_block: str | None = Field(
        default=None, description="Name of a Prefect Secret block holding the SMTP password."
    )
    smtp_starttls: bool = Field(default=True, description="Use STARTTLS on the SMTP connection.")
    pdf: bool = Field(default=True, description="Also write PDFs when LibreOffice is installed.")
    delivery_retry_delays: str = Field(
        default="10,60,300",
        description="Seconds to wait before each retry of a failed e-mail, comma-separated; empty: no retries.",
    )

    @field_validator("delivery_retry_delays")
    @classmethod
    def _retry_delays(cls, value: str) -> str:
        _parse_delays(value)
        return value

    @property
    def delivery_retry_delay_seconds(self) -> list[float]:
        """One delay per retry: "10,60,300" retries three times, after 10 s, 60 s and 300 s."""
        return _parse_delays(self.delivery_retry_delays)

    @property
    def state_dir(self) -> Path:
        return self.home / "state"

    @property
    def letters_dir(self) -> Path:
        return self.home / "letters"

    @property
    def packs_dir(self) -> Path:
        return self.home / "packs"

    @property
    def minutes_dir(self) -> Path:
        return self.home / "minutes"

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"

    @property
    def responses_dir(self) -> Path:
        return self.home / "responses"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.state_dir / 'scrutiny.db').resolve()}"

    @property
    def installed_config(self) -> Path:
        """Where 'scrutiny init --config FILE' keeps the committee's configuration."""
        return self.state_dir / "committee.yaml"

    @property
    def effective_config(self) -> Path:
        if self.config:
            return self.config
        return self.installed_config if self.installed_config.exists() else BUNDLED_CONFIG

    @property
    def effective_templates_dir(self) -> Path:
        if self.templates_dir:
            return self.templates_dir
        return Path(__file__).resolve().parent.parent / "templates"


def _parse_delays(text: str) -> list[float]:
    delays: list[float] = []
    for part in text.split(",") if text.strip() else []:
        try:
            delay = float(part)
        except ValueError:
            raise ValueError(f"{part.strip()!r} is not a number of seconds (e.g. '10,60,300')") from None
        if not 0 <= delay <= 86400:
            raise ValueError(f"{part.strip()!r}: a delay must be between 0 and 86400 seconds")
        delays.append(delay)
    return delays


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "SCRUTINY_" + str(first["loc"][0]).upper() if first["loc"] else "a SCRUTINY_ setting"
        raise ScrutinyError(f"environment variable {name}: {str(first['msg']).removeprefix('Value error, ')}") from None


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()


def prepare_prefect_environment(settings: Settings) -> None:
    """Keep Prefect's own database apart from ours, never phone home, never start Prefect's own server."""
    try:
        settings.home.mkdir(parents=True, exist_ok=True)  # Prefect's home goes inside it
    except OSError as exc:
        raise ScrutinyError(f"SCRUTINY_HOME {settings.home}: cannot create the folder ({exc.strerror})") from None
    os.environ.setdefault("PREFECT_HOME", str(settings.home / ".prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # Prefect's own ephemeral server outlives a killed command; scrutiny.runtime.prefect_api starts one that does not.
    os.environ["PREFECT_SERVER_EPHEMERAL_ENABLED"] = "false"
