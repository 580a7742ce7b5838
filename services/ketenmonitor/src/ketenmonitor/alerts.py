"""Stagnation rules and their evaluation: pure, no I/O but reading the rules file.

A rule watches one stage of a case: it opens at the first start event (by event time) and
closes at the first closing event at or after the start. An open stage is due at its deadline,
the start plus the rule's norm in calendar days, werkdagen (weekdays minus Dutch public
holidays) or weeks, keeping the start's wall-clock time in Europe/Amsterdam.
"""

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

import holidays

from jeugdketen_shared.clock import Clock

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
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

    def deadline(self, started_at: datetime) -> datetime:
        return deadline(started_at, self.norm, self.unit)

    @property
    def norm_text(self) -> str:
        return f"{self.norm} {self.unit.value}"


class InvalidRules(ValueError):
    """The rules file is not as described in its header."""


def load_rules(path: Path | None = None) -> tuple[Rule, ...]:
    """The rules of `path`, else of $KETENMONITOR_ALERT_RULES, else the package's defaults."""
    configured = path or os.environ.get(RULES_ENVIRONMENT_VARIABLE)
    if configured:
        text = Path(configured).read_text(encoding="utf-8")
    else:
        text = files("ketenmonitor").joinpath("alert_rules.toml").read_text(encoding="utf-8")
    return parse_rules(tomllib.loads(text))


def parse_rules(document: dict[str, Any]) -> tuple[Rule, ...]:
    rules = []
    for entry in document.get("rule", []):
        try:
            rule = Rule(
                name=str(entry["name"]),
                title=str(entry["title"]),
                start=str(entry["start"]),
                closes=frozenset(str(c) for c in entry["closes"]),
                norm=int(entry["norm"]),
                unit=Unit(entry["unit"]),
                severity=Severity(entry["severity"]),
                basis=Basis(entry["basis"]),
                source=str(entry.get("source", "")),
            )
        except (KeyError, ValueError, TypeError) as error:
            raise InvalidRules(f"rule {entry.get('name', '?')!r}: {error}") from error
        if rule.norm <= 0 or not rule.closes or rule.start in rule.closes:
            raise InvalidRules(f"rule {rule.name!r}: a positive norm and other closing events")
        rules.append(rule)
    names = [rule.name for rule in rules]
    if len(set(names)) != len(names):
        raise InvalidRules("every rule has its own name")
    return tuple(rules)


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_werkdag(day: date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def add_werkdagen(moment: datetime, werkdagen: int) -> datetime:
    """The same wall-clock time (Amsterdam) on the `werkdagen`-th working day after `moment`."""
    local = moment.astimezone(AMSTERDAM)
    day, left = local.date(), werkdagen
    while left:
        day += timedelta(days=1)
        if is_werkdag(day):
            left -= 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), AMSTERDAM)


def deadline(started_at: datetime, norm: int, unit: Unit) -> datetime:
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


def stages_of(
    case_id: UUID, events: Iterable[tuple[str, datetime]], rules: Iterable[Rule]
) -> list[Stage]:
    """The stages of a case from its events (short type, occurred_at) in any order."""
    held = list(events)
    found = []
    for rule in rules:
        starts = [at for kind, at in held if kind == rule.start]
        if not starts:
            continue
        started_at = min(starts)
        closings = [at for kind, at in held if kind in rule.closes and at >= started_at]
        found.append(
            Stage(
                case_id=case_id,
                rule=rule.name,
                started_at=started_at,
                deadline_at=rule.deadline(started_at),
                closed_at=min(closings) if closings else None,
            )
        )
    return found


def open_stages(
    case_id: UUID, events: Iterable[tuple[str, datetime]], rules: Iterable[Rule], clock: Clock
) -> list[tuple[Stage, bool]]:
    """The open stages of a case, each with whether its deadline has passed on the clock."""
    now = clock.now()
    return [(s, s.is_overdue(now)) for s in stages_of(case_id, events, rules) if s.is_open]


def alert_id(case_id: UUID, rule: str) -> UUID:
    """One alert per case and rule, whoever raises it and however often."""
    return uuid5(_ALERT_ID_NAMESPACE, f"{case_id}/{rule}")
