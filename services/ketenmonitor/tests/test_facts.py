"""Derived rows do not depend on the order of arrival: the earliest event time wins; a case's
stretches in the gedwongen kader are the same in every order, and give its kader at a moment."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from jeugdketen_shared.cloudevents import CloudEvent
from ketenmonitor.facts import (
    PROTECTION_MEASURE_ENDED,
    PROTECTION_MEASURE_IMPOSED,
    VOORLOPIGE_OTS_EXPIRED,
    Fact,
    MeasureRun,
    Stretch,
    UnusableEvent,
    derive,
    fact_from,
    gedwongen_stretches,
    measure_runs,
)
from ketenmonitor.figures.common import kader_at

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


# --- the kader is a timeline ------------------------------------------------------------


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def imposed(at: datetime, measure: str, previous: str | None = None) -> Fact:
    return fact(
        "toegang.protection-measure-imposed", at, measure=measure, previous_measure=previous
    )


def ended(at: datetime, measure: str) -> Fact:
    return fact("toegang.protection-measure-ended", at, measure=measure, reason="doel-bereikt")


def test_a_voorlopige_ots_followed_by_an_ots_is_one_stretch_until_the_ots_ends() -> None:
    facts = [
        imposed(day(0), "voorlopige-ots"),
        imposed(day(60), "ots", previous="voorlopige-ots"),
        fact("toegang.protection-measure-extended", day(300), measure="ots"),
        ended(day(500), "ots"),
    ]
    for order in itertools.permutations(facts):
        assert gedwongen_stretches(order) == [Stretch(day(0), day(500))]


def test_an_expired_voorlopige_ots_then_a_new_measure_are_two_stretches() -> None:
    facts = [
        imposed(day(0), "voorlopige-ots"),
        fact("toegang.voorlopige-ots-expired", day(90)),
        imposed(day(200), "jeugdreclassering"),
    ]
    for order in itertools.permutations(facts):
        assert gedwongen_stretches(order) == [
            Stretch(day(0), day(90)),
            Stretch(day(200), None),
        ]


def test_a_follow_up_reported_after_the_clock_expired_its_voorlopige_ots_continues_it() -> None:
    # toegang puts a lapsed voorlopige OTS back for a late message dated within its term
    facts = [
        imposed(day(0), "voorlopige-ots"),
        fact("toegang.voorlopige-ots-expired", day(90)),
        imposed(day(85), "ots", previous="voorlopige-ots"),
    ]
    assert gedwongen_stretches(facts) == [Stretch(day(0), None)]


def test_jeugdreclassering_beside_an_ots_keeps_the_case_gedwongen_until_both_ended() -> None:
    facts = [
        imposed(day(0), "ots"),
        imposed(day(30), "jeugdreclassering"),
        ended(day(100), "ots"),
        ended(day(150), "jeugdreclassering"),
        imposed(day(150), "ots"),  # imposed as the other ends: no moment without a measure
        ended(day(400), "ots"),
    ]
    for order in itertools.permutations(facts):
        assert gedwongen_stretches(order) == [Stretch(day(0), day(400))]


def test_the_kader_at_a_moment() -> None:
    stretches = [Stretch(day(10), day(20)), Stretch(day(30), None)]
    assert kader_at("vrijwillig", stretches, day(5)) == "vrijwillig"  # declared, before
    assert kader_at(None, stretches, day(5)) is None  # no kader declared: none
    assert kader_at("vrijwillig", stretches, day(10)) == "gedwongen"  # from the imposition
    assert kader_at("gedwongen", stretches, day(20)) == "vrijwillig"  # ended, not yet again
    assert kader_at("vrijwillig", stretches, day(31)) == "gedwongen"
    assert kader_at("gedwongen", [], day(31)) == "gedwongen"  # no measure: as declared


def test_each_measure_runs_until_its_own_stop_and_says_what_stopped_it() -> None:
    facts = [
        imposed(day(0), "voorlopige-ots"),
        imposed(day(60), "voogdij", previous="voorlopige-ots"),
        imposed(day(100), "voorlopige-ots"),
        fact("toegang.voorlopige-ots-expired", day(190)),
        imposed(day(200), "jeugdreclassering"),
        ended(day(250), "jeugdreclassering"),
        imposed(day(300), "ots"),
        ended(day(300), "ots"),  # stopped as it began: never in force
    ]
    runs = measure_runs((f.short_type, f.occurred_at, f.data) for f in reversed(facts))
    assert runs == [
        MeasureRun("voorlopige-ots", day(0), day(60), PROTECTION_MEASURE_IMPOSED, "voogdij"),
        MeasureRun("voogdij", day(60), None, None, None),
        MeasureRun("voorlopige-ots", day(100), day(190), VOORLOPIGE_OTS_EXPIRED, None),
        MeasureRun("jeugdreclassering", day(200), day(250), PROTECTION_MEASURE_ENDED, None),
    ]
