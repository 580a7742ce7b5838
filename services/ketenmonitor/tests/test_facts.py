"""Derived rows do not depend on the order of arrival: the earliest event time wins."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from jeugdketen_shared.cloudevents import CloudEvent
from ketenmonitor.facts import Fact, UnusableEvent, derive, fact_from

CASE = UUID("6f1c2b9e-8a51-4a44-9a57-0d2f7c1f4e11")
YOUTH = "a" * 64
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def fact(short_type: str, at: datetime, case: UUID = CASE, **data: Any) -> Fact:
    return Fact(
        source="urn:nld:oin:00000000000000000000:systeem:jeugdketen-test",
        id=str(uuid4()),
        type=f"nl.jeugdketen.{short_type}",
        case_id=case,
        occurred_at=at,
        recorded_at=at,
        data={"case_id": str(case), "occurred_at": at.isoformat(), **data},
    )


def test_derived_rows_are_the_same_in_every_order() -> None:
    facts = [
        fact(
            "toegang.referral-received",
            T0,
            gemeente_code="GM0153",
            kader="vrijwillig",
            youth_pseudonym=YOUTH,
        ),
        fact(
            "toegang.toegang-decided",
            T0 + timedelta(days=3),
            gemeente_code="GM0164",
            kader="gedwongen",
            youth_pseudonym=YOUTH,
        ),
        fact("plaatsing.placement-started", T0 + timedelta(days=9), youth_pseudonym=YOUTH),
        fact("plaatsing.transferred", T0 + timedelta(days=20), youth_pseudonym=YOUTH),
        fact("plaatsing.transferred", T0 + timedelta(days=30), youth_pseudonym=YOUTH),
    ]
    results = [derive(order) for order in itertools.permutations(facts)]
    first = results[0]
    for result in results:
        assert sorted(result.milestones, key=str) == sorted(first.milestones, key=str)
        assert result.cases == first.cases
        assert result.placements == first.placements
        assert result.transfers == first.transfers
    [case] = first.cases
    assert (case.gemeente_code, case.kader) == ("GM0153", "vrijwillig")  # the referral's
    assert first.transfers == {YOUTH: 2}
    assert [p.first_started_at for p in first.placements] == [T0 + timedelta(days=9)]


def test_a_milestone_is_its_first_occurrence() -> None:
    later, earlier = (
        fact("toegang.protection-measure-imposed", T0 + timedelta(days=d)) for d in (40, 10)
    )
    [milestone] = derive([later, earlier]).milestones
    assert milestone.occurred_at == T0 + timedelta(days=10)


def test_a_cases_first_placement_is_its_earliest_start_ties_by_care_form_then_provider() -> None:
    starts = [
        fact(
            "plaatsing.placement-started",
            T0 + timedelta(days=5),
            care_form="ambulant",
            provider="11111111",
        ),
        fact("plaatsing.placement-started", T0, care_form="gezinshuis", provider="22222222"),
        fact("plaatsing.placement-started", T0, care_form="gezinshuis", provider="12345678"),
        fact("plaatsing.placement-started", T0, care_form="pleegzorg", provider="00000000"),
    ]
    for order in itertools.permutations(starts):
        [first] = derive(order).first_placements
        assert (first.started_at, first.care_form, first.provider) == (
            T0,
            "gezinshuis",
            "12345678",
        )


def test_an_event_without_a_usable_event_time_is_refused() -> None:
    event = CloudEvent(
        id="1",
        source="urn:nld:oin:00000000000000000000:systeem:jeugdketen-toegang",
        type="nl.jeugdketen.toegang.referral-received",
        time=T0,
        data={"case_id": str(CASE), "occurred_at": "yesterday"},
    )
    with pytest.raises(UnusableEvent):
        fact_from(event)
