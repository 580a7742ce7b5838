"""Where partners wait on each other: per hand-over, the time from one partner's hand-over to
the next partner's first action on the case: the definitions here, the computation in
PostgreSQL over the facts (`queries.SELECT_HAND_OVERS`), the same in every order of arrival.

Per case: from its first hand-over event (by event time) to the next partner's first action at
or after it; the period on that action, gemeente and kader of the case. A case whose next
partner has not acted yet is not counted (it is still waiting: the stagnation alerts see it)."""

from dataclasses import dataclass

from ketenmonitor.facts import (
    ESCALATED_TO_RET,
    GI_ASSIGNED,
    PLACEMENT_REQUESTED,
    PROTECTION_MEASURE_IMPOSED,
    RVDK_INVESTIGATION_REQUESTED,
    RVDK_INVESTIGATION_STARTED,
    TOEGANG_DECIDED,
    TRIAGE_DECIDED,
)
from ketenmonitor.figures.common import Transition


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


HAND_OVERS: tuple[HandOver, ...] = (
    HandOver(
        "toegang-to-triage",
        "Toegang → gezamenlijke triage: besluit toegang tot het eerste besluit van de triage "
        "(besluit of escalatie naar het RET)",
        TOEGANG_DECIDED,
        "gezamenlijke-triage",
        frozenset({TRIAGE_DECIDED, ESCALATED_TO_RET}),
    ),
    HandOver(
        "triage-to-provider",
        "Gezamenlijke triage → aanbieder: besluit triage tot plaatsingsverzoek",
        TRIAGE_DECIDED,
        None,
        frozenset({PLACEMENT_REQUESTED}),
    ),
    HandOver(
        "toegang-to-rvdk",
        "Verzoek tot onderzoek → start onderzoek Raad voor de Kinderbescherming",
        RVDK_INVESTIGATION_REQUESTED,
        None,
        frozenset({RVDK_INVESTIGATION_STARTED}),
    ),
    HandOver(
        "measure-to-gi",
        "Maatregel opgelegd → gecertificeerde instelling toegewezen",
        PROTECTION_MEASURE_IMPOSED,
        None,
        frozenset({GI_ASSIGNED}),
    ),
)
