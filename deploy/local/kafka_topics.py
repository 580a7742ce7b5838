"""Create and check the platform's Kafka topics, as declared in deploy/topics.toml.

Run from the repository root (deploy/local/up does this after the broker is ready):

    uv run --frozen python deploy/local/kafka_topics.py           # create the missing topics
    uv run --frozen python deploy/local/kafka_topics.py --check   # report; 1 if one is missing
    uv run --frozen python deploy/local/kafka_topics.py --ping    # 0 once the broker answers
    uv run --frozen python deploy/local/kafka_topics.py --ping --brokers 3  # ... all 3, in sync
    uv run --frozen python deploy/local/kafka_topics.py --print --profile production

Creating is idempotent: topics that already exist are left exactly as they are (a changed
partition count or retention is reported by --check, never applied behind anyone's back).
The broker address comes from --bootstrap-servers, else KAFKA_BOOTSTRAP_SERVERS, else
127.0.0.1:9092; the login from the same settings as every client's (KAFKA_SECURITY_PROTOCOL,
KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: the admin in docker-compose). Tests import
load_topics() to read the same file.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOPICS_FILE = Path(__file__).resolve().parent.parent / "topics.toml"
PARTNERS_FILE = Path(__file__).resolve().parent.parent / "partners.toml"
PER_PARTNER = ("only", "also")
PROFILES = ("local", "production")
CLEANUP_POLICIES = ("delete", "compact")

_TOPIC_KEYS = {"name", "partitions", "retention_ms", "cleanup_policy"}
_OPTIONAL_TOPIC_KEYS = {"per_partner", "max_compaction_lag_ms"}
_DEFAULT_KEYS = {"replication_factor", "min_insync_replicas", "unclean_leader_election"}
# Kafka error codes handled by name rather than by importing aiokafka's table at import time.
_TOPIC_ALREADY_EXISTS = 36


@dataclass(frozen=True)
class TopicSpec:
    """One topic as it should exist on the broker."""

    name: str
    partitions: int
    replication_factor: int
    config: dict[str, str] = field(default_factory=dict)


class TopicFileError(ValueError):
    """deploy/topics.toml does not say what this script expects."""


def load_topics(
    profile: str = "local", path: Path = TOPICS_FILE, partners_file: Path = PARTNERS_FILE
) -> list[TopicSpec]:
    """Read the topic file and apply the defaults of one profile ("local" or "production");
    a per-partner topic becomes one for each partner that may publish to its service."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    defaults = data.get("defaults", {}).get(profile)
    if defaults is None:
        raise TopicFileError(f"{path}: no [defaults.{profile}] section")
    unknown = set(defaults) - _DEFAULT_KEYS
    if unknown:
        raise TopicFileError(f"{path}: unknown keys in [defaults.{profile}]: {sorted(unknown)}")

    shared_config = {"min.insync.replicas": str(defaults["min_insync_replicas"])}
    if "unclean_leader_election" in defaults:
        value = defaults["unclean_leader_election"]
        shared_config["unclean.leader.election.enable"] = "true" if value else "false"

    specs: list[TopicSpec] = []
    for entry in data.get("topic", []):
        name = entry.get("name", "?")
        if not _TOPIC_KEYS <= set(entry) <= _TOPIC_KEYS | _OPTIONAL_TOPIC_KEYS:
            raise TopicFileError(
                f"{path}: topic {name} must have the keys {sorted(_TOPIC_KEYS)}"
                f" and may have {sorted(_OPTIONAL_TOPIC_KEYS)}"
            )
        per_partner = entry.get("per_partner")
        if per_partner not in (None, *PER_PARTNER):
            raise TopicFileError(f"{path}: topic {name}: per_partner must be only or also")
        if entry["cleanup_policy"] not in CLEANUP_POLICIES:
            raise TopicFileError(f"{path}: topic {name}: cleanup_policy must be delete or compact")
        if entry["retention_ms"] < -1 or entry["partitions"] < 1:
            raise TopicFileError(f"{path}: topic {name}: bad retention_ms or partitions")
        config = {
            "retention.ms": str(entry["retention_ms"]),
            "cleanup.policy": entry["cleanup_policy"],
            **shared_config,
        }
        if "max_compaction_lag_ms" in entry:
            config["max.compaction.lag.ms"] = str(entry["max_compaction_lag_ms"])
        names = [name] if per_partner in (None, "also") else []
        if per_partner is not None:
            names += [f"{name}.{partner}" for partner in _publishers_to(name, partners_file)]
        specs += [
            TopicSpec(each, entry["partitions"], defaults["replication_factor"], config)
            for each in names
        ]

    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise TopicFileError(f"{path}: a topic name appears twice")
    return specs


def _publishers_to(topic: str, partners_file: Path) -> list[str]:
    """The partners that may publish to the service of `jeugdketen.<service>.<kind>`."""
    from jeugdketen_shared.permissions import PartnerRegistry

    service = topic.split(".")[1]
    return [p.id for p in PartnerRegistry.load(partners_file).publishers_to(service)]


# ----------------------------------------------------------------------------- broker side
# aiokafka is imported inside the functions below, so that load_topics() and --print work
# without it (and importing this module has no side effects).


async def _admin(bootstrap: str, timeout_s: float) -> Any:
    from aiokafka.admin import AIOKafkaAdminClient

    from jeugdketen_shared.settings import kafka_client_options

    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        **kafka_client_options(),
        request_timeout_ms=max(1000, int(timeout_s * 1000)),
    )
    try:
        await admin.start()
    except BaseException:
        await admin.close()
        raise
    return admin


@dataclass(frozen=True)
class ClusterState:
    """What the cluster's metadata says at one moment."""

    topics: list[str]
    """Every topic, the internal ones too."""
    brokers: int
    """Live brokers: one killed, or restarted but not yet caught up with the metadata, is not."""
    under_replicated: list[str]
    """Partitions (`topic-partition`) with fewer replicas in sync than they have."""


async def ping(bootstrap: str, timeout_s: float) -> ClusterState:
    """Ask the metadata once; raises when the broker does not answer within timeout_s."""
    async with asyncio.timeout(timeout_s):
        admin = await _admin(bootstrap, timeout_s)
        try:
            cluster = await admin.describe_cluster()
            topics = await admin.describe_topics()
        finally:
            await admin.close()
    return ClusterState(
        topics=[topic["topic"] for topic in topics],
        brokers=len(cluster["brokers"]),
        under_replicated=[
            f"{topic['topic']}-{partition['partition']}"
            for topic in topics
            for partition in topic["partitions"]
            if len(partition["isr"]) < len(partition["replicas"])
        ],
    )


def whole(state: ClusterState, brokers: int) -> str:
    """Why the cluster is not whole yet (empty when it is): fewer live brokers than it has, or
    a partition whose replica on a restarted broker has not caught up."""
    if state.brokers < brokers:
        return f"{state.brokers} of {brokers} brokers live"
    if state.under_replicated:
        shown = ", ".join(state.under_replicated[:3])
        return f"{len(state.under_replicated)} partitions under-replicated ({shown}, ...)"
    return ""


async def ensure(bootstrap: str, specs: list[TopicSpec], timeout_s: float) -> None:
    """Create the topics that do not exist yet; retry retriable errors until the deadline.

    Right after the broker starts, a create can fail with a retriable error (the broker is
    not yet unfenced, so there is "no broker" to place a replica on): that is retried.
    """
    from aiokafka.admin import NewTopic
    from aiokafka.errors import for_code

    deadline = time.monotonic() + timeout_s
    first_round = True
    admin = await _admin(bootstrap, timeout_s)
    try:
        while True:
            existing = set(await admin.list_topics())
            missing = [s for s in specs if s.name not in existing]
            if first_round:
                print(f"{len(specs) - len(missing)} of {len(specs)} topics exist already")
                first_round = False
            specs = missing  # a retry round only looks at what is still missing
            if not missing:
                return
            response = await admin.create_topics(
                [
                    NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.config)
                    for s in missing
                ]
            )
            retry: list[str] = []
            for topic, code, *rest in response.topic_errors:
                if code in (0, _TOPIC_ALREADY_EXISTS):  # already exists: created meanwhile
                    print(f"created  {topic}" if code == 0 else f"exists   {topic}")
                    continue
                error = for_code(code)
                message = rest[0] if rest else ""
                if error.retriable and time.monotonic() < deadline:
                    retry.append(topic)
                    continue
                raise RuntimeError(f"creating topic {topic} failed: {error.__name__} {message}")
            if not retry:
                return
            await asyncio.sleep(0.5)  # polling interval while the broker finishes starting
    finally:
        await admin.close()


async def warm_coordinators(bootstrap: str, timeout_s: float) -> None:
    """Make the broker create its group and transaction coordinators now.

    A fresh broker creates __consumer_offsets and __transaction_state on the first
    FindCoordinator request; until they exist, clients get retriable "coordinator not
    available" errors. Asking once here means the first test does not pay for that.
    """
    from aiokafka.errors import KafkaError

    deadline = time.monotonic() + timeout_s
    admin = await _admin(bootstrap, timeout_s)
    try:
        for coordinator_type in (0, 1):  # 0: consumer groups, 1: transactions
            while True:
                try:
                    await admin.find_coordinator("jeugdketen-local-warmup", coordinator_type)
                    break
                except KafkaError as exc:
                    if not exc.retriable or time.monotonic() >= deadline:
                        raise
                    await asyncio.sleep(0.2)  # polling interval while the topic is created
    finally:
        await admin.close()


async def check(bootstrap: str, specs: list[TopicSpec], timeout_s: float) -> bool:
    """Print one line per declared topic; True when every topic exists as declared."""
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    async with asyncio.timeout(timeout_s):
        admin = await _admin(bootstrap, timeout_s)
        try:
            existing = set(await admin.list_topics())
            present = [s for s in specs if s.name in existing]
            partitions: dict[str, int] = {}
            configs: dict[str, dict[str, str]] = {}
            if present:
                for meta in await admin.describe_topics([s.name for s in present]):
                    partitions[meta["topic"]] = len(meta["partitions"])
                resources = [
                    ConfigResource(ConfigResourceType.TOPIC, s.name, configs=None) for s in present
                ]
                for response in await admin.describe_configs(resources):
                    for resource in response.to_object()["resources"]:
                        configs[resource["resource_name"]] = {
                            entry["config_names"]: entry["config_value"]
                            for entry in resource["config_entries"]
                        }
        finally:
            await admin.close()

    all_ok = True
    for spec in specs:
        if spec.name not in existing:
            print(f"MISSING  {spec.name}")
            all_ok = False
            continue
        differences = []
        if partitions.get(spec.name) != spec.partitions:
            differences.append(f"partitions={partitions.get(spec.name)} (want {spec.partitions})")
        actual = configs.get(spec.name, {})
        for key, want in spec.config.items():
            if actual.get(key) != want:
                differences.append(f"{key}={actual.get(key)} (want {want})")
        if differences:
            # Existing topics are never altered by this script; say so, do not fail.
            print(f"DIFFERS  {spec.name}: {', '.join(differences)}")
        else:
            print(
                f"ok       {spec.name} partitions={spec.partitions} "
                f"retention.ms={spec.config['retention.ms']}"
            )
    return all_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--bootstrap-servers",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
    )
    parser.add_argument("--profile", choices=PROFILES, default="local")
    parser.add_argument("--file", type=Path, default=TOPICS_FILE, help="the topic file")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--check", action="store_true", help="report; exit 1 if one is missing")
    action.add_argument("--ping", action="store_true", help="exit 0 when the broker answers")
    parser.add_argument(
        "--brokers",
        type=int,
        default=1,
        help="with --ping: exit 0 only once this many brokers are live and no partition is "
        "under-replicated (deploy/local/cluster)",
    )
    action.add_argument("--print", action="store_true", help="print the topics, connect nowhere")
    args = parser.parse_args(argv)

    if args.ping:
        # A refused connection while the broker starts is expected: keep aiokafka quiet.
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
        try:
            state = asyncio.run(ping(args.bootstrap_servers, args.timeout))
        except Exception as exc:  # any failure means "not ready", which is the answer
            print(f"not ready: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        if args.brokers > 1 and (missing := whole(state, args.brokers)):
            print(f"not ready: {missing}", file=sys.stderr)
            return 1
        print(
            f"kafka at {args.bootstrap_servers} answers "
            f"({len(state.topics)} topics, live brokers: {state.brokers})"
        )
        return 0

    specs = load_topics(args.profile, args.file)
    if args.print:
        for s in specs:
            config = " ".join(f"{k}={v}" for k, v in s.config.items())
            print(f"{s.name} partitions={s.partitions} replication={s.replication_factor} {config}")
        return 0
    if args.check:
        return 0 if asyncio.run(check(args.bootstrap_servers, specs, args.timeout)) else 1
    asyncio.run(ensure(args.bootstrap_servers, specs, args.timeout))
    asyncio.run(warm_coordinators(args.bootstrap_servers, args.timeout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
