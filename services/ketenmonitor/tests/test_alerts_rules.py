"""Stagnation rules: deadlines in dagen, werkdagen (Dutch holidays) and weken; open stages."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from jeugdketen_shared.clock import ControllableClock
from ketenmonitor.alerts import (
    Basis,
    InvalidRules,
    Unit,
    add_werkdagen,
    alert_id,
    deadline,
    load_rules,
    open_stages,
    parse_rules,
    stages_of,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMSTERDAM)  # type: ignore[misc]


def test_werkdagen_skip_weekends() -> None:
    # Friday 7 March 2025 10:00 → five working days → Friday 14 March 10:00
    assert add_werkdagen(at(2025, 3, 7, 10), 5) == at(2025, 3, 14, 10)


def test_werkdagen_skip_dutch_public_holidays() -> None:
    # Tuesday 23 December: 24, (25, 26 Kerst), 29, 30, 31, (1 January), 2 January
    assert add_werkdagen(at(2025, 12, 23, 10), 5) == at(2026, 1, 2, 10)
    # Koningsdag 2026 is Monday 27 April: Friday 24 April → 28, 29, 30 April, 1 and 4 May
    assert add_werkdagen(at(2026, 4, 24, 9), 5) == at(2026, 5, 4, 9)


def test_deadlines_keep_the_wall_clock_time_across_summer_time() -> None:
    start = at(2025, 3, 25, 10)  # CET; 30 March the clocks go forward
    assert deadline(start, 10, Unit.DAGEN) == at(2025, 4, 4, 10)
    assert deadline(start, 10, Unit.DAGEN).astimezone(UTC) - start.astimezone(UTC) == timedelta(
        days=10, hours=-1
    )
    assert deadline(start, 4, Unit.WEKEN) == at(2025, 4, 22, 10)
    utc_start = datetime(2025, 1, 6, 23, 30, tzinfo=UTC)  # already the 7th in Amsterdam
    assert deadline(utc_start, 5, Unit.WERKDAGEN) == at(2025, 1, 14, 0, 30)


def test_the_default_rules_carry_the_norms_of_the_domain() -> None:
    rules = {rule.name: rule for rule in load_rules()}
    safety = rules["melding-to-safety-assessment"]
    assert (safety.norm, safety.unit, safety.basis) == (5, Unit.WERKDAGEN, Basis.NORM)
    rvdk = rules["rvdk-request-to-rvdk-start"]
    assert (rvdk.norm, rvdk.unit, rvdk.basis) == (10, Unit.DAGEN, Basis.NORM)
    treek = rules["referral-to-toegang-decision"]
    assert (treek.norm, treek.unit, treek.basis) == (4, Unit.WEKEN, Basis.KEUZE)
    wachttijd = rules["triage-decision-to-placement-start"]
    assert (wachttijd.norm, wachttijd.unit) == (10, Unit.WEKEN)


def test_invalid_rules_are_refused() -> None:
    rule = {
        "name": "x",
        "title": "X",
        "start": "a",
        "closes": ["b"],
        "norm": 5,
        "unit": "dagen",
        "severity": "hoog",
        "basis": "norm",
    }
    assert parse_rules({"rule": [rule]})[0].norm == 5
    with pytest.raises(InvalidRules):
        parse_rules({"rule": [rule | {"unit": "maanden"}]})
    with pytest.raises(InvalidRules):
        parse_rules({"rule": [rule | {"norm": 0}]})
    with pytest.raises(InvalidRules):
        parse_rules({"rule": [rule, rule]})


MELDING = "toegang.veilig-thuis-melding-received"
ASSESSED = "toegang.safety-assessed"


def test_an_open_stage_is_overdue_from_its_deadline_on_the_clock() -> None:
    rules = [r for r in load_rules() if r.name == "melding-to-safety-assessment"]
    case = uuid4()
    melding = at(2025, 3, 7, 10)
    clock = ControllableClock(at(2025, 3, 14, 9, 59, 59))
    [(stage, overdue)] = open_stages(case, [(MELDING, melding)], rules, clock)
    assert stage.deadline_at == at(2025, 3, 14, 10)
    assert not overdue
    clock.advance(timedelta(seconds=1))
    [(stage, overdue)] = open_stages(case, [(MELDING, melding)], rules, clock)
    assert overdue


def test_a_closing_event_closes_whatever_the_order_of_arrival() -> None:
    rules = load_rules()
    case = uuid4()
    melding, assessed = at(2025, 3, 7, 10), at(2025, 3, 10, 12)
    for events in (
        [(MELDING, melding), (ASSESSED, assessed)],
        [(ASSESSED, assessed), (MELDING, melding)],
    ):
        [stage] = stages_of(case, events, rules)
        assert stage.closed_at == assessed
        assert not stage.is_overdue(at(2026, 1, 1))
    # a closing event before the start by event time does not close it
    [stage] = stages_of(case, [(ASSESSED, melding - timedelta(days=1)), (MELDING, melding)], rules)
    assert stage.is_open
    # the first start counts, and events of no rule open nothing
    [stage] = stages_of(case, [(MELDING, melding), (MELDING, melding + timedelta(days=2))], rules)
    assert stage.started_at == melding
    assert stages_of(case, [("plaatsing.transferred", melding)], rules) == []


def test_one_alert_id_per_case_and_rule() -> None:
    case = uuid4()
    assert alert_id(case, "a") == alert_id(case, "a")
    assert alert_id(case, "a") != alert_id(case, "b")
    assert alert_id(case, "a") != alert_id(uuid4(), "a")
