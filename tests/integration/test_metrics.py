"""GET /metrics of the services, read after real messages went through Kafka and PostgreSQL.

The registry is one per process and the services run in this one, so a test compares counts
with a scrape taken before its messages, or reads series labelled with its own topics."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

import toegang.main
import triage.main
from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.service import build_relay, running_producer
from ketenmonitor.main import serving_api
from ketenmonitor.settings import MonitorSettings
from tests.conftest import IsolatedPlatform
from tests.integration.test_ketenmonitor import publish_events
from tests.integration.test_ketenmonitor_alerts import (
    RULE,
    assessed,
    melding,
    monitoring,
    rows,
    stage,
)
from tests.support.http import answers, on_a_free_port
from tests.support.kafka import at_least, publish, read_until
from tests.support.metrics import scrape
from tests.support.partners import ENSCHEDE, as_kafka, follow_up, referral
from tests.support.services import running_in_process
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

PARTNER_MESSAGES = "jeugdketen_partner_messages_total"
BACKLOG = "jeugdketen_outbox_backlog_events"


async def test_a_chain_service_counts_outcomes_rejections_upstream_events_lag_and_backlog(
    platform: IsolatedPlatform,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    settings = on_a_free_port(platform.settings())
    inbound, events = platform.topic("toegang", "inbound"), platform.topic("toegang", "events")
    case_id = uuid4()
    submitted = referral(case_id)
    async with (
        running_in_process(toegang.main.WIRING, toegang.main.build_application, settings),
        running_in_process(
            triage.main.WIRING, triage.main.build_application, on_a_free_port(settings)
        ),
    ):
        await wait_until(lambda: answers(settings), "toegang listens")
        before = await asyncio.to_thread(scrape, settings)
        await publish(
            kafka,
            inbound,
            [
                as_kafka(submitted),
                as_kafka(submitted),  # repeated
                as_kafka(referral(bsn="123456789")),  # fails the elfproef
                as_kafka(follow_up("verklarende-analyse-reported", case_id)),
                as_kafka(follow_up("decision-reported", case_id, decision="gezamenlijke-triage")),
            ],
        )
        await read_until(kafka, platform.topic("triage", "events"), at_least(1))
        await read_until(kafka, events, at_least(3))
        # the relay records its position after Kafka's acknowledgement: wait for the backlog
        await wait_until(
            lambda: scrape(settings).value(BACKLOG, topic=events) == 0, "the backlog published"
        )
        after = await asyncio.to_thread(scrape, settings)

    def more(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert more(PARTNER_MESSAGES, service="toegang", outcome="accepted") == 3
    assert more(PARTNER_MESSAGES, service="toegang", outcome="repeated") == 1
    assert more(PARTNER_MESSAGES, service="toegang", outcome="rejected") == 1
    assert more("jeugdketen_messages_rejected_total", service="toegang", reason="invalid-bsn") == 1
    assert (
        more(
            "jeugdketen_upstream_events_total",
            service="triage",
            upstream="toegang",
            outcome="applied",
        )
        == 1
    )
    assert after.value("jeugdketen_events_published_total", topic=events) == 3
    # the referrals came from Enschede's lokaal team, on its own inbound topic
    lags = after.series("jeugdketen_consumer_lag_records", topic=f"{inbound}.{ENSCHEDE}")
    assert lags
    assert set(lags) == {0}
    assert after.value("process_resident_memory_bytes") > 0


async def test_the_outbox_backlog_is_what_was_stored_and_not_yet_published(
    platform: IsolatedPlatform,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    settings = platform.settings()
    application = toegang.main.build_application(settings)
    try:
        async with (
            running_in_process(
                toegang.main.WIRING, toegang.main.build_application, settings, role="ingress"
            ),
            running_producer(settings) as producer,
        ):
            await publish(
                kafka,
                platform.topic("toegang", "inbound"),
                [as_kafka(referral()) for _ in range(3)],
            )
            relay = build_relay(toegang.main.WIRING, settings, application, producer)
            # three referral-received events: the receipts stored with them are not published
            await wait_until(lambda: relay.backlog() == 3, "three events stored, none published")
            _, published = await relay.publish_after(0)
            assert published == 3
            assert relay.backlog() == 0
    finally:
        application.close()


async def test_the_ketenmonitor_counts_projected_events_and_open_alerts_by_rule_and_severity(
    platform: IsolatedPlatform,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = ControllableClock(now)
    silent, answered = uuid4(), uuid4()
    reported = now - timedelta(days=1)
    settings = on_a_free_port(platform.settings())
    events = platform.topic("toegang", "events")
    async with monitoring(platform, clock), serving_api(settings, MonitorSettings()):
        await publish_events(
            platform, [melding(platform, silent, reported), melding(platform, answered, reported)]
        )
        await wait_until(lambda: stage(platform, silent) is not None, "the silent case's stage")
        await wait_until(lambda: stage(platform, answered) is not None, "the other case's stage")
        clock.advance(stage(platform, silent)[0] - now)  # type: ignore[index]
        await wait_until(lambda: rows(platform, "SELECT count(*) FROM alerts") == [(2,)], "alerts")
        [(severity,)] = rows(platform, "SELECT DISTINCT severity FROM alerts")
        raised = await asyncio.to_thread(scrape, settings)

        await publish_events(platform, [assessed(platform, answered, now)])
        await wait_until(
            lambda: stage(platform, answered)[4] is not None,  # type: ignore[index]
            "the answered case's alert closed itself",
        )
        resolved = await asyncio.to_thread(scrape, settings)

    assert raised.value("jeugdketen_alerts_open", rule=RULE, severity=severity) == 2
    assert resolved.value("jeugdketen_alerts_open", rule=RULE, severity=severity) == 1
    assert resolved.value("jeugdketen_projection_events_applied_total", topic=events) == 3
    assert resolved.series("jeugdketen_consumer_lag_records", topic=events)
    assert set(resolved.series("jeugdketen_consumer_lag_records", topic=events)) == {0}
    assert resolved.value("jeugdketen_projection_lag_seconds") >= 0
