"""toegang's application on the library's in-memory event store: batches, repeats, refusals."""

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from jeugdketen_shared.batch import Accepted, Refused, Repeated
from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts import toegang as contracts
from jeugdketen_shared.inbound import Contracts, ReceivedMessage
from jeugdketen_shared.key_vault import InMemoryKeyVault
from jeugdketen_shared.permissions import Partner, PartnerKind
from jeugdketen_shared.privacy import Pseudonymizer
from toegang.application import Toegang
from toegang.terms import InMemoryTermSchedule

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PARTNER = "urn:nld:oin:00000001001234567000:systeem:lokaal-team"
CONTRACTS = Contracts(contracts.INBOUND)


@pytest.fixture
def toegang() -> Iterator[Toegang]:
    application = Toegang(
        InMemoryKeyVault(Pseudonymizer(b"k" * 32)),
        terms=InMemoryTermSchedule(),
        clock=ControllableClock(NOW),
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
    )
    yield application
    application.close()


def message(type_: type[contracts.InboundMessage], case_id: UUID, **data: Any) -> ReceivedMessage:
    envelope = CloudEvent(
        id=str(uuid4()),
        source=PARTNER,
        type=type_.cloudevent_type,
        time=NOW,
        data={"case_id": str(case_id), "occurred_at": (NOW - timedelta(hours=1)).isoformat()}
        | data,
    )
    return CONTRACTS.validate(envelope, NOW)


def referral(case_id: UUID) -> ReceivedMessage:
    return message(
        contracts.ReferralSubmission,
        case_id,
        bsn="999990019",
        gemeente_code="GM0189",
        verwijzer="veilig-thuis",
        kader="gedwongen",
    )


def stored_types(application: Toegang) -> list[str]:
    return [n.topic.rsplit(".", 1)[1] for n in application.recorder.select_notifications(None, 99)]


def test_one_batch_takes_a_case_from_referral_to_decision(toegang: Toegang) -> None:
    case_id = uuid4()
    outcomes = toegang.record(
        [
            referral(case_id),
            message(contracts.VerklarendeAnalyseReport, case_id),
            message(contracts.ToegangDecisionReport, case_id, decision="lokale-basishulp"),
        ]
    )
    assert [type(outcome) for outcome in outcomes] == [Accepted, Accepted, Accepted]
    case = toegang.case(case_id)
    assert case.is_closed
    # the pseudonym is the one of the youth's key in the vault, not the BSN's HMAC
    assert case.youth_pseudonym == toegang.keys.key_for_bsn("999990019").pseudonym


def test_a_repeated_message_records_nothing_new(toegang: Toegang) -> None:
    first = referral(uuid4())
    assert [type(o) for o in toegang.record([first, first])] == [Accepted, Repeated]
    assert [type(o) for o in toegang.record([first])] == [Repeated]
    assert stored_types(toegang) == ["ReferralReceived", "Recorded"]


def test_an_id_reused_for_other_content_is_refused(toegang: Toegang) -> None:
    first = referral(uuid4())
    toegang.record([first])
    reused = referral(uuid4())
    reused = ReceivedMessage(
        reused.envelope.model_copy(update={"id": first.envelope.id}), reused.data
    )
    [outcome] = toegang.record([reused])
    assert isinstance(outcome, Refused)
    assert outcome.refusal.reason == "id-reused-with-other-content"


def test_a_refused_message_does_not_hold_up_the_rest_of_its_batch(toegang: Toegang) -> None:
    case_id, unknown_case = uuid4(), uuid4()
    outcomes = toegang.record(
        [message(contracts.VerklarendeAnalyseReport, unknown_case), referral(case_id)]
    )
    assert isinstance(outcomes[0], Refused)
    assert outcomes[0].refusal.reason == "case-not-referred"
    assert isinstance(outcomes[1], Accepted)
    assert stored_types(toegang) == ["ReferralReceived", "Recorded"]


def test_a_gemeente_decides_only_on_its_own_residents_cases(toegang: Toegang) -> None:
    case_id = uuid4()  # referral() places the youth in Wierden (GM0189)
    toegang.record([referral(case_id)])

    def decided_by(gemeente_code: str) -> ReceivedMessage:
        decision = message(contracts.ToegangDecisionReport, case_id, decision="geen-hulp")
        publisher = Partner(
            id=f"gemeente-{gemeente_code}",
            kind=PartnerKind.GEMEENTE,
            sources=frozenset({PARTNER}),
            gemeente_code=gemeente_code,
        )
        return dataclasses.replace(decision, publisher=publisher)

    [elsewhere] = toegang.record([decided_by("GM0164")])
    assert isinstance(elsewhere, Refused)
    assert elsewhere.refusal.reason == "not-own-resident"
    [own] = toegang.record([decided_by("GM0189")])
    assert isinstance(own, Accepted)
