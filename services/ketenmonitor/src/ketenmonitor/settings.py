"""The ketenmonitor's own settings, beyond every service's (jeugdketen_shared.settings)."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

FRONTEND = Path(__file__).resolve().parents[2] / "frontend" / "node_modules"
"""Where `npm ci` in services/ketenmonitor/frontend puts the NL Design System's CSS."""


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
