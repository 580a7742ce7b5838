"""What the projection makes of a domain event: a fact, and the derived rows it contributes.

Pure: no I/O. Every derived row is a commutative merge (the earliest moment wins, a counter
adds up), so the projection's tables do not depend on the order in which events arrive, only
on which events arrived: a placement that arrives before the triage decision it follows still
yields the right lead times, because lead times run from event time (`data.occurred_at`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts import plaatsing, toegang, triage
from jeugdketen_shared.contracts.base import MessageData
from jeugdketen_shared.vocabulary import ProtectionMeasure

PREFIX = "nl.jeugdketen."


def short_type(contract: type[MessageData]) -> str:
    """A contract's event type as the ketenmonitor names it: without `nl.jeugdketen.`."""
    return contract.cloudevent_type.removeprefix(PREFIX)


# The domain events the figures, rules and pages name, from the services' contracts.
REFERRAL_RECEIVED = short_type(toegang.ReferralReceived)
VERKLARENDE_ANALYSE_COMPLETED = short_type(toegang.VerklarendeAnalyseCompleted)
TOEGANG_DECIDED = short_type(toegang.ToegangDecided)
REFERRAL_WITHDRAWN = short_type(toegang.ReferralWithdrawn)
VEILIG_THUIS_MELDING_RECEIVED = short_type(toegang.VeiligThuisMeldingReceived)
SAFETY_ASSESSED = short_type(toegang.SafetyAssessed)
VEILIG_THUIS_ONDERZOEK_STARTED = short_type(toegang.VeiligThuisOnderzoekStarted)
VEILIG_THUIS_ONDERZOEK_CONCLUDED = short_type(toegang.VeiligThuisOnderzoekConcluded)
RVDK_INVESTIGATION_REQUESTED = short_type(toegang.RvdkInvestigationRequested)
RVDK_INVESTIGATION_STARTED = short_type(toegang.RvdkInvestigationStarted)
RVDK_INVESTIGATION_COMPLETED = short_type(toegang.RvdkInvestigationCompleted)
PROTECTION_MEASURE_IMPOSED = short_type(toegang.ProtectionMeasureImposed)
PROTECTION_MEASURE_ENDED = short_type(toegang.ProtectionMeasureEnded)
PROTECTION_MEASURE_EXTENDED = short_type(toegang.ProtectionMeasureExtended)
VOORLOPIGE_OTS_EXPIRED = short_type(toegang.VoorlopigeOtsExpired)
GI_ASSIGNED = short_type(toegang.GiAssigned)
CASE_OPENED_FOR_TRIAGE = short_type(triage.CaseOpenedForTriage)
TRIAGE_DECIDED = short_type(triage.TriageDecided)
ESCALATED_TO_RET = short_type(triage.EscalatedToRet)
RET_ADVICE_GIVEN = short_type(triage.RetAdviceGiven)
PLACEMENT_REQUESTED = short_type(plaatsing.PlacementRequested)
PLACEMENT_REQUEST_WITHDRAWN = short_type(plaatsing.PlacementRequestWithdrawn)
PLACEMENT_STARTED = short_type(plaatsing.PlacementStarted)
TRANSFERRED = short_type(plaatsing.Transferred)
PLACEMENT_ENDED = short_type(plaatsing.PlacementEnded)
CONTINUITY_PLAN_RECORDED = short_type(plaatsing.ContinuityPlanRecorded)
TURNED_EIGHTEEN = short_type(plaatsing.TurnedEighteen)
CAPACITY_RECORDED = short_type(plaatsing.CapacityRecorded)

MILESTONE_TYPES = frozenset(
    {
        REFERRAL_RECEIVED,
        TOEGANG_DECIDED,
        VEILIG_THUIS_MELDING_RECEIVED,
        SAFETY_ASSESSED,
        RVDK_INVESTIGATION_REQUESTED,
        RVDK_INVESTIGATION_STARTED,
        PROTECTION_MEASURE_IMPOSED,
        TRIAGE_DECIDED,
        PLACEMENT_STARTED,
    }
)
"""Event types (without `nl.jeugdketen.`) whose first occurrence per case is a milestone."""

MEASURE_TYPES = frozenset(
    {PROTECTION_MEASURE_IMPOSED, PROTECTION_MEASURE_ENDED, VOORLOPIGE_OTS_EXPIRED}
)
"""The event types that begin or end a measure, and so a case's stretches in the gedwongen
kader (an extension changes neither: the measure runs on)."""


class UnusableEvent(ValueError):
    """The CloudEvent names no usable `data.occurred_at`; it cannot be placed in time."""


@dataclass(frozen=True)
class Fact:
    """One domain event as the fact table keeps it."""

    source: str
    id: str
    type: str
    case_id: UUID | None
    occurred_at: datetime
    recorded_at: datetime
    data: Mapping[str, Any]

    @property
    def short_type(self) -> str:
        return self.type.removeprefix(PREFIX)


def fact_from(event: CloudEvent) -> Fact:
    try:
        occurred_at = datetime.fromisoformat(str(event.data["occurred_at"]))
    except (KeyError, ValueError) as error:
        raise UnusableEvent(f"{event.source} {event.id}: no valid occurred_at") from error
    if occurred_at.tzinfo is None:
        raise UnusableEvent(f"{event.source} {event.id}: occurred_at without a time zone")
    case = event.data.get("case_id")
    try:
        case_id = UUID(str(case)) if case is not None else event.caseid
    except ValueError as error:
        raise UnusableEvent(f"{event.source} {event.id}: case_id is no UUID") from error
    return Fact(
        source=event.source,
        id=event.id,
        type=event.type,
        case_id=case_id,
        occurred_at=occurred_at,
        recorded_at=event.time,
        data=event.data,
    )


@dataclass(frozen=True)
class Milestone:
    case_id: UUID
    milestone: str
    occurred_at: datetime


@dataclass(frozen=True)
class CaseAttributes:
    """What a case is filtered by; each value is the one named by the earliest event."""

    case_id: UUID
    gemeente_code: str | None
    gemeente_at: datetime | None
    kader: str | None
    kader_at: datetime | None
    youth_pseudonym: str | None


@dataclass(frozen=True)
class YouthPlacement:
    """A youth's first placement start, and the case it belongs to."""

    youth_pseudonym: str
    first_started_at: datetime
    case_id: UUID


@dataclass(frozen=True)
class FirstPlacement:
    """A case's earliest placement start (ties: the smallest care form, then provider)."""

    case_id: UUID
    started_at: datetime
    care_form: str
    provider: str


@dataclass(frozen=True)
class Derived:
    milestones: list[Milestone]
    cases: list[CaseAttributes]
    placements: list[YouthPlacement]
    transfers: dict[str, int]
    """Transfers per youth pseudonym, to add to what is stored."""
    first_placements: list[FirstPlacement]


def derive(facts: Iterable[Fact]) -> Derived:
    """The derived rows of newly recorded facts, merged within the batch as the store merges
    them with what it holds (so one upsert per key)."""
    milestones: dict[tuple[UUID, str], datetime] = {}
    gemeenten: dict[UUID, tuple[datetime, str]] = {}
    kaders: dict[UUID, tuple[datetime, str]] = {}
    youths: dict[UUID, str] = {}
    placements: dict[str, tuple[datetime, UUID]] = {}
    transfers: dict[str, int] = {}
    first_placements: dict[UUID, tuple[datetime, str, str]] = {}
    for fact in facts:
        if fact.case_id is None:
            continue  # about a provider (capacity), not a case
        case, at, data, kind = fact.case_id, fact.occurred_at, fact.data, fact.short_type
        if kind in MILESTONE_TYPES:
            key = (case, kind)
            milestones[key] = min(milestones.get(key, at), at)
        care_form, provider = data.get("care_form"), data.get("provider")
        if kind == PLACEMENT_STARTED and isinstance(care_form, str) and isinstance(provider, str):
            start = (at, care_form, provider)
            first_placements[case] = min(first_placements.get(case, start), start)
        _earliest(gemeenten, case, at, data.get("gemeente_code"))
        _earliest(kaders, case, at, data.get("kader"))
        youth = data.get("youth_pseudonym")
        if isinstance(youth, str):
            youths.setdefault(case, youth)
            if kind == PLACEMENT_STARTED:
                placements[youth] = min(placements.get(youth, (at, case)), (at, case))
            elif kind == TRANSFERRED:
                transfers[youth] = transfers.get(youth, 0) + 1
    cases = {*gemeenten, *kaders, *youths}
    return Derived(
        milestones=[Milestone(c, m, at) for (c, m), at in milestones.items()],
        cases=[
            CaseAttributes(
                case_id=case,
                gemeente_code=gemeenten[case][1] if case in gemeenten else None,
                gemeente_at=gemeenten[case][0] if case in gemeenten else None,
                kader=kaders[case][1] if case in kaders else None,
                kader_at=kaders[case][0] if case in kaders else None,
                youth_pseudonym=youths.get(case),
            )
            for case in sorted(cases)
        ],
        placements=[YouthPlacement(y, at, case) for y, (at, case) in placements.items()],
        transfers=transfers,
        first_placements=[
            FirstPlacement(case, *start) for case, start in sorted(first_placements.items())
        ],
    )


def _earliest(
    held: dict[UUID, tuple[datetime, str]], case: UUID, at: datetime, value: object
) -> None:
    if isinstance(value, str):
        candidate = (at, value)
        held[case] = min(held.get(case, candidate), candidate)


@dataclass(frozen=True)
class Stretch:
    """A time a case was in the gedwongen kader: from a measure's imposition while none was in
    force, until no measure was (None: one still is)."""

    since: datetime
    until: datetime | None


@dataclass(frozen=True)
class MeasureRun:
    """One measure in force: from its imposition to its first stop at or after it."""

    measure: str
    since: datetime
    until: datetime | None
    """None: it still runs."""
    stopped_by: str | None
    """What stopped it: `protection-measure-ended`, `voorlopige-ots-expired`, or
    `protection-measure-imposed` (followed up by the next measure); None while it runs."""
    followed_by: str | None
    """The measure that followed it up (a voorlopige OTS's OTS or voogdij); None: none did."""

    def running_at(self, moment: datetime) -> bool:
        """Begun before `moment` and not stopped before it: one that stops at a month's end
        still runs at it (its stop's day is the next month's)."""
        return self.since < moment and (self.until is None or self.until >= moment)


def measure_runs(
    measure_facts: Iterable[tuple[str, datetime, Mapping[str, Any]]],
) -> list[MeasureRun]:
    """A case's measures in force, in order of imposition, from its facts of `MEASURE_TYPES`
    as (short type, occurred_at, data) (others are ignored), whatever the order of arrival.

    A measure runs from its imposition to the first of its stops at or after it: a
    `protection-measure-ended` naming it, a `voorlopige-ots-expired` (for a voorlopige OTS), or
    the imposition of a measure that follows it up (`previous_measure`). One that stopped as it
    began was never in force and is left out. An OTS past its term without an extension runs
    on until its end is reported, as toegang holds it in force."""
    imposed: dict[str, list[datetime]] = {}
    stops: dict[str, list[tuple[datetime, str, str]]] = {}  # when, by what, the follow-up or ""
    for kind, at, data in measure_facts:
        if kind == PROTECTION_MEASURE_IMPOSED:
            _add(imposed, data.get("measure"), at)
            _add(stops, data.get("previous_measure"), (at, kind, str(data.get("measure"))))
        elif kind == PROTECTION_MEASURE_ENDED:
            _add(stops, data.get("measure"), (at, kind, ""))
        elif kind == VOORLOPIGE_OTS_EXPIRED:
            _add(stops, ProtectionMeasure.VOORLOPIGE_OTS.value, (at, kind, ""))
    runs = []
    for measure, starts in imposed.items():
        for start in starts:
            stop = min((s for s in stops.get(measure, ()) if s[0] >= start), default=None)
            if stop is None:
                runs.append(MeasureRun(measure, start, None, None, None))
            elif stop[0] > start:
                runs.append(MeasureRun(measure, start, stop[0], stop[1], stop[2] or None))
    return sorted(runs, key=lambda run: (run.since, run.measure))


def gedwongen_stretches(measure_facts: Iterable[Fact]) -> list[Stretch]:
    """A case's stretches in the gedwongen kader, in order, from every fact of `MEASURE_TYPES`
    of the case (others are ignored), whatever the order of arrival: its measures' runs
    (`measure_runs`), where those that overlap or touch are one stretch (a voorlopige OTS
    followed up by an OTS, jeugdreclassering beside an OTS)."""
    merged: list[Stretch] = []
    for run in measure_runs((f.short_type, f.occurred_at, f.data) for f in measure_facts):
        start, end = run.since, run.until
        last = merged[-1] if merged else None
        if last is not None and (last.until is None or start <= last.until):
            until = None if last.until is None or end is None else max(last.until, end)
            merged[-1] = Stretch(last.since, until)
        else:
            merged.append(Stretch(start, end))
    return merged


def _add(held: dict[str, list[Any]], measure: object, value: object) -> None:
    if isinstance(measure, str):
        held.setdefault(measure, []).append(value)
