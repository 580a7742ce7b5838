"""The ketenmonitor's own settings, beyond every service's (jeugdketen_shared.settings)."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

FRONTEND = Path(__file__).resolve().parents[2] / "frontend" / "node_modules"
"""Where `npm ci` in services/ketenmonitor/frontend puts the NL Design System's CSS."""

MOVE_GAP_DAYS = 90
"""An end of care followed within this many days (of 24 hours) by a new placement away from
home of the same youth is a move between places, as a transfer is (issue 14): a choice, to
confirm with the werkgroep."""


class MonitorSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    users_file: Path | None = Field(
        default=None,
        validation_alias="JEUGDKETEN_USERS_FILE",
        description="The users and their roles (TOML, scrypt hashes; deploy/local/users "
        "writes one). Unset: nobody can log in",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        validation_alias="JEUGDKETEN_SESSION_SECRET",
        description="Signs the session cookies; unset: a random one per process (sessions end "
        "when it restarts, and processes behind one address do not share them)",
    )
    frontend_assets: Path = Field(
        default=FRONTEND,
        validation_alias="JEUGDKETEN_FRONTEND_ASSETS",
        description="node_modules of services/ketenmonitor/frontend (npm ci)",
    )
    retention_audit_days: int = Field(
        default=1826,
        ge=1,
        validation_alias="JEUGDKETEN_RETENTION_AUDIT_DAYS",
        description="How long the audit log keeps a read of case-level data (`case_reads`): "
        "five years, longer than any alert it concerns; to be checked in the DPIA against "
        "NEN 7513 (logging of access to health data)",
    )
    retention_alerts_days: int = Field(
        default=730,
        ge=1,
        validation_alias="JEUGDKETEN_RETENTION_ALERTS_DAYS",
        description="How long a resolved alert is kept with its history (the werkgroep's "
        "actions and comments), counted from its resolution",
    )
    retention_cases_days: int = Field(
        default=730,
        ge=1,
        validation_alias="JEUGDKETEN_RETENTION_CASES_DAYS",
        description="How long after a youth's care ended (every case left the chain, none has "
        "a fact since) the youth's cases are kept as they are; then they are anonymised, "
        "counted still",
    )
    retention_interval_seconds: float = Field(
        default=3600,
        gt=0,
        validation_alias="JEUGDKETEN_RETENTION_INTERVAL_SECONDS",
        description="How often the ketenmonitor's retention job runs (roles all and sweeper)",
    )
    load_progress_file: Path | None = Field(
        default=None,
        validation_alias="JEUGDKETEN_LOAD_PROGRESS_FILE",
        description="Where a bulk load (the demo's simulated year) writes how far it has come "
        "(jeugdketen_shared.load_progress): while it runs, or if it stopped early, every page "
        "says so. Unset: no banner",
    )
    move_gap_days: int = Field(
        default=MOVE_GAP_DAYS,
        ge=0,
        validation_alias="JEUGDKETEN_MOVE_GAP_DAYS",
        description="An end of care followed within this many days by a new placement away "
        "from home of the same youth counts as a move (stepping stones and their alert)",
    )
    export_folder: Path | None = Field(
        default=None,
        validation_alias="JEUGDKETEN_EXPORT_FOLDER",
        description="Where each month's snapshot is written when the month closes (the roles "
        "all and sweeper, hourly), and where `python -m ketenmonitor export --month YYYY-MM` "
        "writes one without `--folder`; unset: no automatic snapshot",
    )
