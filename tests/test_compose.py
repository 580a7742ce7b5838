"""docker-compose.yml describes the same platform as deploy/ and the services' settings."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from jeugdketen_shared.settings import ServiceSettings
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


@pytest.mark.parametrize("service", runnable_services())
def test_each_service_gets_exactly_the_settings_it_reads(
    compose: dict[str, Any], service: str
) -> None:
    read = {field.validation_alias for field in ServiceSettings.model_fields.values()}
    assert set(compose["services"][service]["environment"]) == read
    database_url = compose["services"][service]["environment"]["DATABASE_URL"]
    assert database_url.endswith(f"/{service}"), "each service has a database of its own"


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


def test_compose_runs_the_kafka_version_deploy_pins(compose: dict[str, Any]) -> None:
    assert compose["services"]["kafka-1"]["image"] == f"apache/kafka:{pinned_kafka_version()}"


def test_compose_creates_the_databases_deploy_creates() -> None:
    local = re.search(r"PG_DATABASES=\(([^)]*)\)", (REPOSITORY / "deploy/local/lib.sh").read_text())
    assert local is not None
    init = (REPOSITORY / "deploy/compose/init-databases.sql").read_text()
    assert re.findall(r"CREATE DATABASE (\w+)", init) == local.group(1).split()
