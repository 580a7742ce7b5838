"""deploy/topics.toml says what the platform's topics are; load_topics() reads it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from jeugdketen_shared.permissions import load_partners, services_publishable_by

REPOSITORY = Path(__file__).resolve().parents[2]
SCRIPT = REPOSITORY / "deploy" / "local" / "kafka_topics.py"


@pytest.fixture(scope="module")
def kafka_topics() -> ModuleType:
    # deploy/local is a folder of scripts, not a package: load the module from its file.
    spec = importlib.util.spec_from_file_location("kafka_topics", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_service_has_events_and_rejected_and_each_partner_its_own_plus_the_alerts(
    kafka_topics: ModuleType,
) -> None:
    names = {t.name for t in kafka_topics.load_topics("local")}
    # each partner an inbound and a rejected topic of its own at each service it publishes to
    own = {
        f"jeugdketen.{service}.{kind}.{partner.id}"
        for partner in load_partners(REPOSITORY / "deploy/partners.toml")
        for service in services_publishable_by(partner.kind)
        for kind in ("inbound", "rejected")
    }
    assert "jeugdketen.toegang.inbound.gemeente-enschede" in own
    assert "jeugdketen.plaatsing.rejected.aanbieder-de-boerderij" in own
    expected = {
        f"jeugdketen.{service}.{kind}"
        for service in ("toegang", "triage", "plaatsing")
        for kind in ("events", "rejected")
    } | {"jeugdketen.ketenmonitor.alerts", "jeugdketen.toegang.youth-keys"}
    assert names == expected | own


def test_the_youths_keys_are_compacted_and_an_erased_key_is_gone_within_a_day(
    kafka_topics: ModuleType,
) -> None:
    [keys] = [t for t in kafka_topics.load_topics("production") if t.name.endswith("youth-keys")]
    assert keys.config["cleanup.policy"] == "compact"
    assert keys.config["retention.ms"] == "-1"  # a living youth's key stays
    assert keys.config["max.compaction.lag.ms"] == str(24 * 60 * 60 * 1000)


def test_events_and_alerts_are_kept_forever_and_never_compacted(
    kafka_topics: ModuleType,
) -> None:
    for topic in kafka_topics.load_topics("local"):
        if topic.name.endswith((".events", ".alerts")):
            assert topic.config["retention.ms"] == "-1", topic.name
            assert topic.config["cleanup.policy"] == "delete", topic.name
        assert topic.partitions == 3


def test_profiles_choose_replication(kafka_topics: ModuleType) -> None:
    local = kafka_topics.load_topics("local")
    production = kafka_topics.load_topics("production")
    assert {(t.replication_factor, t.config["min.insync.replicas"]) for t in local} == {(1, "1")}
    assert {(t.replication_factor, t.config["min.insync.replicas"]) for t in production} == {
        (3, "2")
    }
    assert {t.config["unclean.leader.election.enable"] for t in production} == {"false"}


def test_a_topic_with_an_unknown_key_is_refused(kafka_topics: ModuleType, tmp_path: Path) -> None:
    broken = tmp_path / "topics.toml"
    broken.write_text(
        "[defaults.local]\nreplication_factor = 1\nmin_insync_replicas = 1\n"
        '[[topic]]\nname = "x"\npartitions = 1\nretention_ms = -1\n'
        'cleanup_policy = "delete"\nretention = "7d"\n'
    )
    with pytest.raises(kafka_topics.TopicFileError, match="must have the keys"):
        kafka_topics.load_topics("local", broken)
