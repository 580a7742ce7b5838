"""triage's application on the library's in-memory event store: toegang's events open cases,
the triage table and the RET act on them."""

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from jeugdketen_shared.batch import Accepted, Refused, Repeated
from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts import toegang, triage
from jeugdketen_shared.contracts.base import MessageData
from jeugdketen_shared.inbound import Contracts, ReceivedMessage
from jeugdketen_shared.permissions import Partner, PartnerKind
from jeugdketen_shared.vocabulary import CareForm, Kader, RetEscalator, Urgency
from triage.application import Triage
from triage.domain import TriageCase

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DECIDED_AT_TOEGANG = NOW - timedelta(days=2)
TOEGANG = "urn:nld:oin:00000000000000000000:systeem:jeugdketen-toegang"
TRIAGE_TABLE = "urn:nld:oin:00000003900000030000:systeem:triagetafel"
PSEUDONYM = "c" * 64
TRIAGETAFEL = Partner("triagetafel-twente", PartnerKind.TRIAGETAFEL, frozenset({TRIAGE_TABLE}))
GEMEENTE_ENSCHEDE = "urn:nld:oin:00000001000000040000:systeem:lokaal-team"
ENSCHEDE = Partner(
    "gemeente-enschede", PartnerKind.GEMEENTE, frozenset({GEMEENTE_ENSCHEDE}), "GM0153"
)
UPSTREAM = Contracts([toegang.ToegangDecided])
INBOUND = Contracts(triage.INBOUND)


@pytest.fixture
def application() -> Iterator[Triage]:
    service = Triage(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield service
    service.close()


def received(
    contracts: Contracts,
    type_: type[MessageData],
    source: str,
    case_id: UUID,
    occurred_at: datetime,
    **data: Any,
) -> ReceivedMessage:
    envelope = CloudEvent(
        id=str(uuid4()),
        source=source,
        type=type_.cloudevent_type,
        time=NOW,
        caseid=case_id,
        data={"case_id": str(case_id), "occurred_at": occurred_at.isoformat()} | data,
    )
    return contracts.validate(envelope, NOW)


def toegang_decided(
    case_id: UUID, decision: str = "gezamenlijke-triage", gemeente: str = "GM0183"
) -> ReceivedMessage:
    return received(
        UPSTREAM,
        toegang.ToegangDecided,
        TOEGANG,
        case_id,
        DECIDED_AT_TOEGANG,
        decision=decision,
        youth_pseudonym=PSEUDONYM,
        gemeente_code=gemeente,
        kader="gedwongen",
    )


def report(type_: type[triage.InboundMessage], case_id: UUID, **data: Any) -> ReceivedMessage:
    return received(INBOUND, type_, TRIAGE_TABLE, case_id, NOW - timedelta(hours=1), **data)


def escalation(case_id: UUID, by: Partner = TRIAGETAFEL) -> ReceivedMessage:
    message = report(triage.RetEscalationReport, case_id)
    return dataclasses.replace(message, publisher=by)


def triage_decision(case_id: UUID) -> ReceivedMessage:
    return report(
        triage.TriageDecisionReport,
        case_id,
        recommended_care_form="pleegzorg",
        urgency="spoed",
        responsible_providers=["12345678", "87654321"],
    )


def ret_advice(case_id: UUID) -> ReceivedMessage:
    return report(
        triage.RetAdviceReport,
        case_id,
        care_form="gezinshuis",
        non_contracted_care=True,
        maatwerkbudget_granted=True,
    )


def stored_types(application: Triage) -> list[str]:
    return [n.topic.rsplit(".", 1)[1] for n in application.recorder.select_notifications(None, 99)]


def test_toegang_forwarding_a_case_opens_it_for_triage(application: Triage) -> None:
    case_id = uuid4()
    forwarding = toegang_decided(case_id)
    assert [type(o) for o in application.record([forwarding])] == [Accepted]

    case = application.triage_case(case_id)
    assert (case.youth_pseudonym, case.gemeente_code, case.kader) == (
        PSEUDONYM,
        "GM0183",
        Kader.GEDWONGEN,
    )
    assert case.opened_at == DECIDED_AT_TOEGANG
    assert stored_types(application) == ["CaseOpenedForTriage", "Recorded"]


@pytest.mark.parametrize("decision", ["lokale-basishulp", "geen-hulp"])
def test_a_case_toegang_did_not_forward_does_nothing_at_triage(
    application: Triage, decision: str
) -> None:
    outcomes = application.record([toegang_decided(uuid4(), decision)])
    assert [type(o) for o in outcomes] == [Accepted]
    assert stored_types(application) == ["Recorded"]  # only the receipt, no case


def test_one_batch_takes_a_case_from_opening_to_ret_advice(application: Triage) -> None:
    case_id = uuid4()
    outcomes = application.record(
        [
            toegang_decided(case_id),
            triage_decision(case_id),
            escalation(case_id),
            ret_advice(case_id),
        ]
    )
    assert [type(o) for o in outcomes] == [Accepted] * 4
    case = application.triage_case(case_id)
    assert case.recommended_care_form == CareForm.PLEEGZORG
    assert case.ret_advised_care_form == CareForm.GEZINSHUIS
    assert stored_types(application) == [
        "CaseOpenedForTriage",
        "TriageDecided",
        "EscalatedToRet",
        "RetAdviceGiven",
        "Recorded",
        "Recorded",
        "Recorded",
        "Recorded",
    ]


def test_the_triage_decision_is_stored_as_reported(application: Triage) -> None:
    case_id = uuid4()
    decision = triage_decision(case_id)
    application.record([toegang_decided(case_id), decision])
    [decided] = [
        event
        for event in application.repository.event_store.get(case_id)
        if isinstance(event, TriageCase.TriageDecided)
    ]
    assert decided.causation_id == decision.envelope.id
    assert decided.urgency == Urgency.SPOED
    assert list(decided.responsible_providers) == ["12345678", "87654321"]


def test_the_same_upstream_event_delivered_twice_opens_the_case_once(
    application: Triage,
) -> None:
    forwarding = toegang_decided(uuid4())
    assert [type(o) for o in application.record([forwarding, forwarding])] == [
        Accepted,
        Repeated,
    ]
    assert [type(o) for o in application.record([forwarding])] == [Repeated]
    assert stored_types(application) == ["CaseOpenedForTriage", "Recorded"]


def test_a_second_forwarding_of_a_case_under_another_id_is_refused(application: Triage) -> None:
    case_id = uuid4()
    application.record([toegang_decided(case_id)])
    [outcome] = application.record([toegang_decided(case_id)])
    assert isinstance(outcome, Refused)
    assert outcome.refusal.reason == "case-already-opened"


def test_a_decision_on_a_case_never_forwarded_is_refused_and_changes_nothing(
    application: Triage,
) -> None:
    never_forwarded, forwarded = uuid4(), uuid4()
    outcomes = application.record([triage_decision(never_forwarded), toegang_decided(forwarded)])
    assert isinstance(outcomes[0], Refused)
    assert outcomes[0].refusal.reason == "case-not-forwarded-to-triage"
    assert isinstance(outcomes[1], Accepted)
    assert stored_types(application) == ["CaseOpenedForTriage", "Recorded"]


def test_ret_advice_without_escalation_is_refused(application: Triage) -> None:
    case_id = uuid4()
    application.record([toegang_decided(case_id)])
    [outcome] = application.record([ret_advice(case_id)])
    assert isinstance(outcome, Refused)
    assert outcome.refusal.reason == "not-escalated-to-ret"


def test_who_escalated_is_the_kind_of_partner_that_published_the_escalation(
    application: Triage,
) -> None:
    of_enschede = uuid4()
    outcomes = application.record(
        [toegang_decided(of_enschede, gemeente="GM0153"), escalation(of_enschede, ENSCHEDE)]
    )
    assert [type(o) for o in outcomes] == [Accepted, Accepted]
    [escalated] = [
        event
        for event in application.repository.event_store.get(of_enschede)
        if isinstance(event, TriageCase.EscalatedToRet)
    ]
    assert escalated.escalated_by == RetEscalator.GEMEENTE


def test_a_gemeente_escalating_another_gemeentes_resident_is_refused(application: Triage) -> None:
    of_hengelo = uuid4()
    application.record([toegang_decided(of_hengelo, gemeente="GM0164")])
    [outcome] = application.record([escalation(of_hengelo, ENSCHEDE)])
    assert isinstance(outcome, Refused)
    assert outcome.refusal.reason == "not-own-resident"
    assert not application.triage_case(of_hengelo).escalated_to_ret
