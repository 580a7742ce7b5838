"""plaatsing's application on the library's in-memory event store: one youth's route, the rules
across aggregates, refusals and what is published."""

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import DomainEvent

from jeugdketen_shared.batch import Accepted, Outcome, Refused, Repeated
from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts import plaatsing as contracts
from jeugdketen_shared.contracts.base import MessageData
from jeugdketen_shared.inbound import Contracts, ReceivedMessage
from jeugdketen_shared.key_vault import InMemoryKeyVault
from jeugdketen_shared.permissions import Partner, PartnerKind
from jeugdketen_shared.privacy import Pseudonymizer
from plaatsing.application import Plaatsing
from plaatsing.birthdays import InMemoryBirthdaySchedule
from plaatsing.publication import PUBLISHED_EVENT_CLASSES, as_contract

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PROVIDER_SOURCE = "urn:nld:kvk:12345678:systeem:zorgadministratie"
TRIAGE_SOURCE = "urn:nld:oin:00000000000000000000:systeem:jeugdketen-triage"
KEYS = InMemoryKeyVault(Pseudonymizer(b"k" * 32))
YOUTH = KEYS.key_for_bsn("999990019").pseudonym
PROVIDER = "12345678"
OTHER_PROVIDER = "87654321"
INBOUND = Contracts(contracts.INBOUND)
UPSTREAM = Contracts(contracts.UPSTREAM)


@pytest.fixture
def plaatsing() -> Iterator[Plaatsing]:
    application = Plaatsing(
        KEYS,
        birthdays=InMemoryBirthdaySchedule(),
        clock=ControllableClock(NOW),
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
    )
    yield application
    application.close()


class Timeline:
    """Messages dated one hour apart, in the order a test creates them."""

    def __init__(self) -> None:
        self._next = NOW - timedelta(days=30)

    def message(self, type_: type[MessageData], **data: Any) -> ReceivedMessage:
        contracts_of_input = UPSTREAM if type_ in contracts.UPSTREAM else INBOUND
        envelope = CloudEvent(
            id=str(uuid4()),
            source=TRIAGE_SOURCE if type_ in contracts.UPSTREAM else PROVIDER_SOURCE,
            type=type_.cloudevent_type,
            time=NOW,
            data={"occurred_at": self._next.isoformat()} | data,
        )
        self._next += timedelta(hours=1)
        return contracts_of_input.validate(envelope, NOW)

    def triage_decided(
        self, case_id: UUID, youth: str = YOUTH, care_form: str = "gezinshuis"
    ) -> ReceivedMessage:
        return self.message(
            contracts.TriageDecidedUpstream,
            case_id=str(case_id),
            youth_pseudonym=youth,
            gemeente_code="GM0153",
            kader="vrijwillig",
            recommended_care_form=care_form,
            urgency="regulier",
            responsible_providers=[PROVIDER],
        )

    def ret_advice(self, case_id: UUID, care_form: str) -> ReceivedMessage:
        return self.message(
            contracts.RetAdviceGivenUpstream,
            case_id=str(case_id),
            youth_pseudonym=YOUTH,
            gemeente_code="GM0153",
            kader="gedwongen",
            care_form=care_form,
            non_contracted_care=False,
            maatwerkbudget_granted=False,
        )

    def start(self, case_id: UUID, care_form: str = "gezinshuis", **data: Any) -> ReceivedMessage:
        return self.message(
            contracts.PlacementStartReport,
            case_id=str(case_id),
            provider=PROVIDER,
            care_form=care_form,
            location_gemeente_code="GM0164",
            **data,
        )

    def transfer(self, case_id: UUID, to_provider: str, to_care_form: str) -> ReceivedMessage:
        return self.message(
            contracts.TransferReport,
            case_id=str(case_id),
            to_provider=to_provider,
            to_care_form=to_care_form,
            to_location_gemeente_code="GM0153",
            reason="geplande-afschaling",
        )


def kinds(outcomes: list[Outcome]) -> list[type]:
    return [type(outcome) for outcome in outcomes]


def reasons(outcomes: list[Outcome]) -> list[str]:
    return [o.refusal.reason for o in outcomes if isinstance(o, Refused)]


def published(application: Plaatsing) -> list[DomainEvent]:
    stored = application.recorder.select_notifications(None, 99)
    events = [application.mapper.to_domain_event(n) for n in stored]
    return [e for e in events if isinstance(e, PUBLISHED_EVENT_CLASSES)]


def test_one_youth_from_triage_to_the_end_of_care(plaatsing: Plaatsing) -> None:
    case_id, at = uuid4(), Timeline()
    messages = [
        at.triage_decided(case_id),
        at.message(
            contracts.PlacementRequestSubmission,
            case_id=str(case_id),
            provider=PROVIDER,
            care_form="gezinshuis",
        ),
        at.start(case_id),
        at.transfer(case_id, OTHER_PROVIDER, "pleegzorg"),
        at.transfer(case_id, PROVIDER, "ambulant"),
        at.message(contracts.EndOfCareReport, case_id=str(case_id), reason="volgens-plan"),
    ]
    assert kinds(plaatsing.record(messages)) == [Accepted] * 6

    public = [as_contract(event) for event in published(plaatsing)]
    assert [type(c) for c in public] == [
        contracts.PlacementRequested,
        contracts.PlacementStarted,
        contracts.Transferred,
        contracts.Transferred,
        contracts.PlacementEnded,
    ]
    assert [event.causation_id for event in published(plaatsing)] == [
        m.envelope.id for m in messages[1:]
    ]
    assert all(getattr(c, "youth_pseudonym", YOUTH) == YOUTH for c in public)
    assert plaatsing.case(case_id).placement is None


def test_a_binding_ret_advice_overrides_triage(plaatsing: Plaatsing) -> None:
    case_id, at = uuid4(), Timeline()
    plaatsing.record([at.triage_decided(case_id, care_form="gezinshuis")])
    plaatsing.record([at.ret_advice(case_id, care_form="pleegzorg")])
    outcomes = plaatsing.record(
        [at.start(case_id), at.start(case_id, deviation_reason="geen-plek-beschikbaar")]
    )
    assert reasons(outcomes) == ["deviation-without-reason"]
    [started] = [as_contract(e) for e in published(plaatsing)]
    assert isinstance(started, contracts.PlacementStarted)
    assert started.recommended_care_form == "pleegzorg"
    assert started.advice_binding
    assert started.deviates_from_advice


def test_a_crisis_placement_without_triage_is_accepted_and_marked(plaatsing: Plaatsing) -> None:
    case_id, at = uuid4(), Timeline()
    outcomes = plaatsing.record(
        [
            at.start(case_id, care_form="crisisopvang", crisis=True),
            at.start(case_id, care_form="crisisopvang"),
            at.start(case_id, care_form="crisisopvang", crisis=True, bsn="999990019"),
            at.start(
                case_id,
                care_form="crisisopvang",
                crisis=True,
                bsn="999990019",
                gemeente_code="GM0153",
            ),
        ]
    )
    assert reasons(outcomes) == ["unknown-youth", "case-not-triaged", "unknown-youth"]
    [started] = [as_contract(e) for e in published(plaatsing)]
    assert isinstance(started, contracts.PlacementStarted)
    assert started.crisis_without_triage
    assert started.youth_pseudonym == YOUTH
    stored = plaatsing.recorder.select_notifications(None, 99)
    assert not any(b"999990019" in notification.state for notification in stored)


def test_a_youth_is_placed_once_across_cases_even_within_one_batch(
    plaatsing: Plaatsing,
) -> None:
    first_case, second_case, at = uuid4(), uuid4(), Timeline()
    plaatsing.record([at.triage_decided(first_case), at.triage_decided(second_case)])
    outcomes = plaatsing.record([at.start(first_case), at.start(second_case)])
    assert reasons(outcomes) == ["youth-already-placed"]

    plaatsing.record(
        [at.message(contracts.EndOfCareReport, case_id=str(first_case), reason="verhuisd")]
    )
    assert kinds(plaatsing.record([at.start(second_case)])) == [Accepted]


def test_a_refused_start_leaves_no_case_and_no_youth(plaatsing: Plaatsing) -> None:
    at = Timeline()
    before = len(plaatsing.recorder.select_notifications(None, 99))
    outcomes = plaatsing.record([at.start(uuid4(), crisis=True)])
    assert reasons(outcomes) == ["unknown-youth"]
    assert len(plaatsing.recorder.select_notifications(None, 99)) == before


def test_a_withdrawn_request_is_published_and_a_second_withdrawal_refused(
    plaatsing: Plaatsing,
) -> None:
    case_id, at = uuid4(), Timeline()

    def waiting_list(kind: type[MessageData], **more: str) -> ReceivedMessage:
        return at.message(
            kind, case_id=str(case_id), provider=PROVIDER, care_form="gezinshuis", **more
        )

    outcomes = plaatsing.record(
        [
            at.triage_decided(case_id),
            waiting_list(contracts.PlacementRequestSubmission),
            waiting_list(contracts.PlacementRequestWithdrawal, reason="andere-hulp"),
        ]
    )
    assert kinds(outcomes) == [Accepted] * 3
    before = len(plaatsing.recorder.select_notifications(None, 99))
    again = waiting_list(contracts.PlacementRequestWithdrawal, reason="andere-hulp")
    assert reasons(plaatsing.record([again])) == ["not-on-waiting-list"]
    assert len(plaatsing.recorder.select_notifications(None, 99)) == before
    withdrawn = as_contract(published(plaatsing)[-1])
    assert isinstance(withdrawn, contracts.PlacementRequestWithdrawn)
    assert (withdrawn.provider, withdrawn.care_form, withdrawn.reason) == (
        PROVIDER,
        "gezinshuis",
        "andere-hulp",
    )
    assert withdrawn.youth_pseudonym == YOUTH


def test_no_transfer_for_a_case_without_placement(plaatsing: Plaatsing) -> None:
    at = Timeline()
    outcomes = plaatsing.record([at.transfer(uuid4(), OTHER_PROVIDER, "pleegzorg")])
    assert reasons(outcomes) == ["no-active-placement"]
    assert plaatsing.recorder.select_notifications(None, 99) == []


def test_capacity_is_recorded_per_provider_and_care_form(plaatsing: Plaatsing) -> None:
    at = Timeline()

    def capacity(places: int, occupied: int) -> ReceivedMessage:
        return at.message(
            contracts.CapacityReport,
            provider=PROVIDER,
            care_form="gezinshuis",
            places=places,
            occupied=occupied,
        )

    outcomes = plaatsing.record([capacity(4, 3), capacity(4, 5), capacity(5, 5)])
    assert reasons(outcomes) == ["capacity-exceeded"]
    recorded = [as_contract(event) for event in published(plaatsing)]
    assert all(isinstance(c, contracts.CapacityRecorded) for c in recorded)
    assert [c.model_dump(include={"places", "occupied"}) for c in recorded] == [
        {"places": 4, "occupied": 3},
        {"places": 5, "occupied": 5},
    ]


def test_a_repeated_message_records_nothing_new(plaatsing: Plaatsing) -> None:
    case_id, at = uuid4(), Timeline()
    decided = at.triage_decided(case_id)
    start = at.start(case_id)
    assert kinds(plaatsing.record([decided, start, decided, start])) == [
        Accepted,
        Accepted,
        Repeated,
        Repeated,
    ]
    assert len(published(plaatsing)) == 1


def reported_by(message: ReceivedMessage, provider: str) -> ReceivedMessage:
    publisher = Partner(
        id=f"aanbieder-{provider}",
        kind=PartnerKind.AANBIEDER,
        sources=frozenset({PROVIDER_SOURCE}),
        provider=provider,
    )
    return dataclasses.replace(message, publisher=publisher)


def test_only_the_provider_where_the_youth_is_placed_reports_on_the_placement(
    plaatsing: Plaatsing,
) -> None:
    case_id, at = uuid4(), Timeline()
    plaatsing.record([at.triage_decided(case_id), reported_by(at.start(case_id), PROVIDER)])
    third = "11223344"

    [by_a_stranger] = plaatsing.record(
        [reported_by(at.transfer(case_id, OTHER_PROVIDER, "pleegzorg"), third)]
    )
    assert isinstance(by_a_stranger, Refused)
    assert by_a_stranger.refusal.reason == "not-current-provider"
    # the receiving provider may report the move to its place; then it is the one placed
    assert kinds(
        plaatsing.record(
            [
                reported_by(at.transfer(case_id, OTHER_PROVIDER, "pleegzorg"), OTHER_PROVIDER),
                reported_by(
                    at.message(contracts.EndOfCareReport, case_id=str(case_id), reason="verhuisd"),
                    OTHER_PROVIDER,
                ),
            ]
        )
    ) == [Accepted, Accepted]
