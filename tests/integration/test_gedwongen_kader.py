"""The gedwongen kader at toegang: each step by the partner that takes it, over Kafka."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import IsolatedPlatform
from tests.support.kafka import publish_in_turn, read_all, rejected_topics
from tests.support.partners import partner_event
from tests.support.services import running_in_process
from toegang.main import WIRING, build_application

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
        step(RAAD, "protection-measure-end-reported"),
        step(RECHTBANK, "protection-measure-end-reported"),
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
        "protection-measure-ended",
    ]
    assert {event["data"]["case_id"] for event in published} == {str(case_id)}
    assert published[7]["data"]["previous_measure"] == "voorlopige-ots"
    assert published[8]["data"]["measure"] == "ots"
    assert json.loads(rejection.value)["data"]["reason"] == "not-permitted"
    assert len(await read_all(kafka, platform.topic("toegang", "events"))) == 9
