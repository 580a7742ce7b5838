"""Where partners wait on each other, from facts: pure, the same in every order of arrival."""

import random
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from ketenmonitor.chain_figures import FactRow
from ketenmonitor.figures import Filters, LeadTime
from ketenmonitor.handover_figures import HAND_OVERS, hand_overs

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def fact(kind: str, case: UUID, at: datetime, **data: str) -> FactRow:
    return FactRow(kind, case, at, data, "GM0153", "gedwongen")


EVERYTHING = Filters()


def by_name(rows: list[FactRow], filters: Filters = EVERYTHING) -> dict[str, LeadTime]:
    return {f.transition: f for f in hand_overs(rows, filters)}


def test_from_the_first_hand_over_to_the_next_partners_first_action_at_or_after_it() -> None:
    rows = []
    for n in range(10):
        case = uuid4()
        decided = T0 + timedelta(days=n)
        rows += [
            fact("toegang.toegang-decided", case, decided, decision="gezamenlijke-triage"),
            fact("triage.case-opened-for-triage", case, decided),  # toegang's moment: no action
            fact("triage.escalated-to-ret", case, decided + timedelta(days=3)),
            fact("triage.triage-decided", case, decided + timedelta(days=9)),
            fact("triage.triage-decided", case, decided - timedelta(days=1)),  # before: not next
        ]
    for order in (rows, rows[::-1], random.Random(1).sample(rows, len(rows))):
        toegang = by_name(order)["toegang-to-triage"]
        assert toegang.count.value == 10
        assert toegang.max_days == 3.0
    assert [h.name for h in HAND_OVERS] == [f.transition for f in hand_overs(rows, Filters())]


def test_only_a_decision_for_triage_hands_over_and_the_waiting_are_not_counted() -> None:
    rows = []
    for n in range(12):
        case = uuid4()
        rows.append(fact("toegang.toegang-decided", case, T0, decision="lokale-basishulp"))
        rows.append(fact("triage.triage-decided", case, T0 + timedelta(days=1)))
        rows.append(fact("toegang.protection-measure-imposed", case, T0))
        if n < 11:
            rows.append(fact("toegang.gi-assigned", case, T0 + timedelta(days=n)))
    figures = by_name(rows)
    assert figures["toegang-to-triage"].count.suppressed
    gi = figures["measure-to-gi"]
    assert (gi.count.value, gi.p50_days, gi.max_days) == (11, 5.0, 10.0)


def test_the_period_is_on_the_next_partners_action() -> None:
    rows = []
    for n in range(20):
        case = uuid4()
        rows.append(fact("toegang.rvdk-investigation-requested", case, T0))
        rows.append(fact("toegang.rvdk-investigation-started", case, T0 + timedelta(days=n)))
    january = Filters(from_date=date(2026, 1, 1), to_date=date(2026, 1, 14))
    rvdk = by_name(rows, january)["toegang-to-rvdk"]
    assert rvdk.count.value == 10
    assert by_name(rows, Filters(gemeente_code="GM0164"))["toegang-to-rvdk"].count.suppressed
