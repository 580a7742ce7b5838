"""A BSN never leaves the ingress: after a simulated year of Twente's chain through toegang,
triage, plaatsing and the ketenmonitor, nothing that looks like a BSN (nine digits passing the
elfproef) is on any topic but the partners' own inbound topics, in any table of the platform's
database schema, in any log line or in any span's attributes; and the scanner finds one
wherever one is planted.

The inbound topics are where partners hand their messages, BSNs included, to the ingress
(7 days' retention); the scanner finds the simulator's BSNs there, on real data.
"""

import asyncio
import base64
import json
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from psycopg import sql

import ketenmonitor.main
import plaatsing.main
import toegang.main
import triage.main
from jeugdketen_shared.kafka import partitions_of
from jeugdketen_shared.privacy import is_valid_bsn
from jeugdketen_shared.settings import kafka_client_options, kafka_client_security
from simulator.model import Scenario
from simulator.plan import SERVICES, Outcome
from simulator.runner import simulate
from tests.conftest import IsolatedPlatform
from tests.support.kafka import read_all, read_until
from tests.support.services import running_in_process
from tests.support.tracing import in_memory_spans
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

PLANTED = "999990019"

# ids and hashes are hexadecimal: a UUID, a 64-digit pseudonym, a trace id. Nine digits inside
# one are part of it (the pseudonyms of 300 youths hold a few that pass the elfproef), so the
# scan looks at what is left when they are taken out.
_HEX_IDS = re.compile(
    rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    rb"|[0-9a-fA-F]{16,}"
)
_NINE_DIGITS = re.compile(rb"(?<![0-9])[0-9]{9}(?![0-9])")


def bsns_in(raw: bytes) -> set[str]:
    """Every BSN-like number in the bytes, also inside base64 of a rejection's original."""
    found = {
        digits.decode()
        for digits in _NINE_DIGITS.findall(_HEX_IDS.sub(b" ", raw))
        if is_valid_bsn(digits.decode())
    }
    for encoded in re.findall(rb'"(?:value|key)_base64": ?"([A-Za-z0-9+/=]*)"', raw):
        found |= bsns_in(base64.b64decode(encoded))
    return found


def test_the_scanner_sees_a_bsn_but_not_the_digits_inside_ids() -> None:
    pseudonym = b"ab703195633cd" + b"0" * 51  # 703195633 passes the elfproef
    assert is_valid_bsn("703195633")
    assert bsns_in(b'{"id": "eef93ebc-dd84-9c00-6c76-703195633b5d", "p": "' + pseudonym) == set()
    assert bsns_in(b'{"bsn": "999990019", "n": 123456789}') == {"999990019"}
    assert bsns_in(b"melding 999990019.") == {"999990019"}
    hidden = base64.b64encode(b'{"bsn": "111222333"}')
    assert bsns_in(b'{"value_base64": "' + hidden + b'"}') == {"111222333"}


@asynccontextmanager
async def the_platform(platform: IsolatedPlatform) -> AsyncIterator[None]:
    settings = platform.settings()
    stopping = asyncio.Event()
    async with AsyncExitStack() as stack:
        for service in (toegang.main, triage.main, plaatsing.main):
            await stack.enter_async_context(
                running_in_process(service.WIRING, service.build_application, settings)
            )
        monitor = [
            asyncio.create_task(ketenmonitor.main.serve(settings, role, stopping))
            for role in ("projection", "sweeper")
        ]
        try:
            yield
        finally:
            stopping.set()
            async with asyncio.timeout(30):
                await asyncio.gather(*monitor)


async def prefixed_topics(platform: IsolatedPlatform) -> list[str]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=platform.infrastructure.kafka_bootstrap_servers, **kafka_client_options()
    )
    await admin.start()
    try:
        return sorted(t for t in await admin.list_topics() if t.startswith(platform.prefix + "."))
    finally:
        await admin.close()


async def bsns_on_topics(platform: IsolatedPlatform, topics: Iterable[str]) -> dict[str, set[str]]:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    found: dict[str, set[str]] = {}
    for topic in topics:
        for record in await read_all(kafka, topic):
            raw = b"\n".join(
                [record.key or b"", record.value or b"", *(value for _, value in record.headers)]
            )
            if bsns := bsns_in(raw):
                found.setdefault(topic, set()).update(bsns)
    return found


def bsns_in_tables(platform: IsolatedPlatform) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    with psycopg.connect(platform.infrastructure.database_url) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            [platform.schema],
        ).fetchall()
        for (table,) in tables:
            rows = connection.execute(
                sql.SQL("SELECT * FROM {}").format(sql.Identifier(platform.schema, table))
            ).fetchall()
            for row in rows:
                raw = b"\n".join(
                    value if isinstance(value, bytes) else str(value).encode() for value in row
                )
                if bsns := bsns_in(raw):
                    found.setdefault(table, set()).update(bsns)
    return found


async def projected_everything(platform: IsolatedPlatform) -> None:
    """Wait until the ketenmonitor committed a position at the end of every events topic."""
    kafka = platform.infrastructure.kafka_bootstrap_servers
    topics = [platform.topic(service, "events") for service in SERVICES]
    ends = await end_offsets(kafka, topics)

    def caught_up() -> bool:
        with psycopg.connect(platform.infrastructure.database_url) as connection:
            try:
                projected = connection.execute(
                    sql.SQL("SELECT coalesce(sum(next_offset), 0) FROM {}").format(
                        sql.Identifier(platform.schema, "positions")
                    )
                ).fetchone()
            except psycopg.errors.UndefinedTable:
                return False
        return projected is not None and projected[0] >= ends

    await wait_until(caught_up, f"the ketenmonitor projected {ends} records", 90)


async def end_offsets(kafka: str, topics: list[str]) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=None, **kafka_client_options())
    await consumer.start()
    try:
        return sum(
            (
                await consumer.end_offsets(
                    await partitions_of(kafka, topics, kafka_client_security())
                )
            ).values()
        )
    finally:
        await consumer.stop()


@pytest.mark.timeout(240)
async def test_no_bsn_on_any_topic_in_any_table_or_log_after_a_simulated_year(
    platform: IsolatedPlatform,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    spans = in_memory_spans()
    spans.clear()
    scenario = Scenario(seed=7, cases=300, period=timedelta(days=365), end=datetime.now(UTC))
    async with the_platform(platform):
        plan = await simulate(
            scenario,
            bootstrap_servers=kafka,
            prefix=platform.prefix,
            journal_path=tmp_path / "sent.jsonl",
            speed=None,
            security=kafka_client_security(),
        )
        for service in SERVICES:
            accepted = {
                str(m.id)
                for m in plan
                if m.service == service and m.intended.outcome is Outcome.ACCEPTED
            }
            await read_until(
                kafka,
                platform.topic(service, "events"),
                lambda seen, ids=accepted: (
                    ids <= {json.loads(r.value).get("causationid") for r in seen}
                ),
                120,
            )
        await projected_everything(platform)

    topics = await prefixed_topics(platform)
    inbound = [t for t in topics if ".inbound." in t]  # each partner's own
    others = [t for t in topics if t not in inbound]
    assert {t.rsplit(".", 1)[1] for t in others} >= {"events", "rejected"}
    logs = capfd.readouterr()
    log_text = (logs.out + logs.err + caplog.text).encode()
    # where partners hand BSNs to the ingress, the scanner finds them: it looks where it should
    sent_bsns = {m.data["bsn"] for m in plan if "bsn" in m.data and is_valid_bsn(m.data["bsn"])}
    assert len(sent_bsns) > 100
    with capfd.disabled():
        print(f"scanned: {others}, {len(log_text)} bytes of logs, {len(sent_bsns)} BSNs sent")
        print(f"and {len(spans.get_finished_spans())} spans")
    assert set().union(*(await bsns_on_topics(platform, inbound)).values()) >= sent_bsns

    assert await bsns_on_topics(platform, others) == {}
    assert bsns_in_tables(platform) == {}
    assert bsns_in(log_text) == set()
    traced = spans.get_finished_spans()
    assert traced, "the services made no spans to scan"
    assert bsns_in("\n".join(span.to_json() for span in traced).encode()) == set()

    # and a planted BSN is found on a topic, in a table and in the logs
    await plant_on_topic(kafka, others[0])
    assert await bsns_on_topics(platform, [others[0]]) == {others[0]: {PLANTED}}
    with psycopg.connect(platform.infrastructure.database_url) as connection:
        connection.execute(
            sql.SQL("CREATE TABLE {} (state bytea)").format(
                sql.Identifier(platform.schema, "planted")
            )
        )
        connection.execute(
            sql.SQL("INSERT INTO {} VALUES (%s)").format(
                sql.Identifier(platform.schema, "planted")
            ),
            [json.dumps({"bsn": PLANTED}).encode()],
        )
    assert bsns_in_tables(platform) == {"planted": {PLANTED}}
    structlog.get_logger(__name__).info("planted", bsn=PLANTED)
    logs = capfd.readouterr()
    assert bsns_in((logs.out + logs.err + caplog.text).encode()) == {PLANTED}


async def plant_on_topic(kafka: str, topic: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", **kafka_client_options())
    await producer.start()
    try:
        original = base64.b64encode(json.dumps({"bsn": PLANTED}).encode()).decode()
        value = json.dumps({"data": {"original": {"value_base64": original}}})
        await producer.send_and_wait(topic, value=value.encode(), key=b"planted")
    finally:
        await producer.stop()
