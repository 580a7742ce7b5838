"""Veilig Thuis's onderzoek at toegang, over Kafka: only Veilig Thuis starts and concludes it,
after its safety assessment, once, in order; every other report is rejected with its reason."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import IsolatedPlatform
from tests.integration.test_gedwongen_kader import RAAD, VEILIG_THUIS
from tests.support.kafka import publish_in_turn, read_all, rejected_topics
from tests.support.partners import partner_event
from tests.support.services import running_in_process
from toegang.main import WIRING, build_application

pytestmark = pytest.mark.integration


async def test_veilig_thuis_investigates_after_its_assessment_and_concludes_with_an_outcome(
    platform: IsolatedPlatform,
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    case_id = uuid4()
    melded = datetime.now(UTC) - timedelta(days=120)

    def step(source: str, what: str, days: int, **data: Any) -> Any:
        return partner_event(
            f"nl.jeugdketen.toegang.{what}",
            {
                "case_id": str(case_id),
                "occurred_at": (melded + timedelta(days=days)).isoformat(),
                **data,
            },
            source=source,
        )

    conclusion = "veilig-thuis-onderzoek-conclusion-reported"
    messages = [
        step(
            VEILIG_THUIS,
            "veilig-thuis-melding-reported",
            0,
            bsn="999990019",
            gemeente_code="GM0153",
        ),
        step(VEILIG_THUIS, "veilig-thuis-onderzoek-start-reported", 1),  # no assessment yet
        step(VEILIG_THUIS, "safety-assessment-reported", 3, outcome="voorwaardelijk-veilig"),
        step(VEILIG_THUIS, conclusion, 4, outcome="afgesloten"),  # not started
        step(VEILIG_THUIS, "veilig-thuis-onderzoek-start-reported", 2),  # before the assessment
        step(VEILIG_THUIS, "veilig-thuis-onderzoek-start-reported", 5),
        step(VEILIG_THUIS, "veilig-thuis-onderzoek-start-reported", 6),  # a second one
        step(RAAD, conclusion, 60, outcome="verzoek-rvdk"),  # not the Raad's to report
        step(VEILIG_THUIS, conclusion, 4, outcome="verzoek-rvdk"),  # before its start
        step(VEILIG_THUIS, conclusion, 60, outcome="verzoek-rvdk"),
    ]
    rejected = rejected_topics(platform.prefix, "toegang")
    async with running_in_process(WIRING, build_application, platform.settings()):
        await publish_in_turn(
            kafka,
            platform.topic("toegang", "inbound"),
            messages,
            [platform.topic("toegang", "events"), *rejected],
        )
        events = await read_all(kafka, platform.topic("toegang", "events"))
        rejections = await read_all(kafka, rejected)

    published = [json.loads(record.value) for record in events]
    assert [(e["type"].rsplit(".", 1)[1], e["data"].get("outcome")) for e in published] == [
        ("veilig-thuis-melding-received", None),
        ("safety-assessed", "voorwaardelijk-veilig"),
        ("veilig-thuis-onderzoek-started", None),
        ("veilig-thuis-onderzoek-concluded", "verzoek-rvdk"),
    ]
    assert {e["data"]["case_id"] for e in published} == {str(case_id)}
    started, concluded = (datetime.fromisoformat(e["data"]["occurred_at"]) for e in published[2:])
    assert concluded - started == timedelta(days=55)
    reasons = sorted(json.loads(record.value)["data"]["reason"] for record in rejections)
    assert reasons == sorted(
        [
            "no-safety-assessment",
            "onderzoek-not-started",
            "onderzoek-before-safety-assessment",
            "onderzoek-already-started",
            "not-permitted",
            "conclusion-before-onderzoek-start",
        ]
    )
