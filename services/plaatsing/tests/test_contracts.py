"""plaatsing's contracts: its own types are distinct, and its reading of triage's events reads
what triage publishes (a consumer-driven check against triage's own contracts)."""

from collections import Counter
from datetime import UTC, datetime

from jeugdketen_shared.contracts import ALL_CONTRACTS, triage
from jeugdketen_shared.contracts import plaatsing as contracts
from jeugdketen_shared.vocabulary import CareForm, Kader, Urgency

DECIDED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
CASE_ID = "6f1c2b9e-8a51-4a44-9a57-0d2f7c1f4e11"
PSEUDONYM = "c" * 64


def test_no_cloudevent_type_names_two_contracts() -> None:
    # a schema file is named after its type: an inbound message and a domain event of one
    # name would overwrite each other's schema
    counts = Counter(contract.cloudevent_type for contract in ALL_CONTRACTS)
    assert [name for name, count in counts.items() if count > 1] == []


def test_plaatsing_reads_the_triage_decision_triage_publishes() -> None:
    published = triage.TriageDecided(
        case_id=CASE_ID,
        youth_pseudonym=PSEUDONYM,
        gemeente_code="GM0153",
        kader=Kader.VRIJWILLIG,
        recommended_care_form=CareForm.PLEEGZORG,
        urgency=Urgency.SPOED,
        responsible_providers=("12345678",),
        occurred_at=DECIDED_AT,
    )
    read = contracts.TriageDecidedUpstream.model_validate(published.model_dump(mode="json"))
    assert read.cloudevent_type == published.cloudevent_type
    assert (read.youth_pseudonym, read.gemeente_code, read.recommended_care_form) == (
        PSEUDONYM,
        "GM0153",
        CareForm.PLEEGZORG,
    )


def test_plaatsing_reads_the_ret_advice_triage_publishes() -> None:
    published = triage.RetAdviceGiven(
        case_id=CASE_ID,
        youth_pseudonym=PSEUDONYM,
        gemeente_code="GM0153",
        kader=Kader.GEDWONGEN,
        care_form=CareForm.GEZINSHUIS,
        non_contracted_care=True,
        maatwerkbudget_granted=False,
        occurred_at=DECIDED_AT,
    )
    read = contracts.RetAdviceGivenUpstream.model_validate(published.model_dump(mode="json"))
    assert read.cloudevent_type == published.cloudevent_type
    assert read.care_form == CareForm.GEZINSHUIS
