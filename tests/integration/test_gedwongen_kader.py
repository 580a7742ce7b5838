"""The gedwongen kader at toegang: each step by the partner that takes it, and the clock that
ends a voorlopige OTS nobody followed up, over Kafka."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from jeugdketen_shared.clock import ControllableClock
from tests.conftest import IsolatedPlatform
from tests.support.kafka import (
    at_least,
    cloudevents,
    publish_in_turn,
    read_all,
    read_until,
    rejected_topics,
    short_types,
)
from tests.support.partners import partner_event
from tests.support.services import running_in_process
from toegang.main import WIRING, build_application
from toegang.protection import term_end

pytestmark = pytest.mark.integration

VEILIG_THUIS = "urn:nld:oin:00000003900000020000:systeem:veilig-thuis"
RAAD = "urn:nld:oin:00000001003214345000:systeem:rvdk"
RECHTBANK = "urn:nld:oin:00000001004568879000:systeem:rechtspraak"
GI = "urn:nld:kvk:23456789:systeem:gi"


async def test_a_route_from_melding_to_measure_with_each_partner_in_its_role(
    platform: IsolatedPlatform,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    case_id = uuid4()
    moment = datetime.now(UTC) - timedelta(days=90)

    def step(source: str, what: str, **data: Any) -> Any:
        nonlocal moment
        moment += timedelta(days=2)
        return partner_event(
            f"nl.jeugdketen.toegang.{what}",
            {"case_id": str(case_id), "occurred_at": moment.isoformat(), **data},
            source=source,
        )

    route = [
        step(
            VEILIG_THUIS, "veilig-thuis-melding-reported", bsn="999990019", gemeente_code="GM0153"
        ),
        step(VEILIG_THUIS, "safety-assessment-reported", outcome="onveilig"),
        step(VEILIG_THUIS, "rvdk-investigation-request-submitted"),
        step(RAAD, "rvdk-investigation-start-reported"),
        step(RECHTBANK, "protection-measure-imposition-reported", measure="voorlopige-ots"),
        step(GI, "gi-assignment-reported", gi="23456789"),
        step(RAAD, "rvdk-investigation-completion-reported", advice="maatregel"),
        step(RECHTBANK, "protection-measure-imposition-reported", measure="ots"),
        # not the Raad's to take: refused, and the route goes on
        step(RAAD, "protection-measure-end-reported.v2", reason="doel-bereikt"),
        # the rechter extends the OTS a year; jeugdreclassering runs beside it
        step(RECHTBANK, "protection-measure-extension-reported"),
        step(RECHTBANK, "protection-measure-imposition-reported", measure="jeugdreclassering"),
        step(
            RECHTBANK,
            "protection-measure-end-reported.v2",
            measure="jeugdreclassering",
            reason="termijn-verstreken",
        ),
        step(RECHTBANK, "protection-measure-end-reported.v2", reason="doel-bereikt"),
    ]
    outcomes = [platform.topic("toegang", "events"), *rejected_topics(platform.prefix, "toegang")]
    async with running_in_process(WIRING, build_application, platform.settings()):
        await publish_in_turn(kafka, platform.topic("toegang", "inbound"), route, outcomes)
        events = await read_all(kafka, platform.topic("toegang", "events"))
        [rejection] = await read_all(kafka, rejected_topics(platform.prefix, "toegang"))

    published = [json.loads(record.value) for record in events]
    assert [event["type"].rsplit(".", 1)[1] for event in published] == [
        "veilig-thuis-melding-received",
        "safety-assessed",
        "rvdk-investigation-requested",
        "rvdk-investigation-started",
        "protection-measure-imposed",
        "gi-assigned",
        "rvdk-investigation-completed",
        "protection-measure-imposed",
        "protection-measure-extended",
        "protection-measure-imposed",
        "protection-measure-ended",
        "protection-measure-ended",
    ]
    assert {event["data"]["case_id"] for event in published} == {str(case_id)}
    ots = published[7]["data"]
    assert ots["previous_measure"] == "voorlopige-ots"
    year = datetime.fromisoformat(ots["runs_until"]) - datetime.fromisoformat(ots["occurred_at"])
    assert timedelta(days=364) < year < timedelta(days=367)
    extended = datetime.fromisoformat(published[8]["data"]["runs_until"])
    assert extended == term_end(datetime.fromisoformat(ots["runs_until"]), 12)
    ended = [(e["data"]["measure"], e["data"]["reason"]) for e in published[10:]]
    assert ended == [("jeugdreclassering", "termijn-verstreken"), ("ots", "doel-bereikt")]
    assert json.loads(rejection.value)["data"]["reason"] == "not-permitted"
    assert len(await read_all(kafka, platform.topic("toegang", "events"))) == 12


async def test_a_voorlopige_ots_nobody_followed_up_expires_on_the_clock(
    platform: IsolatedPlatform,
) -> None:
    kafka, events_topic = (
        platform.infrastructure.kafka_bootstrap_servers,
        platform.topic("toegang", "events"),
    )
    case_id, clock = uuid4(), ControllableClock(datetime.now(UTC))
    imposed_at = clock.now() - timedelta(days=80)
    route = [
        partner_event(
            f"nl.jeugdketen.toegang.{what}",
            {"case_id": str(case_id), "occurred_at": imposed_at.isoformat(), **data},
            source=source,
        )
        for source, what, data in [
            (
                VEILIG_THUIS,
                "rvdk-investigation-request-submitted",
                {"bsn": "999990019", "gemeente_code": "GM0153"},
            ),
            (RECHTBANK, "protection-measure-imposition-reported", {"measure": "voorlopige-ots"}),
        ]
    ]
    outcomes = [events_topic, *rejected_topics(platform.prefix, "toegang")]
    async with running_in_process(
        WIRING, lambda settings: build_application(settings, clock), platform.settings()
    ):
        await publish_in_turn(kafka, platform.topic("toegang", "inbound"), route, outcomes)
        # its three months have not passed: the scheduler leaves it be
        assert short_types(await read_all(kafka, events_topic)) == [
            "rvdk-investigation-requested",
            "protection-measure-imposed",
        ]
        clock.advance(timedelta(days=15))
        records = await read_until(kafka, events_topic, at_least(3))

    expired = cloudevents(records)[2]
    assert expired["type"] == "nl.jeugdketen.toegang.voorlopige-ots-expired"
    assert datetime.fromisoformat(expired["data"]["occurred_at"]) == term_end(imposed_at, 3)
    assert len(await read_all(kafka, events_topic)) == 3
