"""The voorlopige OTS runs out on the clock: on the in-memory event store and schedule, with a
clock the test moves."""

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from jeugdketen_shared.batch import Accepted
from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.contracts import toegang as contracts
from jeugdketen_shared.key_vault import InMemoryKeyVault
from jeugdketen_shared.privacy import Pseudonymizer
from services.toegang.tests.test_application import NOW, message, stored_types
from toegang.application import Toegang
from toegang.scheduler import VoorlopigeOtsScheduler
from toegang.terms import InMemoryTermSchedule


@pytest.fixture
def clock() -> ControllableClock:
    return ControllableClock(NOW)


@pytest.fixture
def toegang(clock: ControllableClock) -> Iterator[Toegang]:
    application = Toegang(
        InMemoryKeyVault(Pseudonymizer(b"k" * 32)),
        terms=InMemoryTermSchedule(),
        clock=clock,
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
    )
    yield application
    application.close()


def impose(toegang: Toegang, case_id: UUID, measure: str, days_ago: int = 0) -> None:
    at = {"occurred_at": (NOW - timedelta(days=days_ago)).isoformat()}
    outcomes = toegang.record(
        [
            message(
                contracts.RvdkInvestigationRequest,
                case_id,
                bsn="999990019",
                gemeente_code="GM0153",
                **at,
            ),
            message(contracts.ProtectionMeasureImpositionReport, case_id, measure=measure, **at),
        ]
    )
    assert [type(o) for o in outcomes] == [Accepted, Accepted]


def expired_count(toegang: Toegang) -> int:
    return stored_types(toegang).count("VoorlopigeOtsExpired")


def test_a_voorlopige_ots_expires_once_when_the_clock_passes_its_term(
    toegang: Toegang, clock: ControllableClock
) -> None:
    case_id = uuid4()
    impose(toegang, case_id, "voorlopige-ots")
    scheduler = VoorlopigeOtsScheduler(toegang)
    clock.advance(timedelta(days=88))
    assert scheduler.tick() == 0
    clock.advance(timedelta(days=5))
    assert scheduler.tick() == 1
    assert scheduler.tick() == 0
    assert expired_count(toegang) == 1
    assert toegang.route(case_id).in_force == {}
    assert toegang.terms.due(clock.now() + timedelta(days=9999)) == []


def test_a_voorlopige_ots_followed_up_in_time_is_struck_without_an_event(
    toegang: Toegang, clock: ControllableClock
) -> None:
    case_id = uuid4()
    impose(toegang, case_id, "voorlopige-ots", days_ago=40)
    [accepted] = toegang.record(
        [message(contracts.ProtectionMeasureImpositionReport, case_id, measure="ots")]
    )
    assert isinstance(accepted, Accepted)
    clock.advance(timedelta(days=60))
    assert VoorlopigeOtsScheduler(toegang).tick() == 0
    assert expired_count(toegang) == 0
    assert toegang.terms.due(clock.now()) == []


def test_a_voorlopige_ots_reported_after_its_term_expires_with_its_imposition(
    toegang: Toegang,
) -> None:
    impose(toegang, uuid4(), "voorlopige-ots", days_ago=100)
    assert expired_count(toegang) == 1
    assert toegang.terms.due(NOW + timedelta(days=9999)) == []
