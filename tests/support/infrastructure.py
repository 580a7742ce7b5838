"""Where the real Kafka broker and PostgreSQL server of a test run come from.

In this order: the environment (`KAFKA_BOOTSTRAP_SERVERS` and `DATABASE_URL`), else
testcontainers when a Docker engine answers, else the project's own deploy/local/up.

The harness logs in to the local broker as its admin, a super user, with the settings
deploy/local/up writes into .local/env (`KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_USERNAME`,
`KAFKA_SASL_PASSWORD`): they are this process's environment, where every Kafka client of the
tests takes its login (`jeugdketen_shared.settings.kafka_client_options`), and the services it
starts run with them. The same listener's principals' passwords are in
`JEUGDKETEN_KAFKA_CREDENTIALS`; `JEUGDKETEN_KAFKA_LISTENERS` names every listener of the broker.
"""

import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
POSTGRES_IMAGE = "postgres:15"


def pinned_kafka_version() -> str:
    """The broker version deploy/ pins (deploy/kafka/pom.xml; the reason is in deploy/README.md)."""
    pom = (REPOSITORY / "deploy/kafka/pom.xml").read_text()
    pinned = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    if pinned is None:
        raise LookupError("deploy/kafka/pom.xml names no kafka.version")
    return pinned.group(1)


KAFKA_LOGIN = (
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
)


def kafka_login() -> dict[str, str]:
    """The harness's own Kafka login (the admin's), as settings of a service it runs."""
    return {name: os.environ[name] for name in KAFKA_LOGIN if name in os.environ}


@dataclass(frozen=True)
class SaslListener:
    """Where the broker takes SCRAM logins, the passwords of its principals, and every
    listener of the broker (`NAME://host:port,...`)."""

    bootstrap_servers: str
    credentials: Path
    listeners: str = ""


@dataclass(frozen=True)
class Infrastructure:
    kafka_bootstrap_servers: str
    database_url: str
    """A server URL whose database the tests may create schemas in."""
    kafka_sasl: SaslListener | None = None
    """None when the broker has no SASL listener (one started before deploy/local had it)."""


def _sasl(settings: Mapping[str, str]) -> SaslListener | None:
    bootstrap = settings.get("KAFKA_SASL_BOOTSTRAP_SERVERS")
    credentials = settings.get("JEUGDKETEN_KAFKA_CREDENTIALS")
    if not bootstrap or not credentials:
        return None
    return SaslListener(
        bootstrap, Path(credentials), settings.get("JEUGDKETEN_KAFKA_LISTENERS", "")
    )


@contextmanager
def provide_infrastructure() -> Iterator[Infrastructure]:
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    database = os.environ.get("DATABASE_URL")
    if kafka and database:
        yield Infrastructure(kafka, database, _sasl(os.environ))
    elif _docker_answers():
        with _containers() as infrastructure:
            yield infrastructure
    else:
        yield _deploy_local()


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        answer = subprocess.run(["docker", "info"], capture_output=True, timeout=15, check=False)
    except subprocess.TimeoutExpired:
        return False
    return answer.returncode == 0


@contextmanager
def _containers() -> Iterator[Infrastructure]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with (
        KafkaContainer(f"apache/kafka:{pinned_kafka_version()}").with_kraft() as kafka,
        PostgresContainer(POSTGRES_IMAGE, driver=None) as postgres,
    ):
        yield Infrastructure(kafka.get_bootstrap_server(), postgres.get_connection_url())


def settings_written_by_up(local_dir: Path) -> dict[str, str]:
    """The export lines of the settings file deploy/local/up wrote into its folder."""
    return dict(
        line.removeprefix("export ").split("=", 1)
        for line in (local_dir / "env").read_text().splitlines()
        if line.startswith("export ")
    )


def _deploy_local() -> Infrastructure:
    """Start (or find running) the local broker and server; they stay up for the next run. Their
    settings become this process's, as `. .local/env` would make them."""
    subprocess.run([str(REPOSITORY / "deploy/local/up")], check=True, cwd=REPOSITORY)
    settings = settings_written_by_up(REPOSITORY / ".local")
    os.environ.update(settings)
    return Infrastructure(
        settings["KAFKA_BOOTSTRAP_SERVERS"], settings["DATABASE_URL"], _sasl(settings)
    )
