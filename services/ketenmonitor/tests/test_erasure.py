"""The pure side of erasure: sealed months, anonymised facts."""

from datetime import UTC, datetime
from uuid import uuid4

from jeugdketen_shared.youth_keys import YouthKey
from ketenmonitor.facts import Fact
from ketenmonitor.privacy.erasure import (
    HELD_SEALED,
    MONTH,
    anonymised,
    digest,
    opened,
    unsealed_month,
)


def test_a_sealed_month_opens_with_its_key_and_is_held_aside_without_it() -> None:
    key = YouthKey.generate()
    data = {"youth_pseudonym": key.pseudonym, MONTH: key.seal("2027-03")}
    assert opened(data, key) == {"youth_pseudonym": key.pseudonym, MONTH: "2027-03"}
    held = opened(data, None)
    assert MONTH not in held
    assert held[HELD_SEALED] == data[MONTH]
    assert unsealed_month(held[HELD_SEALED], key) == "2027-03"


def test_a_month_sealed_for_another_youth_stays_sealed_and_counts_as_none() -> None:
    key, other = YouthKey.generate(), YouthKey.generate()
    data = {"youth_pseudonym": key.pseudonym, MONTH: other.seal("2027-03")}
    held = opened(data, key)
    assert MONTH not in held
    assert held[HELD_SEALED] == data[MONTH]
    assert unsealed_month(held[HELD_SEALED], key) is None


def test_a_clear_month_and_no_month_stay_as_they_are() -> None:
    assert opened({MONTH: "2027-03"}, None) == {MONTH: "2027-03"}
    assert opened({MONTH: None}, None) == {MONTH: None}


def test_an_anonymised_fact_names_the_anonymous_case_and_youth_and_keeps_its_month_sealed() -> None:
    key, case, anonymous_case = YouthKey.generate(), uuid4(), uuid4()
    at = datetime(2026, 3, 1, tzinfo=UTC)
    fact = Fact(
        source="urn:test",
        id="1",
        type="nl.jeugdketen.plaatsing.placement-started",
        case_id=case,
        occurred_at=at,
        recorded_at=at,
        data={"case_id": str(case), "youth_pseudonym": key.pseudonym, MONTH: key.seal("2027-03")},
    )
    hidden = anonymised(fact, anonymous_case, "f" * 64)
    assert hidden.case_id == anonymous_case
    assert hidden.data["case_id"] == str(anonymous_case)
    assert hidden.data["youth_pseudonym"] == "f" * 64
    assert MONTH not in hidden.data
    assert hidden.data[HELD_SEALED] == fact.data[MONTH]


def test_the_erasure_tables_keep_a_digest_never_the_identifier() -> None:
    case = uuid4()
    assert digest(case) == digest(str(case))
    assert str(case).encode() not in digest(case)
    assert len(digest(case)) == 32
