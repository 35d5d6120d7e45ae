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
    pdf_timeout_s: float = Field(
        default=120, gt=0, description="Seconds LibreOffice may take to convert a letter or chaser to PDF."
    )
    delivery_retry_delays: str = Field(
        default="10,60,300",
        description="Seconds to wait before each retry of a failed e-mail, comma-separated; empty: no retries.",
    )
    intake_max_mb: float = Field(default=25, gt=0, description="Largest response document accepted, in MB.")
    intake_max_zip_entries: int = Field(
        default=2000, gt=0, description="Most entries a Word (or ODT) document's zip container may have."
    )
    intake_max_uncompressed_mb: float = Field(
        default=200, gt=0, description="Most a Word (or ODT) document may inflate to when unzipped, in MB."
    )
    intake_max_compression_ratio: float = Field(
        default=100, gt=1, description="Highest uncompressed-to-compressed size ratio accepted (zip bombs)."
    )
    intake_max_pdf_pages: int = Field(default=300, gt=0, description="Most pages a PDF response may have.")
    intake_convert_timeout_s: float = Field(
        default=120, gt=0, description="Seconds LibreOffice may take to convert a .doc, .odt or .rtf to DOCX."
    )
    imap_host: str | None = Field(default=None, description="IMAP server responses are collected from; unset: none.")
    imap_port: int = Field(default=993, description="IMAP port.")
    imap_user: str | None = Field(default=None, description="IMAP user name.")
    imap_password: str | None = Field(
        default=None, description="IMAP password (from the environment, never the repository)."
    )
    imap_password_block: str | None = Field(
        default=None, description="Name of a Prefect Secret block holding the IMAP password."
    )
    imap_folder: str = Field(default="INBOX", description="IMAP folder responses arrive in.")
    imap_unmatched_folder: str = Field(
        default="Scrutiny/Unmatched", description="IMAP folder unmatched or refused messages are flagged and moved to."
    )
    imap_done_folder: str | None = Field(
        default=None, description="IMAP folder collected messages are moved to; unset: they stay, marked seen."
    )
    imap_ssl: bool = Field(default=True, description="Connect to the IMAP server over TLS (IMAPS).")
    database_url_block: str | None = Field(
        default=None,
        description="Name of a Prefect Secret block holding the database URL; read by deployment runs when "
        "SCRUTINY_DATABASE_URL is unset.",
    )
    server_host: str = Field(
        default="127.0.0.1", description="Address 'scrutiny server start' binds the Prefect server to."
    )
    server_port: int | None = Field(
        default=None,
        description="Port of the Prefect server 'scrutiny server start' runs; default 4200, or a free port if taken.",
    )
    expect_revision: str | None = Field(
        default=None,
        description="Schema revision a deployment run requires (pinned by 'scrutiny server start'); empty: any.",
    )
    expect_committees: str | None = Field(
        default=None,
        description="Comma-separated committee IDs a deployment run requires (pinned by 'scrutiny server start').",
    )

    pack_attach_max_mb: float = Field(
        default=10,
        ge=0,
        description="Largest agenda pack (in MB) e-mailed to members as an attachment; a larger one goes as a link.",
    )
    pack_base_url: str | None = Field(
        default=None,
        description="Where members find a pack too large to attach: a base URL or folder standing for packs/; "
        "default the file's path under SCRUTINY_HOME.",
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
    def home_path(self) -> Path:
        """The home as an absolute path: stored file paths are relative to it."""
        return self.home.resolve()

    @property
    def state_dir(self) -> Path:
        return self.home / "state"

    @property
    def committees_dir(self) -> Path:
        """One folder per committee: its committee.yaml and any templates of its own."""
        return self.home / "committees"

    @property
    def inbox_dir(self) -> Path:
        """Where .eml files and documents are dropped for 'scrutiny responses collect'."""
        return self.home / "inbox"

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
    os.environ.setdefault("DO_NOT_TRACK", "1")  # nor its SDK (in processes where Prefect is imported later)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # Prefect's own ephemeral server outlives a killed command; scrutiny.runtime.prefect_api starts one that does not.
    os.environ["PREFECT_SERVER_EPHEMERAL_ENABLED"] = "false"
