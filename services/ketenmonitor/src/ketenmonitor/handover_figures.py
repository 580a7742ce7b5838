"""Where partners wait on each other: per hand-over, the time from one partner's hand-over to
the next partner's first action on the case. Pure, from facts (see chain_figures); the same in
every order of arrival.

Per case: from its first hand-over event (by event time) to the next partner's first action at
or after it; the period on that action, gemeente and kader of the case. A case whose next
partner has not acted yet is not counted (it is still waiting: the stagnation alerts see it)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ketenmonitor.chain_figures import PLACEMENT_REQUESTED, FactRow, in_period, of_case
from ketenmonitor.figures import Filters, LeadTime, Transition, lead_time


@dataclass(frozen=True)
class HandOver:
    name: str
    description: str
    handed_over: str
    """The event type of the hand-over."""
    decision: str | None
    """Only hand-over events with this `data.decision` (None: every one)."""
    next_actions: frozenset[str]
    """The event types that are the next partner's action."""

    @property
    def transition(self) -> Transition:
        return Transition(
            self.name, self.handed_over, "|".join(sorted(self.next_actions)), self.description
        )

    def hands_over(self, row: FactRow) -> bool:
        return row.type == self.handed_over and (
            self.decision is None or row.data.get("decision") == self.decision
        )


HAND_OVERS: tuple[HandOver, ...] = (
    HandOver(
        "toegang-to-triage",
        "Toegang → gezamenlijke triage: besluit toegang tot het eerste besluit van de triage "
        "(besluit of escalatie naar het RET)",
        "toegang.toegang-decided",
        "gezamenlijke-triage",
        frozenset({"triage.triage-decided", "triage.escalated-to-ret"}),
    ),
    HandOver(
        "triage-to-provider",
        "Gezamenlijke triage → aanbieder: besluit triage tot plaatsingsverzoek",
        "triage.triage-decided",
        None,
        frozenset({PLACEMENT_REQUESTED}),
    ),
    HandOver(
        "toegang-to-rvdk",
        "Verzoek tot onderzoek → start onderzoek Raad voor de Kinderbescherming",
        "toegang.rvdk-investigation-requested",
        None,
        frozenset({"toegang.rvdk-investigation-started"}),
    ),
    HandOver(
        "measure-to-gi",
        "Maatregel opgelegd → gecertificeerde instelling toegewezen",
        "toegang.protection-measure-imposed",
        None,
        frozenset({"toegang.gi-assigned"}),
    ),
)

TYPES: tuple[str, ...] = tuple(
    sorted({h.handed_over for h in HAND_OVERS} | {t for h in HAND_OVERS for t in h.next_actions})
)
"""Every fact type the hand-overs read."""


def hand_overs(rows: Iterable[FactRow], filters: Filters) -> list[LeadTime]:
    """Per hand-over (in `HAND_OVERS`' order): p50, p90, max and count of the waiting times."""
    rows = list(rows)
    figures = []
    for hand_over in HAND_OVERS:
        first: dict[UUID, datetime] = {}
        for row in rows:
            if row.case_id is not None and hand_over.hands_over(row):
                first[row.case_id] = min(first.get(row.case_id, row.occurred_at), row.occurred_at)
        acted: dict[UUID, FactRow] = {}
        for row in rows:
            case = row.case_id
            if case is None or case not in first or row.type not in hand_over.next_actions:
                continue
            if row.occurred_at >= first[case] and (
                case not in acted or row.occurred_at < acted[case].occurred_at
            ):
                acted[case] = row
        waits = [
            action.occurred_at - first[case]
            for case, action in acted.items()
            if in_period(action.occurred_at, filters) and of_case(action, filters)
        ]
        figures.append(lead_time(hand_over.transition, waits))
    return figures
