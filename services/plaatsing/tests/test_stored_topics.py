"""Events stored while the three aggregates shared one module, `plaatsing.domain`, are stored
under that module's topics: they still load into the aggregates, and the outbox relay, which
selects the events to publish by their topics, still finds the published ones among them."""

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from jeugdketen_shared.contracts.plaatsing import ContinuityPlan, EndReason, TransferReason
from jeugdketen_shared.vocabulary import CareForm
from plaatsing.domain.placement_case import ActivePlacement, PlacementCase
from plaatsing.domain.provider_capacity import ProviderCapacity
from plaatsing.domain.youth import EighteenthBirthday, Youth
from plaatsing.publication import PUBLISHED_EVENT_CLASSES

STORED_BEFORE_THE_SPLIT = [
    "plaatsing.domain:PlacementCase",
    "plaatsing.domain:PlacementCase.Opened",
    "plaatsing.domain:PlacementCase.TriageRecommendationReceived",
    "plaatsing.domain:PlacementCase.BindingAdviceReceived",
    "plaatsing.domain:PlacementCase.PlacementRequested",
    "plaatsing.domain:PlacementCase.PlacementStarted",
    "plaatsing.domain:PlacementCase.Transferred",
    "plaatsing.domain:PlacementCase.PlacementEnded",
    "plaatsing.domain:PlacementCase.ContinuityPlanRecorded",
    "plaatsing.domain:Youth",
    "plaatsing.domain:Youth.Registered",
    "plaatsing.domain:Youth.Placed",
    "plaatsing.domain:Youth.Released",
    "plaatsing.domain:Youth.TurnedEighteen",
    "plaatsing.domain:ProviderCapacity",
    "plaatsing.domain:ProviderCapacity.Registered",
    "plaatsing.domain:ProviderCapacity.CapacityRecorded",
]
"""Every topic in plaatsing's event store before the split: three aggregates (the topic a
creation event names its aggregate by) and every event they record."""

NEW_SINCE_THE_SPLIT = {PlacementCase.PlacementRequestWithdrawn}
"""Events plaatsing records only since the split: none is stored under the old topics."""

TOPIC_BEFORE_THE_SPLIT = {topic.partition(":")[2]: topic for topic in STORED_BEFORE_THE_SPLIT}
PSEUDONYM = "a" * 64
PROVIDER, OTHER_PROVIDER = "12345678", "87654321"
BIRTHDAY = EighteenthBirthday.of(date(2008, 11, 24))
PLACED_AT = BIRTHDAY.moment - timedelta(days=60)


def a_whole_route() -> list[Aggregate]:
    """A youth's case through every event plaatsing records, and a provider's capacity."""
    youth = Youth(youth_pseudonym=PSEUDONYM, causation_id="placement-start-reported-1")
    case = PlacementCase(
        case_id=uuid4(),
        youth_pseudonym=PSEUDONYM,
        gemeente_code="GM0153",
        causation_id="triage-decided-1",
    )
    case.receive_triage_recommendation(CareForm.GEZINSHUIS, PLACED_AT, "triage-decided-1")
    case.receive_binding_advice(CareForm.PLEEGZORG, PLACED_AT, "ret-advice-given-1")
    case.request_placement(PROVIDER, CareForm.PLEEGZORG, PLACED_AT, "placement-request-1")
    case.start(
        ActivePlacement(PROVIDER, CareForm.PLEEGZORG, "GM0153"),
        youth,
        deviation_reason=None,
        crisis=False,
        occurred_at=PLACED_AT,
        causation_id="placement-start-reported-1",
    )
    case.record_continuity_plan(
        ContinuityPlan.VERLENGDE_JEUGDHULP, PLACED_AT + timedelta(days=1), "plan-reported-1"
    )
    youth.turn_eighteen(BIRTHDAY, [case])
    case.transfer(
        ActivePlacement(OTHER_PROVIDER, CareForm.PLEEGZORG, "GM0164"),
        TransferReason.ESCALATIE,
        deviation_reason=None,
        occurred_at=BIRTHDAY.moment + timedelta(days=1),
        causation_id="transfer-reported-1",
    )
    case.end(EndReason.VOLGENS_PLAN, youth, BIRTHDAY.moment + timedelta(days=2), "ended-1")
    capacity = ProviderCapacity(
        provider=PROVIDER, care_form=CareForm.PLEEGZORG, causation_id="capacity-reported-1"
    )
    capacity.report(10, 4, datetime(2026, 11, 1, tzinfo=UTC), "capacity-reported-1")
    return [youth, case, capacity]


@pytest.fixture
def store() -> Iterator[Application[UUID]]:
    application = Application[UUID](env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    try:
        yield application
    finally:
        application.close()


def stored_before_the_split(store: Application[UUID], route: list[Aggregate]) -> list[StoredEvent]:
    """The route's events as the store held them before the split: each under its topic from
    then, and a creation event naming its aggregate by the aggregate's topic from then."""
    rows = []
    for aggregate in route:
        for domain_event in aggregate.collect_events():
            row = store.mapper.to_stored_event(domain_event)
            state = store.mapper.transcoder.decode(row.state)
            if "originator_topic" in state:
                aggregate_class = resolve_topic(state["originator_topic"])
                state["originator_topic"] = TOPIC_BEFORE_THE_SPLIT[aggregate_class.__qualname__]
            rows.append(
                dataclasses.replace(
                    row,
                    topic=TOPIC_BEFORE_THE_SPLIT[type(domain_event).__qualname__],
                    state=store.mapper.transcoder.encode(state),
                )
            )
    return rows


def test_the_route_covers_every_topic_stored_before_the_split(store: Application[UUID]) -> None:
    rows = stored_before_the_split(store, a_whole_route())
    event_topics = {r.topic for r in rows}
    aggregate_topics = {
        store.mapper.transcoder.decode(r.state)["originator_topic"]
        for r in rows
        if r.originator_version == 1
    }
    assert event_topics | aggregate_topics == set(STORED_BEFORE_THE_SPLIT)


def test_aggregates_stored_before_the_split_load_as_they_were(store: Application[UUID]) -> None:
    route = a_whole_route()
    store.recorder.insert_events(stored_before_the_split(store, route))

    for recorded in route:
        loaded = store.repository.get(recorded.id)
        assert type(loaded) is type(recorded)
        assert vars(loaded) == vars(recorded)


def test_the_outbox_selects_the_published_events_stored_before_the_split(
    store: Application[UUID],
) -> None:
    rows = stored_before_the_split(store, a_whole_route())
    store.recorder.insert_events(rows)

    selected = store.recorder.select_notifications(
        None, len(rows), topics=[get_topic(cls) for cls in PUBLISHED_EVENT_CLASSES]
    )

    published = [r for r in rows if resolve_topic(r.topic) in PUBLISHED_EVENT_CLASSES]
    assert {resolve_topic(r.topic) for r in published} == (
        set(PUBLISHED_EVENT_CLASSES) - NEW_SINCE_THE_SPLIT
    )
    assert [(n.originator_id, n.originator_version) for n in selected] == [
        (r.originator_id, r.originator_version) for r in published
    ]
