"""docker-compose.yml describes the same platform as deploy/ and the services' settings."""

import os
import re
import subprocess
import sys
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
sys.path.insert(0, str(REPOSITORY / "deploy/local"))
import kafka_security  # noqa: E402  (deploy/local is no package)


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


TLS_ONLY = {"KAFKA_SSL_CAFILE"}
"""Read only with SASL_SSL, which compose's brokers do not offer (docs/security.md says how)."""


PARTNER_CREDENTIALS = "JEUGDKETEN_PARTNER_CREDENTIALS_FILE"
LOAD_PROGRESS = "JEUGDKETEN_LOAD_PROGRESS_FILE"
"""Written by a bulk load on the same machine (the demo's simulated year): compose runs none."""


def settings_read_by(service: str) -> set[str | None]:
    """Every service's settings but the TLS ones, and the ketenmonitor's own but those the
    image sets and the load progress file."""
    read = {field.validation_alias for field in ServiceSettings.model_fields.values()}
    read -= TLS_ONLY
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
    assert len(brokers(compose)) >= max(topic.replication_factor for topic in production)
    for broker in brokers(compose).values():
        environment = broker["environment"]
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
    brokers = sorted(name for name in compose["services"] if re.fullmatch(r"kafka-\d+", name))
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
    # the kafka-security job's Admin API comes from the same brokers' jars
    assert f"COPY --from=apache/kafka:{pinned_kafka_version()} /opt/kafka/libs /opt/kafka/libs" in (
        dockerfile()
    )


def brokers(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image", "").startswith("apache/kafka:")
    }


def listeners(environment: dict[str, Any]) -> dict[str, str]:
    """listener name -> port, of a broker's KAFKA_LISTENERS."""
    return dict(
        re.fullmatch(r"(\w+)://:(\d+)", listener).groups()  # type: ignore[union-attr]
        for listener in environment["KAFKA_LISTENERS"].split(",")
    )


def test_no_listener_of_a_broker_takes_a_client_without_a_login(compose: dict[str, Any]) -> None:
    assert len(brokers(compose)) == 3
    for broker in brokers(compose).values():
        environment = broker["environment"]
        protocols = dict(
            pair.split(":")
            for pair in environment["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
        )
        assert set(protocols) == set(listeners(environment))
        assert set(protocols.values()) == {"SASL_PLAINTEXT"}
        assert environment["KAFKA_AUTHORIZER_CLASS_NAME"].endswith(".StandardAuthorizer")
        assert environment["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
        # no User:ANONYMOUS among them: the brokers themselves log in as User:broker
        assert environment["KAFKA_SUPER_USERS"].split(";") == [
            f"User:{kafka_security.BROKER}",
            f"User:{kafka_security.ADMIN}",
        ]
        for listener in ("BROKER", "CONTROLLER"):
            assert environment[f"KAFKA_LISTENER_NAME_{listener}_SASL_ENABLED_MECHANISMS"] == "PLAIN"
            login = environment[f"KAFKA_LISTENER_NAME_{listener}_PLAIN_SASL_JAAS_CONFIG"]
            password = "${JEUGDKETEN_KAFKA_PASSWORD_BROKER:?see the top of this file}"
            assert f'username="broker" password="{password}" user_broker="{password}";' in login
        assert environment["KAFKA_LISTENER_NAME_CLIENT_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"


def kafka_clients(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every container with Kafka settings: the services and the topics job."""
    return {
        name: service["environment"]
        for name, service in compose["services"].items()
        if "KAFKA_BOOTSTRAP_SERVERS" in service.get("environment", {})
    }


def test_every_kafka_client_logs_in_with_scram_as_its_own_principal(
    compose: dict[str, Any],
) -> None:
    clients = kafka_clients(compose)
    assert set(clients) == {*runnable_services(), "topics"}
    client_port = listeners(compose["services"]["kafka-1"]["environment"])["CLIENT"]
    for name, environment in clients.items():
        principal = kafka_security.ADMIN if name == "topics" else name
        assert environment["KAFKA_BOOTSTRAP_SERVERS"] == ",".join(
            f"{broker}:{client_port}" for broker in brokers(compose)
        )
        assert environment["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert environment["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert environment["KAFKA_SASL_USERNAME"] == principal
        variable = kafka_security.compose_variable(principal)
        assert environment["KAFKA_SASL_PASSWORD"] == f"${{{variable}:?see the top of this file}}"


def test_the_kafka_security_job_gives_the_generated_credentials_and_acls_first(
    compose: dict[str, Any],
) -> None:
    job = compose["services"]["kafka-security"]
    command = job["command"]
    assert command[:2] == ["python", "deploy/local/kafka_security.py"]
    assert command[command.index("--profile") + 1] == "production"
    assert "--as-broker" in command  # the brokers' own login: there is no anonymous one
    broker_port = listeners(compose["services"]["kafka-1"]["environment"])["BROKER"]
    assert command[command.index("--bootstrap-servers") + 1] == ",".join(
        f"{broker}:{broker_port}" for broker in brokers(compose)
    )
    [secret] = job["secrets"]
    assert command[command.index("--credentials") + 1] == f"/run/secrets/{secret}"
    assert compose["secrets"][secret]["file"] == ".local/kafka/credentials.toml"
    assert command[command.index("--libs") + 1] == "/opt/kafka/libs"
    assert job["build"]["target"] == "kafka-security"
    assert "FROM platform AS kafka-security" in dockerfile()
    done = {"condition": "service_completed_successfully"}
    assert compose["services"]["topics"]["depends_on"]["kafka-security"] == done
    for service in runnable_services():
        assert compose["services"][service]["depends_on"]["kafka-security"] == done


def test_the_password_variables_compose_reads_are_those_the_tool_writes(
    compose: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    credentials = tmp_path / "credentials.toml"
    arguments = ["--profile", "production", "--credentials", str(credentials), "--compose-env"]
    assert kafka_security.main(arguments) == 0
    written = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    text = (REPOSITORY / "docker-compose.yml").read_text()
    read = set(re.findall(r"\$\{(JEUGDKETEN_KAFKA_PASSWORD_\w+):\?", text))
    assert read == set(written)
    stored = kafka_security.load_credentials(credentials)
    assert written == {
        kafka_security.compose_variable(name): stored[name]
        for name in kafka_security.platform_principals("production")
    }
    assert kafka_security.SIMULATOR not in stored  # the demo's only
    assert credentials.stat().st_mode & 0o777 == 0o600


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


def test_the_ketenmonitors_monthly_snapshots_outlive_its_container(
    compose: dict[str, Any],
) -> None:
    service = compose["services"]["ketenmonitor"]
    folder = service["environment"]["JEUGDKETEN_EXPORT_FOLDER"]
    assert f"ketenmonitor-exports:{folder}" in service["volumes"]
    assert "ketenmonitor-exports" in compose["volumes"]
    assert f"chown nobody {folder}" in (REPOSITORY / "Dockerfile").read_text(encoding="utf-8")
