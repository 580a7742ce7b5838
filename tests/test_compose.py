"""docker-compose.yml describes the same platform as deploy/ and the services' settings."""

import os
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter

import toegang.main
from jeugdketen_shared.key_vault import KeyVaultSettings
from jeugdketen_shared.service import build_broker
from jeugdketen_shared.settings import ServiceSettings
from ketenmonitor.settings import MonitorSettings
from ketenmonitor.web.pages import VENDOR_ASSETS
from tests.support.infrastructure import pinned_kafka_version
from tests.support.kafka import load_topics

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPOSITORY / "docker-compose.yml").read_text())
    return loaded


def runnable_services() -> list[str]:
    return sorted(path.parts[-2] for path in REPOSITORY.glob("services/*/src/*/__main__.py"))


def test_every_runnable_service_is_in_compose(compose: dict[str, Any]) -> None:
    assert runnable_services(), "no service has a __main__ yet"
    for service in runnable_services():
        assert compose["services"][service]["command"] == ["python", "-m", service]


# read only to log in over SASL, which compose's brokers do not offer yet (docs/security.md)
SASL_LOGIN = {"KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"}


PARTNER_CREDENTIALS = "JEUGDKETEN_PARTNER_CREDENTIALS_FILE"
LOAD_PROGRESS = "JEUGDKETEN_LOAD_PROGRESS_FILE"
"""Written by a bulk load on the same machine (the demo's simulated year): compose runs none."""


def settings_read_by(service: str) -> set[str | None]:
    """Every service's settings but the SASL login, and the ketenmonitor's own but those the
    image sets and the load progress file."""
    read = {field.validation_alias for field in ServiceSettings.model_fields.values()}
    read -= SASL_LOGIN
    if service == "ketenmonitor":
        own = {field.validation_alias for field in MonitorSettings.model_fields.values()}
        read |= own - set(image_environment())
        read -= {PARTNER_CREDENTIALS, LOAD_PROGRESS}  # it takes no partner messages
    if service == "plaatsing":  # it uses toegang's key vault
        read |= {field.validation_alias for field in KeyVaultSettings.model_fields.values()}
    return read


@pytest.mark.parametrize("service", runnable_services())
def test_each_service_gets_exactly_the_settings_it_reads(
    compose: dict[str, Any], service: str
) -> None:
    assert set(compose["services"][service]["environment"]) == settings_read_by(service)
    database_url = compose["services"][service]["environment"]["DATABASE_URL"]
    assert database_url.endswith(f"/{service}"), "each service has a database of its own"


def test_the_defaults_compose_gives_are_the_settings_own(compose: dict[str, Any]) -> None:
    fields = {
        field.validation_alias: field
        for settings in (ServiceSettings, MonitorSettings)
        for field in settings.model_fields.values()
    }
    defaulted = {
        name: match.group(1)
        for name, value in compose["services"]["ketenmonitor"]["environment"].items()
        if isinstance(value, str) and (match := re.fullmatch(r"\$\{\w+:-(.+)\}", value))
    }
    assert defaulted, "compose gives the ketenmonitor no defaults of its own"
    for name, default in defaulted.items():
        field = fields[name]
        assert TypeAdapter(field.annotation).validate_python(default) == field.default, name


def test_compose_creates_the_topics_of_the_topic_file_with_production_settings(
    compose: dict[str, Any],
) -> None:
    command = compose["services"]["topics"]["command"]
    assert "deploy/local/kafka_topics.py" in command
    assert command[command.index("--profile") + 1] == "production"
    production = load_topics("production")
    brokers = [name for name in compose["services"] if name.startswith("kafka-")]
    assert len(brokers) >= max(topic.replication_factor for topic in production)
    for broker in brokers:
        environment = compose["services"][broker]["environment"]
        assert environment["KAFKA_MIN_INSYNC_REPLICAS"] == int(
            production[0].config["min.insync.replicas"]
        )
        assert environment["KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE"] == "false"
        assert environment["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


CLUSTER_SETTINGS = (
    "process.roles",
    "node.id",
    "default.replication.factor",
    "min.insync.replicas",
    "unclean.leader.election.enable",
    "offsets.topic.replication.factor",
    "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr",
    "auto.create.topics.enable",
)
"""What makes compose's three brokers one cluster with three copies; their addresses and
listeners differ on one machine."""


def test_the_local_cluster_runs_the_settings_of_composes_brokers(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    subprocess.run(
        [REPOSITORY / "deploy/local/cluster", "configure"],
        env={**os.environ, "JEUGDKETEN_CLUSTER_DIR": str(tmp_path)},
        check=True,
        timeout=60,
    )
    brokers = sorted(name for name in compose["services"] if name.startswith("kafka-"))
    nodes = sorted(tmp_path.glob("node-*/kafka/server.properties"))
    assert len(nodes) == len(brokers)
    for broker, node in zip(brokers, nodes, strict=True):
        environment = compose["services"][broker]["environment"]
        properties = dict(
            line.split("=", 1)
            for line in node.read_text().splitlines()
            if line and not line.startswith("#")
        )
        for setting in CLUSTER_SETTINGS:
            composed = environment["KAFKA_" + setting.upper().replace(".", "_")]
            assert properties[setting] == str(composed), (broker, setting)
        voters = environment["KAFKA_CONTROLLER_QUORUM_VOTERS"]
        assert _voter_ids(properties["controller.quorum.voters"]) == _voter_ids(voters)


def _voter_ids(voters: str) -> list[str]:
    return [voter.split("@")[0] for voter in voters.split(",")]


def test_every_ingress_reaches_each_of_composes_brokers(compose: dict[str, Any]) -> None:
    """The three-broker chaos run found the ingresses taking the list for one host name."""
    servers = compose["x-service-environment"]["KAFKA_BOOTSTRAP_SERVERS"]
    settings = ServiceSettings.model_validate(
        {
            "KAFKA_BOOTSTRAP_SERVERS": servers,
            "DATABASE_URL": "postgresql://unused/",
            "JEUGDKETEN_PSEUDONYM_KEY": "unused" * 6,
        }
    )
    unused: Any = SimpleNamespace(receive=None, record=None)
    broker = build_broker(toegang.main.WIRING, settings, unused, unused)
    # what FastStream hands aiokafka's clients when it connects
    assert broker._connection_kwargs["bootstrap_servers"] == servers.split(",")


def test_compose_runs_the_kafka_version_deploy_pins(compose: dict[str, Any]) -> None:
    assert compose["services"]["kafka-1"]["image"] == f"apache/kafka:{pinned_kafka_version()}"


def test_compose_creates_the_databases_deploy_creates() -> None:
    local = re.search(r"PG_DATABASES=\(([^)]*)\)", (REPOSITORY / "deploy/local/lib.sh").read_text())
    assert local is not None
    init = (REPOSITORY / "deploy/compose/init-databases.sql").read_text()
    assert re.findall(r"CREATE DATABASE (\w+)", init) == local.group(1).split()


def dockerfile() -> list[str]:
    return (REPOSITORY / "Dockerfile").read_text().splitlines()


def image_environment() -> dict[str, str]:
    """The image's own ENV settings of the platform (`ENV NAME=value`)."""
    found = {}
    for line in dockerfile():
        if line.startswith("ENV JEUGDKETEN_"):
            name, _, value = line.removeprefix("ENV ").partition("=")
            found[name] = value
    return found


def test_the_ketenmonitors_session_secret_is_required_and_its_assets_are_the_images(
    compose: dict[str, Any],
) -> None:
    environment = compose["services"]["ketenmonitor"]["environment"]
    secret = environment["JEUGDKETEN_SESSION_SECRET"]
    assert re.fullmatch(r"\$\{JEUGDKETEN_SESSION_SECRET:\?[^}]+\}", secret), "required, not set"
    assert set(image_environment()) == {"JEUGDKETEN_FRONTEND_ASSETS"}
    assert "JEUGDKETEN_FRONTEND_ASSETS" not in environment


def test_the_ketenmonitors_users_come_from_a_file_of_the_operator_never_from_the_image(
    compose: dict[str, Any],
) -> None:
    service = compose["services"]["ketenmonitor"]
    [secret] = service["secrets"]
    assert service["environment"]["JEUGDKETEN_USERS_FILE"] == f"/run/secrets/{secret}"
    source = compose["secrets"][secret]["file"]
    default = re.fullmatch(r"\$\{JEUGDKETEN_USERS_FILE:-([^}]+)\}", source)
    assert default is not None, source
    # where deploy/local/users writes it: ignored by git and by the image's build context
    assert default.group(1) == ".local/users.toml"
    assert 'USERS_FILE="$LOCAL_DIR/users.toml"' in (REPOSITORY / "deploy/local/users").read_text()
    assert ".local/" in (REPOSITORY / ".gitignore").read_text().splitlines()
    assert ".local" in (REPOSITORY / ".dockerignore").read_text().splitlines()


@pytest.mark.parametrize("service", ["toegang", "triage", "plaatsing"])
def test_the_partners_http_credentials_come_from_a_file_of_the_operator(
    compose: dict[str, Any], service: str
) -> None:
    settings = compose["services"][service]
    [secret] = settings["secrets"]
    assert settings["environment"][PARTNER_CREDENTIALS] == f"/run/secrets/{secret}"
    source = compose["secrets"][secret]["file"]
    # where deploy/local/partner-credentials writes it, ignored by git and the build context
    assert source == "${JEUGDKETEN_PARTNER_CREDENTIALS_FILE:-.local/partner-credentials.toml}"
    script = (REPOSITORY / "deploy/local/partner-credentials").read_text()
    assert 'HASHES_FILE="$LOCAL_DIR/partner-credentials.toml"' in script


def test_the_image_builds_the_assets_the_dashboard_serves_with_npm_ci() -> None:
    lines = dockerfile()
    assert "FROM node:20-slim AS frontend" in lines
    frontend = "services/ketenmonitor/frontend"
    copied = f"COPY {frontend}/package.json {frontend}/package-lock.json ./"
    npm_ci = next(i for i, line in enumerate(lines) if line.startswith("RUN npm ci"))
    assert lines.index(copied) < npm_ci
    assets = image_environment()["JEUGDKETEN_FRONTEND_ASSETS"]
    assert assets == f"/app/{frontend}/node_modules"
    into_image = {}
    for line in lines:
        if line.startswith("COPY --from=frontend "):
            source, target = line.split()[2:]
            target = target.replace("${JEUGDKETEN_FRONTEND_ASSETS}", assets)
            into_image[source.removeprefix("/frontend/node_modules/")] = target
    for folder in VENDOR_ASSETS.values():
        assert into_image[folder] == f"{assets}/{folder}"  # everything served, where served
    assert not any("axe-core" in source for source in into_image)  # the tests' only
