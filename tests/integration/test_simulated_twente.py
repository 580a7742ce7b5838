"""A simulated Twente through all three services over the real Kafka broker and PostgreSQL:
every message the simulator meant to be accepted yields its domain event, and every refusal is
one the simulator intended, with the reason it intended."""

import json
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import plaatsing.main
import toegang.main
import triage.main
from jeugdketen_shared.contracts import toegang as toegang_contracts
from jeugdketen_shared.settings import kafka_client_security
from simulator.model import Scenario
from simulator.plan import SERVICES, Outcome, PlannedMessage
from simulator.runner import simulate
from tests.conftest import IsolatedPlatform
from tests.support.kafka import Records, read_all, read_until, rejected_topics
from tests.support.services import running_in_process

pytestmark = pytest.mark.integration

WITHIN_SECONDS = 150
GEDWONGEN_KADER = (
    toegang_contracts.VeiligThuisMeldingReport,
    toegang_contracts.SafetyAssessmentReport,
    toegang_contracts.VeiligThuisOnderzoekStartReport,
    toegang_contracts.VeiligThuisOnderzoekConclusionReport,
    toegang_contracts.RvdkInvestigationRequest,
    toegang_contracts.RvdkInvestigationStartReport,
    toegang_contracts.ProtectionMeasureImpositionReport,
    toegang_contracts.GiAssignmentReport,
)


@asynccontextmanager
async def the_chain(platform: IsolatedPlatform) -> AsyncIterator[None]:
    settings = platform.settings()
    async with AsyncExitStack() as stack:
        for service in (toegang.main, triage.main, plaatsing.main):
            await stack.enter_async_context(
                running_in_process(service.WIRING, service.build_application, settings)
            )
        yield


def causations(records: Records) -> Counter[str]:
    return Counter(json.loads(record.value).get("causationid") for record in records)


def at_least(count: int) -> Callable[[Records], bool]:
    return lambda seen: len(seen) >= count


def all_caused(ids: set[str]) -> Callable[[Records], bool]:
    return lambda seen: ids <= causations(seen).keys()


@pytest.mark.timeout(200)
@pytest.mark.parametrize(("cases", "days"), [(150, 120), (1000, 365)])
async def test_simulated_cases_pass_the_chain_with_only_the_intended_rejections(
    platform: IsolatedPlatform, tmp_path: Path, cases: int, days: int
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    scenario = Scenario(seed=42, cases=cases, period=timedelta(days=days), end=datetime.now(UTC))
    async with the_chain(platform):
        plan = await simulate(
            scenario,
            bootstrap_servers=kafka,
            prefix=platform.prefix,
            journal_path=tmp_path / "sent.jsonl",
            speed=None,
            security=kafka_client_security(),
        )
        # the gedwongen kader route is part of the run, from Veilig Thuis to the GI
        assert {contract.cloudevent_type for contract in GEDWONGEN_KADER} <= {m.type for m in plan}
        for service in SERVICES:
            sent = [m for m in plan if m.service == service]
            meant: dict[Outcome, set[str]] = {
                outcome: {str(m.id) for m in sent if m.intended.outcome is outcome}
                for outcome in Outcome
            }
            events = await read_until(
                kafka,
                platform.topic(service, "events"),
                all_caused(meant[Outcome.ACCEPTED]),
                WITHIN_SECONDS,
            )
            rejected = await read_until(
                kafka,
                rejected_topics(platform.prefix, service),
                at_least(len(meant[Outcome.REJECTED])),
                WITHIN_SECONDS,
            )
            # a duplicate delivery is recorded once: one domain event per partner message
            caused = causations(events)
            assert all(caused[id_] == 1 for id_ in meant[Outcome.ACCEPTED])
            assert_only_intended_rejections(sent, rejected)
    everything_rejected = [
        r for s in SERVICES for r in await read_all(kafka, rejected_topics(platform.prefix, s))
    ]
    assert_only_intended_rejections(plan, everything_rejected)


def assert_only_intended_rejections(sent: list[PlannedMessage], rejected: Records) -> None:
    intended = {
        str(m.id): m.intended.reason for m in sent if m.intended.outcome is Outcome.REJECTED
    }
    actual = {
        event["causationid"]: event["data"]["reason"]
        for event in (json.loads(record.value) for record in rejected)
    }
    unintended = {id_: reason for id_, reason in actual.items() if id_ not in intended}
    assert not unintended, (
        f"{len(unintended)} unintended rejection(s): {Counter(unintended.values())}"
    )
    assert actual == intended
