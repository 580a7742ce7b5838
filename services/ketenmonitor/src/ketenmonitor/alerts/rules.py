"""Stagnation rules and their evaluation: pure, no I/O but reading the rules file.

A rule watches one stage of a case, of one of four kinds:

- `stage` (the default): it opens at the first start event (by event time) and closes at the
  first closing event at or after the start. It is due at its deadline, the start plus the
  rule's norm in calendar days, werkdagen (weekdays minus Dutch public holidays) or weeks,
  keeping the start's wall-clock time in Europe/Amsterdam.
- `stepping-stone`: a youth's, across cases: it opens at the first move (`figures.placements`'
  definition, the one the stepping-stone figure counts) that is the `threshold`-th within
  `window_months` months (event time), on the case that move lands in, and is due at once: the
  deadline is the start. It closes when the youth has no open placement left.
- `turning-eighteen`: it opens at the first start event (a placement start) naming the youth's
  18th birthday month (`turns_eighteen_in`, YYYY-MM; the first of the month counts, the
  conservative birthday) while the youth is under 18, and is due `months_before` months before
  that birthday.
- `measure-term`: a `measure`'s term (from its imposition or an extension to the `runs_until`
  either names), due the rule's norm before that term runs out; closed by the measure's
  extension, its end, or its follow-up by a heavier measure (`previous_measure`). Each term is
  watched in turn: the stage is the first term not closed by then (so one alert per case and
  rule, as for every rule), or the last term, closed in time, while none is late.

The case kinds close at the first closing event at or after their start; all by event time,
whatever the order of arrival.
"""

import os
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID, uuid5

import holidays

from jeugdketen_shared.clock import Clock
from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.vocabulary import ProtectionMeasure
from ketenmonitor.facts import (
    PLACEMENT_ENDED,
    PROTECTION_MEASURE_ENDED,
    PROTECTION_MEASURE_EXTENDED,
    PROTECTION_MEASURE_IMPOSED,
)
from ketenmonitor.figures.placements import Move, PlacementEvent

RULES_ENVIRONMENT_VARIABLE = "KETENMONITOR_ALERT_RULES"
"""A path to another rules file; by default the package's `alert_rules.toml`."""

_ALERT_ID_NAMESPACE = UUID("5b0c6a43-2f55-4f6e-9a54-0c3e4b7a1d21")


class Unit(StrEnum):
    DAGEN = "dagen"
    WERKDAGEN = "werkdagen"
    WEKEN = "weken"


class Severity(StrEnum):
    LAAG = "laag"
    MIDDEN = "midden"
    HOOG = "hoog"


class Kind(StrEnum):
    STAGE = "stage"
    """A stage with a norm from its start."""
    STEPPING_STONE = "stepping-stone"
    """A youth's `threshold` moves within `window_months` months: due at once."""
    TURNING_EIGHTEEN = "turning-eighteen"
    """Due `months_before` months before the 18th birthday named by the start event."""
    MEASURE_TERM = "measure-term"
    """Due the norm before the term of a `measure` runs out, unless extended, ended or followed
    up by then."""


class Basis(StrEnum):
    NORM = "norm"
    """A public norm (../shared/DOMAIN.md)."""
    KEUZE = "keuze"
    """A choice of the region's, to confirm with the werkgroep."""


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    start: str
    closes: frozenset[str]
    norm: int
    unit: Unit
    severity: Severity
    basis: Basis
    source: str
    kind: Kind = Kind.STAGE
    threshold: int = 0
    """stepping-stone: how many moves within the window flag the youth."""
    window_months: int = 0
    """stepping-stone: the window, in calendar months."""
    months_before: int = 0
    """turning-eighteen: how long before the 18th birthday the closing event must exist."""
    measure: str = ""
    """measure-term: the measure (`ProtectionMeasure`) whose terms it watches."""

    @property
    def of_youth(self) -> bool:
        """Whether the rule watches a youth across cases (its moves), not one case's events."""
        return self.kind is Kind.STEPPING_STONE

    def deadline(self, started_at: datetime) -> datetime:
        return deadline(started_at, self.norm, self.unit)

    @property
    def norm_text(self) -> str:
        if self.kind is Kind.STEPPING_STONE:
            return f"{self.threshold} binnen {self.window_months} maanden"
        if self.kind is Kind.TURNING_EIGHTEEN:
            return f"{self.months_before} maanden voor de 18e verjaardag"
        if self.kind is Kind.MEASURE_TERM:
            return f"{self.norm} {self.unit.value} voor het einde van de termijn"
        return f"{self.norm} {self.unit.value}"


class InvalidRules(ValueError):
    """The rules file is not as described in its header."""


def load_rules(path: Path | None = None) -> tuple[Rule, ...]:
    """The rules of `path`, else of $KETENMONITOR_ALERT_RULES, else the package's defaults."""
    configured = path or os.environ.get(RULES_ENVIRONMENT_VARIABLE)
    if configured:
        text = Path(configured).read_text(encoding="utf-8")
    else:
        text = files("ketenmonitor.alerts").joinpath("alert_rules.toml").read_text(encoding="utf-8")
    return parse_rules(tomllib.loads(text))


def parse_rules(document: dict[str, Any]) -> tuple[Rule, ...]:
    rules = []
    for entry in document.get("rule", []):
        try:
            kind = Kind(entry.get("kind", Kind.STAGE.value))
            of_youth, of_measure = kind is Kind.STEPPING_STONE, kind is Kind.MEASURE_TERM
            normed = kind in (Kind.STAGE, Kind.MEASURE_TERM)
            if (of_youth or of_measure) and ("start" in entry or "closes" in entry):
                raise ValueError("its kind says what opens and what closes it")
            rule = Rule(
                name=str(entry["name"]),
                title=str(entry["title"]),
                start=_start_of(kind, entry),
                closes=_closes_of(kind, entry),
                # the other kinds have no norm from the start: their own keys say when
                norm=int(entry["norm"]) if normed else 0,
                unit=Unit(entry["unit"]) if normed else Unit.DAGEN,
                severity=Severity(entry["severity"]),
                basis=Basis(entry["basis"]),
                source=str(entry.get("source", "")),
                kind=kind,
                threshold=int(entry["threshold"]) if kind is Kind.STEPPING_STONE else 0,
                window_months=int(entry["window_months"]) if kind is Kind.STEPPING_STONE else 0,
                months_before=int(entry["months_before"]) if kind is Kind.TURNING_EIGHTEEN else 0,
                measure=ProtectionMeasure(entry["measure"]).value if of_measure else "",
            )
        except (KeyError, ValueError, TypeError) as error:
            raise InvalidRules(f"rule {entry.get('name', '?')!r}: {error}") from error
        if not of_youth and (not rule.closes or rule.start in rule.closes):
            raise InvalidRules(f"rule {rule.name!r}: closing events other than the start")
        if (
            (normed and rule.norm <= 0)
            or (kind is Kind.STEPPING_STONE and (rule.threshold < 1 or rule.window_months < 1))
            or (kind is Kind.TURNING_EIGHTEEN and rule.months_before < 0)
        ):
            raise InvalidRules(f"rule {rule.name!r}: a positive norm, threshold or window")
        rules.append(rule)
    names = [rule.name for rule in rules]
    if len(set(names)) != len(names):
        raise InvalidRules("every rule has its own name")
    return tuple(rules)


def _start_of(kind: Kind, entry: dict[str, Any]) -> str:
    if kind is Kind.STEPPING_STONE:
        return ""  # a youth's moves open it
    if kind is Kind.MEASURE_TERM:
        return PROTECTION_MEASURE_IMPOSED
    return str(entry["start"])


def _closes_of(kind: Kind, entry: dict[str, Any]) -> frozenset[str]:
    if kind is Kind.STEPPING_STONE:
        return frozenset()  # the end of the youth's care closes it
    if kind is Kind.MEASURE_TERM:
        # and a follow-up, an imposition naming the measure as `previous_measure`
        return frozenset({PROTECTION_MEASURE_EXTENDED, PROTECTION_MEASURE_ENDED})
    return frozenset(str(c) for c in entry["closes"])


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_werkdag(day: date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def add_werkdagen(moment: datetime, werkdagen: int) -> datetime:
    """The same wall-clock time (Amsterdam) on the `werkdagen`-th working day after `moment`
    (before it, when negative)."""
    local = moment.astimezone(AMSTERDAM)
    day, left, step = local.date(), abs(werkdagen), timedelta(days=1 if werkdagen > 0 else -1)
    while left:
        day += step
        if is_werkdag(day):
            left -= 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), AMSTERDAM)


def deadline(started_at: datetime, norm: int, unit: Unit) -> datetime:
    """`norm` units after `started_at` (before it, when negative)."""
    if started_at.tzinfo is None:
        raise ValueError("a stage starts at a timezone-aware moment")
    if unit is Unit.WERKDAGEN:
        return add_werkdagen(started_at, norm)
    local = started_at.astimezone(AMSTERDAM)
    days = norm * 7 if unit is Unit.WEKEN else norm
    # wall-clock arithmetic in Amsterdam: 10:00 stays 10:00 across a change to summer time
    return datetime.combine(
        local.date() + timedelta(days=days), local.timetz().replace(tzinfo=None), AMSTERDAM
    )


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months on (or back), the month's last day when shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    following = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return date(year, month + 1, min(day.day, (following - timedelta(days=1)).day))


def _months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock time (Amsterdam) `months` calendar months earlier."""
    local = moment.astimezone(AMSTERDAM)
    return datetime.combine(
        add_months(local.date(), -months), local.timetz().replace(tzinfo=None), AMSTERDAM
    )


def eighteenth_birthday(turns_eighteen_in: str) -> datetime | None:
    """The conservative 18th birthday of a YYYY-MM: the first of the month, 00:00 Amsterdam;
    None when it is no such month."""
    try:
        year, month = (int(part) for part in turns_eighteen_in.split("-"))
        return datetime(year, month, 1, tzinfo=AMSTERDAM)
    except (ValueError, TypeError):
        return None


class CaseEvent(NamedTuple):
    """What a rule needs of one event of a case."""

    kind: str
    """The short type (without `nl.jeugdketen.`)."""
    at: datetime
    """When it occurred (event time)."""
    turns_eighteen_in: str | None = None
    """YYYY-MM of a placement start's `turns_eighteen_in`, when it names one."""
    measure: str | None = None
    """The measure imposed, extended or ended."""
    previous_measure: str | None = None
    """The measure an imposition follows up."""
    runs_until: datetime | None = None
    """When the measure's term runs out, as its imposition or extension says."""

    @classmethod
    def of(cls, kind: str, at: datetime, data: Mapping[str, Any]) -> "CaseEvent":
        """From an event's data (or a row of its fields as text): the fields the rules read."""
        runs_until = data.get("runs_until")
        return cls(
            kind,
            at,
            data.get("turns_eighteen_in"),
            data.get("measure"),
            data.get("previous_measure"),
            datetime.fromisoformat(runs_until) if runs_until else None,
        )


@dataclass(frozen=True)
class Stage:
    """A rule's stage of one case, as far as its facts tell."""

    case_id: UUID
    rule: str
    started_at: datetime
    deadline_at: datetime
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and now >= self.deadline_at


Events = Iterable[tuple[str, datetime] | tuple[str, datetime, str | None] | CaseEvent]
"""A case's events, each (short type, occurred_at) or a `CaseEvent`, in any order."""


def _term_of_measure(
    rule: Rule, held: list[CaseEvent]
) -> tuple[datetime, datetime, datetime | None] | None:
    """A measure-term rule's stage: when its term started, when it is due and when it closed
    (None: open); None without a term. The first term not closed before it was due, else the
    last one."""
    of_measure = sorted(
        (
            e
            for e in held
            if rule.measure in (e.measure, e.previous_measure)
            and e.kind in (rule.start, *rule.closes)
        ),
        # a term before what closes it at the same moment
        key=lambda e: (e.at, e.measure != rule.measure or e.kind == PROTECTION_MEASURE_ENDED),
    )
    found = None
    for index, term in enumerate(of_measure):
        if term.measure != rule.measure or term.kind == PROTECTION_MEASURE_ENDED:
            continue  # an end, or the follow-up of the measure: no term of it
        if term.runs_until is None:
            continue  # imposed before terms were recorded
        due = deadline(term.runs_until, -rule.norm, rule.unit)
        closed = next(
            (
                e.at
                for e in of_measure[index + 1 :]
                if e.kind in rule.closes or e.previous_measure == rule.measure
            ),
            None,
        )
        found = (term.at, due, closed)
        if closed is None or closed >= due:
            break
    return found


def _opening(rule: Rule, held: list[CaseEvent]) -> tuple[datetime, datetime] | None:
    """When the case rule's stage starts and is due, if it starts at all."""
    starts = sorted((e for e in held if e.kind == rule.start), key=lambda e: e.at)
    if rule.kind is Kind.TURNING_EIGHTEEN:
        for start in starts:
            birthday = eighteenth_birthday(start.turns_eighteen_in or "")
            if birthday is not None and start.at < birthday:
                return start.at, _months_before(birthday, rule.months_before)
        return None
    if not starts:
        return None
    return starts[0].at, rule.deadline(starts[0].at)


def stages_of(case_id: UUID, events: Events, rules: Iterable[Rule]) -> list[Stage]:
    """The stages of a case from its events in any order (the rules of a case, not a youth's)."""
    held = [CaseEvent(*event) for event in events]
    found = []
    for rule in rules:
        if rule.kind is Kind.MEASURE_TERM:
            term = _term_of_measure(rule, held)
            if term is not None:
                found.append(Stage(case_id, rule.name, *term))
            continue
        opening = None if rule.of_youth else _opening(rule, held)
        if opening is None:
            continue
        started_at, deadline_at = opening
        closings = [e.at for e in held if e.kind in rule.closes and e.at >= started_at]
        found.append(
            Stage(
                case_id=case_id,
                rule=rule.name,
                started_at=started_at,
                deadline_at=deadline_at,
                closed_at=min(closings) if closings else None,
            )
        )
    return found


class Care(NamedTuple):
    """One case's care of a youth: from its first placement start or transfer to its first end
    of care at or after that."""

    began_at: datetime
    ended_at: datetime | None

    def runs_on_after(self, moment: datetime) -> bool:
        return self.began_at <= moment and (self.ended_at is None or self.ended_at > moment)


def care_of_cases(events: Iterable[PlacementEvent]) -> list[Care]:
    """Each case's care, from the placement events of a youth's cases in any order."""
    per_case: dict[UUID, list[PlacementEvent]] = defaultdict(list)
    for placement_event in events:
        per_case[placement_event.case_id].append(placement_event)
    care = []
    for held in per_case.values():
        began = min((e.occurred_at for e in held if e.type != PLACEMENT_ENDED), default=None)
        if began is not None:
            ends = [
                e.occurred_at for e in held if e.type == PLACEMENT_ENDED and e.occurred_at >= began
            ]
            care.append(Care(began, min(ends, default=None)))
    return care


def stepping_stones_of(
    moves: Iterable[Move], events: Iterable[PlacementEvent], rules: Iterable[Rule]
) -> list[Stage]:
    """A youth's stages of the youth rules, from the youth's moves and the placement events of
    the youth's cases, in any order: opened at the first move that is the `threshold`-th within
    `window_months` months, on that move's case, due at once; closed at the first end of care at
    or after it that leaves the youth without an open placement."""
    in_time = sorted(moves, key=lambda m: (m.occurred_at, m.case_id))  # ties: one case, always
    care = care_of_cases(events)
    found = []
    for rule in rules:
        if not rule.of_youth:
            continue
        crossing = next(
            (
                move
                for last, move in enumerate(in_time)
                if last >= rule.threshold - 1
                and in_time[last - rule.threshold + 1].occurred_at
                >= _months_before(move.occurred_at, rule.window_months)
            ),
            None,
        )
        if crossing is None:
            continue
        at = crossing.occurred_at
        ends = sorted(c.ended_at for c in care if c.ended_at is not None and c.ended_at >= at)
        closed_at = next((end for end in ends if not any(c.runs_on_after(end) for c in care)), None)
        found.append(Stage(crossing.case_id, rule.name, at, at, closed_at))
    return found


def open_stages(
    case_id: UUID, events: Events, rules: Iterable[Rule], clock: Clock
) -> list[tuple[Stage, bool]]:
    """The open stages of a case, each with whether its deadline has passed on the clock."""
    now = clock.now()
    return [(s, s.is_overdue(now)) for s in stages_of(case_id, events, rules) if s.is_open]


def alert_id(case_id: UUID, rule: str) -> UUID:
    """One alert per case and rule, whoever raises it and however often."""
    return uuid5(_ALERT_ID_NAMESPACE, f"{case_id}/{rule}")
