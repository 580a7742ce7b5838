"""Nothing lost, nothing doubled, while things get killed.

A simulated Twente (deploy/simulator) publishes partner messages through the whole platform,
toegang, triage and plaatsing (ingress, outbox relay and scheduler as separate processes) and
the ketenmonitor (projection and sweeper), while the chaos SIGKILLs in turn, at seeded random
moments, the Kafka broker, each domain service, an outbox relay, the ketenmonitor, and crashes
PostgreSQL; each is started again at once. Once all has settled:

- every partner message the simulator's journal says was accepted has exactly one domain event
  in its service's store and on its events topic (0 lost, 0 applied twice), and every refusal
  is one the simulator intended;
- every figure of the ketenmonitor equals the independent reference computed from the events
  on the topics (the reference test's, plain Python);
- no alert was raised twice (one per case and rule on the alerts topic).

It runs on its own broker and PostgreSQL (tests/chaos/infrastructure.py), never on the shared
ones. `JEUGDKETEN_CHAOS_EVENTS` sets the size (partner messages plus the domain events they
cause; default 100,000), `JEUGDKETEN_CHAOS_SEED` the seed (default: random, printed), and
`JEUGDKETEN_CHAOS_BROKERS=3` runs it on three brokers with compose's replication
(deploy/local/cluster), killing one at a time, each in turn, instead of the one.
"""

import asyncio
import math
import os
import random
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jeugdketen_shared.settings import kafka_client_security
from jeugdketen_shared.youth_keys import YouthKey
from simulator.journal import read_journal
from simulator.model import Scenario
from simulator.runner import simulate
from tests.chaos.audit import audit
from tests.chaos.infrastructure import OwnInfrastructure
from tests.chaos.platform import (
    DOMAIN_SERVICES,
    KINDS,
    Chaos,
    Processes,
    Relayed,
    relayed_applications,
    wait_settled,
)
from tests.integration.test_ketenmonitor_reference import compare_figures, distinct
from tests.integration.test_simulated_twente import assert_only_intended_rejections
from tests.support.kafka import Records, read_all, rejected_topics
from tests.support.services import ARTIFACTS

pytestmark = pytest.mark.chaos

EVENTS = int(os.environ.get("JEUGDKETEN_CHAOS_EVENTS", "100000"))
SEED = int(os.environ.get("JEUGDKETEN_CHAOS_SEED", str(random.randrange(10**6))))
BROKERS = int(os.environ.get("JEUGDKETEN_CHAOS_BROKERS", "1"))
EVENTS_PER_CASE = 9
"""A simulated case makes about five partner messages and as many domain events (9.9 over 1,000
cases); a little less here, so that the run reaches its target."""
PAUSE_SECONDS = (3.0, 12.0)
"""Between one kill and the next."""
SETTLE_SECONDS = 600
PATIENCE_SECONDS = 600
"""How long the simulator waits for a dependency (a broker restart included)."""


def youth_keys(records: Records) -> dict[str, YouthKey | None]:
    """The youths' keys as the keys topic says them at its end: a youth's latest record (one
    youth, one partition), None after a tombstone."""
    return {
        record.key.decode(): (
            None if record.value is None else YouthKey.from_record_value(record.value)
        )
        for record in records
        if record.key is not None
    }


@pytest.fixture(scope="module")
def own() -> Iterator[OwnInfrastructure]:
    infrastructure = OwnInfrastructure.start(BROKERS)
    try:
        # this process's Kafka clients log in to this broker, as its admin
        with pytest.MonkeyPatch.context() as patch:
            for name, value in infrastructure.kafka_login().items():
                patch.setenv(name, value)
            yield infrastructure
    finally:
        # the brokers' and the server's logs outlive the run, beside the services' logs
        kept = ARTIFACTS / "chaos-infrastructure"
        shutil.rmtree(kept, ignore_errors=True)
        for name, logs in infrastructure.log_dirs().items():
            shutil.copytree(logs, kept if name == "logs" else kept / name)
        shutil.copy(infrastructure.local_dir / "up.log", kept)
        infrastructure.down()
        shutil.rmtree(infrastructure.local_dir, ignore_errors=True)


@pytest.fixture
def pseudonym_key() -> str:
    return secrets.token_hex(32)


@pytest.fixture
async def relayed(own: OwnInfrastructure, pseudonym_key: str) -> AsyncIterator[list[Relayed]]:
    """Built when first asked, after the chaos: their pools would not outlive a PostgreSQL
    crash."""
    built: list[Relayed] = []
    yield built
    for each in built:
        each.application.close()


@pytest.mark.timeout(3600)
async def test_nothing_lost_nothing_doubled_while_things_get_killed(
    own: OwnInfrastructure, pseudonym_key: str, relayed: list[Relayed], tmp_path: Path
) -> None:
    began = time.monotonic()
    print(f"\nchaos: seed {SEED}, target {EVENTS} events, {own.brokers} Kafka broker(s)")
    rng = random.Random(SEED)
    processes = Processes(own, pseudonym_key, run=f"chaos-{SEED}")
    chaos = Chaos(own, processes, rng, PAUSE_SECONDS)
    scenario = Scenario(
        seed=SEED,
        cases=math.ceil(EVENTS / EVENTS_PER_CASE),
        period=timedelta(days=365),
        end=datetime.now(UTC),
    )
    journal_path = tmp_path / "sent.jsonl"
    processes.start()
    supervising = asyncio.create_task(processes.supervise())
    publishing = asyncio.Event()
    try:
        simulation = asyncio.create_task(
            simulate(
                scenario,
                bootstrap_servers=own.kafka_bootstrap_servers,
                prefix="jeugdketen",
                journal_path=journal_path,
                speed=None,
                on_progress=lambda _: publishing.set(),
                patience_seconds=PATIENCE_SECONDS,
                security=kafka_client_security(),
            )
        )
        # the chaos starts with the stream: a partner's client that cannot reach the broker at
        # its very start gives up, which says nothing about the platform
        first_sent = asyncio.create_task(publishing.wait())
        await asyncio.wait([simulation, first_sent], return_when=asyncio.FIRST_COMPLETED)
        first_sent.cancel()
        await chaos.run(simulation.done)
        plan = await simulation
        sent = time.monotonic()
        relayed.extend(relayed_applications(own, pseudonym_key))
        await wait_settled(own, pseudonym_key, relayed, SETTLE_SECONDS)
    finally:
        supervising.cancel()
        processes.stop()
    settled = time.monotonic()
    print("\n".join(chaos.log))

    journal = read_journal(journal_path)
    assert len(journal) == len(plan)
    kafka = own.kafka_bootstrap_servers
    found = await audit(kafka, journal, relayed)
    keys = youth_keys(await read_all(kafka, "jeugdketen.toegang.youth-keys"))
    facts = distinct([(e.source, e) for e in found.published], keys)
    comparison = await compare_figures(own.database_url("ketenmonitor"), "public", facts)
    print(
        f"chaos: seed {SEED}; {found.summary()}; {len(facts)} facts projected, "
        f"{comparison.compared} figures compared, {len(comparison.disagreements)} differ "
        f"({comparison.large_counts_shown_share:.0%} of the counts of 10 or more shown); "
        f"kills survived {dict(chaos.kills)}; "
        f"processes that ended on their own and were restarted {dict(processes.exited)}; "
        f"duration {time.monotonic() - began:.0f}s (sending under chaos {sent - began:.0f}s, "
        f"settling {settled - sent:.0f}s)"
    )
    assert set(chaos.kills) == set(KINDS)
    assert (found.lost, found.lost_in_stores) == ([], [])
    assert (found.doubled, found.doubled_in_stores) == ([], [])
    assert found.stored == len(found.published), "stored and published events differ"
    assert not found.alerts_twice
    assert not comparison.disagreements, comparison.disagreements[0]
    for service in DOMAIN_SERVICES:
        refused = await read_all(kafka, rejected_topics("jeugdketen", service))
        assert_only_intended_rejections([m for m in plan if m.service == service], refused)
    assert found.sent + len(found.published) >= EVENTS
