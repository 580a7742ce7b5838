"""Stagnation rules: deadlines in dagen, werkdagen (Dutch holidays) and weken; open stages."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from jeugdketen_shared.clock import ControllableClock
from ketenmonitor.alerts.rules import (
    Basis,
    CaseEvent,
    InvalidRules,
    Kind,
    Rule,
    Stage,
    Unit,
    add_months,
    add_werkdagen,
    alert_id,
    deadline,
    eighteenth_birthday,
    load_rules,
    open_stages,
    parse_rules,
    stages_of,
    stepping_stones_of,
)
from ketenmonitor.figures.placements import Move, PlacementEvent

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
    onderzoek = rules["veilig-thuis-onderzoek-over-norm"]
    assert (onderzoek.norm, onderzoek.unit, onderzoek.basis) == (10, Unit.WEKEN, Basis.NORM)
    rvdk = rules["rvdk-request-to-rvdk-start"]
    assert (rvdk.norm, rvdk.unit, rvdk.basis) == (10, Unit.DAGEN, Basis.NORM)
    # 42 werkdagen are unconfirmed (DOMAIN.md): a choice until the werkgroep confirms them
    advice = rules["rvdk-start-to-advice"]
    assert (advice.norm, advice.unit, advice.basis) == (42, Unit.WERKDAGEN, Basis.KEUZE)
    assert "keuze" in advice.source
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


# --- condition rules: stepping stones and 18-/18+ ---------------------------------------------

TRANSFERRED = "plaatsing.transferred"
STARTED = "plaatsing.placement-started"
ENDED = "plaatsing.placement-ended"
PLAN = "plaatsing.continuity-plan-recorded"
TURNED = "plaatsing.turned-eighteen"


def rule_named(name: str) -> list[Rule]:
    return [rule for rule in load_rules() if rule.name == name]


def test_the_condition_rules_are_the_regions_choices_from_the_domain() -> None:
    rules = {rule.name: rule for rule in load_rules()}
    stepping = rules["stepping-stone"]
    assert (stepping.kind, stepping.threshold, stepping.window_months, stepping.basis) == (
        Kind.STEPPING_STONE,
        3,
        12,
        Basis.KEUZE,
    )
    assert "DOMAIN.md" in stepping.source
    eighteen = rules["turning-eighteen-without-continuity-plan"]
    assert (eighteen.kind, eighteen.months_before, eighteen.basis) == (
        Kind.TURNING_EIGHTEEN,
        6,
        Basis.KEUZE,
    )
    assert eighteen.closes == {PLAN, ENDED, TURNED}
    assert "DOMAIN.md" in eighteen.source


def test_condition_rules_need_their_own_keys() -> None:
    stepping = {
        "name": "s",
        "kind": "stepping-stone",
        "title": "S",
        "threshold": 3,
        "window_months": 12,
        "severity": "midden",
        "basis": "keuze",
    }
    assert parse_rules({"rule": [stepping]})[0].threshold == 3
    # moves open a stepping stone and the end of the youth's care closes it: no events of its own
    for broken in (
        {"threshold": 0},
        {"window_months": 0},
        {"kind": "anders"},
        {"start": TRANSFERRED},
        {"closes": [ENDED]},
    ):
        with pytest.raises(InvalidRules):
            parse_rules({"rule": [stepping | broken]})
    with pytest.raises(InvalidRules):
        parse_rules({"rule": [{k: v for k, v in stepping.items() if k != "threshold"}]})


def test_months_keep_the_day_or_take_the_months_last() -> None:
    assert add_months(date(2026, 3, 1), -6) == date(2025, 9, 1)
    assert add_months(date(2026, 8, 31), -6) == date(2026, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
    assert eighteenth_birthday("2027-03") == at(2027, 3, 1)
    assert eighteenth_birthday("maart") is None


def moves_in(case: UUID, *moments: datetime) -> list[Move]:
    return [Move(case, moment) for moment in moments]


def placed(case: UUID, began: datetime, ended: datetime | None = None) -> list[PlacementEvent]:
    events = [PlacementEvent(case, "plaatsing.placement-started", began)]
    return events + ([PlacementEvent(case, "plaatsing.placement-ended", ended)] if ended else [])


def test_a_third_move_within_twelve_months_is_due_at_once_on_its_case() -> None:
    rules = rule_named("stepping-stone")
    first_case, second_case = uuid4(), uuid4()
    first, second, third = at(2025, 1, 10, 9), at(2025, 6, 1, 9), at(2026, 1, 10, 9)
    # a transfer in the first case; then care ended and began again in a second case (a move,
    # as the figure counts it), where the third move is a transfer
    care = [*placed(first_case, at(2024, 6, 1), at(2025, 5, 1)), *placed(second_case, second)]
    two = [*moves_in(first_case, first), *moves_in(second_case, second)]
    assert stepping_stones_of(two, care, rules) == []  # two moves flag nothing
    moves = [*two, *moves_in(second_case, third)]
    [stage] = stepping_stones_of(reversed(moves), reversed(care), rules)
    assert stage == Stage(second_case, "stepping-stone", third, third, None)
    assert not stage.is_overdue(third - timedelta(seconds=1))
    assert stage.is_overdue(third)
    # a fourth move changes nothing: the stage (and its one alert) stays the third's
    [stage] = stepping_stones_of([*moves, *moves_in(second_case, at(2026, 2, 1))], care, rules)
    assert stage.started_at == third
    # the case rules leave the youth's moves alone
    assert stages_of(second_case, [(TRANSFERRED, t) for t in (first, second, third)], rules) == []


def test_moves_spread_over_more_than_twelve_months_flag_nothing_until_they_crowd() -> None:
    rules = rule_named("stepping-stone")
    case = uuid4()
    care = placed(case, at(2023, 1, 1))
    spread = [at(2024, 1, 1), at(2024, 9, 1), at(2025, 3, 1)]  # 14 months from first to third
    assert stepping_stones_of(moves_in(case, *spread), care, rules) == []
    # a fourth within 12 months of the second and third: the second window holds three
    crowded = [*spread, at(2025, 8, 1)]
    [stage] = stepping_stones_of(moves_in(case, *crowded), care, rules)
    assert stage.started_at == at(2025, 8, 1)
    # a late move that occurred earlier moves the start to the moment three first crowded
    [stage] = stepping_stones_of(moves_in(case, *crowded, at(2024, 5, 1)), care, rules)
    assert stage.started_at == at(2024, 9, 1)


def test_a_stepping_stone_closes_when_the_youth_has_no_open_placement_left() -> None:
    rules = rule_named("stepping-stone")
    first_case, second_case = uuid4(), uuid4()
    moves = moves_in(second_case, *(at(2025, m, 1) for m in (2, 4, 6)))
    # the first case ends after the third move while the second runs on: still open
    care = [
        *placed(first_case, at(2024, 1, 1), at(2025, 7, 1)),
        *placed(second_case, at(2025, 1, 1)),
    ]
    [stage] = stepping_stones_of(moves, care, rules)
    assert stage.is_open
    # the second ends too: closed then, whatever the order of arrival
    ended = PlacementEvent(second_case, ENDED, at(2025, 9, 1))
    for events in ([*care, ended], [ended, *reversed(care)]):
        [stage] = stepping_stones_of(moves, events, rules)
        assert stage.closed_at == at(2025, 9, 1)
    # care that ended before the third move (event time) does not close it
    early = [*placed(second_case, at(2025, 1, 1), at(2025, 5, 1))]
    [stage] = stepping_stones_of(moves, early, rules)
    assert stage.is_open


def test_eighteen_without_a_plan_is_due_six_months_before_the_birthday_month() -> None:
    rules = rule_named("turning-eighteen-without-continuity-plan")
    case = uuid4()
    started = at(2025, 2, 3, 14)
    clock = ControllableClock(at(2026, 8, 31, 23, 59, 59))
    events = [(STARTED, started, "2027-03")]
    [(stage, overdue)] = open_stages(case, events, rules, clock)
    assert (stage.started_at, stage.deadline_at) == (started, at(2026, 9, 1))
    assert not overdue
    clock.advance(timedelta(seconds=1))
    [(stage, overdue)] = open_stages(case, events, rules, clock)
    assert overdue
    # a placement that starts within the six months is due at once
    [stage] = stages_of(case, [(STARTED, at(2026, 12, 1), "2027-03")], rules)
    assert stage.deadline_at < stage.started_at
    # no birthday named, or a youth already 18 when care started: no stage
    assert stages_of(case, [(STARTED, started, None), (STARTED, started)], rules) == []
    assert stages_of(case, [(STARTED, at(2027, 3, 1), "2027-03")], rules) == []


@pytest.mark.parametrize("closing", [PLAN, ENDED, TURNED])
def test_a_plan_the_end_of_care_or_the_birthday_closes_the_eighteen_stage(closing: str) -> None:
    rules = rule_named("turning-eighteen-without-continuity-plan")
    case = uuid4()
    started, closed = at(2025, 2, 3), at(2026, 10, 1)
    for events in (
        [(STARTED, started, "2027-03"), (closing, closed)],
        [(closing, closed), (STARTED, started, "2027-03")],
    ):
        [stage] = stages_of(case, events, rules)
        assert stage.closed_at == closed
        assert not stage.is_overdue(at(2027, 1, 1))


# --- the chain's other stages: triage, the RET, the GI --------------------------------------

OPENED_FOR_TRIAGE = "triage.case-opened-for-triage"
TRIAGE_DECIDED = "triage.triage-decided"
ESCALATED = "triage.escalated-to-ret"
RET_ADVICE = "triage.ret-advice-given"
IMPOSED = "toegang.protection-measure-imposed"
GI_ASSIGNED = "toegang.gi-assigned"
MEASURE_ENDED = "toegang.protection-measure-ended"
VOORLOPIGE_EXPIRED = "toegang.voorlopige-ots-expired"


@pytest.mark.parametrize(
    ("name", "start", "started", "due", "closings"),
    [
        # Thursday 24 April 2025 10:00: 25, 28, 29 April, (Koningsdag 26 April is a Saturday
        # in 2025) 30 April, 1 May: 5 werkdagen
        (
            "toegang-decision-to-triage-decision",
            OPENED_FOR_TRIAGE,
            at(2025, 4, 24, 10),
            at(2025, 5, 1, 10),
            [TRIAGE_DECIDED, ESCALATED],
        ),
        (
            "ret-escalation-to-ret-advice",
            ESCALATED,
            at(2025, 3, 3, 9),
            at(2025, 3, 31, 9),
            [RET_ADVICE],
        ),
        # Friday 25 April 2025 (Koningsdag moved to Saturday 26 April): 28, 29, 30 April, 1, 2 May
        (
            "measure-to-gi-assignment",
            IMPOSED,
            at(2025, 4, 25, 11),
            at(2025, 5, 2, 11),
            [GI_ASSIGNED, MEASURE_ENDED, VOORLOPIGE_EXPIRED],
        ),
    ],
)
def test_the_chains_other_stages_are_due_at_their_norm_and_close_when_the_case_moves_on(
    name: str, start: str, started: datetime, due: datetime, closings: list[str]
) -> None:
    rules = rule_named(name)
    [rule] = rules
    assert rule.basis is Basis.KEUZE  # none of them is a public norm (DOMAIN.md)
    case = uuid4()
    clock = ControllableClock(due - timedelta(seconds=1))
    [(stage, overdue)] = open_stages(case, [(start, started)], rules, clock)
    assert (stage.started_at, stage.deadline_at, overdue) == (started, due, False)
    clock.advance(timedelta(seconds=1))
    [(_, overdue)] = open_stages(case, [(start, started)], rules, clock)
    assert overdue
    for closing in closings:
        moved_on = due + timedelta(days=1)
        [stage] = stages_of(case, [(closing, moved_on), (start, started)], rules)
        assert stage.closed_at == moved_on
        assert open_stages(case, [(start, started), (closing, moved_on)], rules, clock) == []


# --- the terms of measures: voorlopige OTS and OTS ------------------------------------------

EXTENDED = "toegang.protection-measure-extended"


def imposed(
    moment: datetime, measure: str, runs_until: datetime | None, previous: str | None = None
) -> CaseEvent:
    return CaseEvent(IMPOSED, moment, None, measure, previous, runs_until)


def extended(moment: datetime, runs_until: datetime) -> CaseEvent:
    return CaseEvent(EXTENDED, moment, None, "ots", None, runs_until)


def measure_ended(moment: datetime, measure: str) -> CaseEvent:
    return CaseEvent(MEASURE_ENDED, moment, None, measure)


def test_the_measure_terms_are_the_regions_choices_before_the_legal_terms() -> None:
    rules = {rule.name: rule for rule in load_rules()}
    voorlopige, ots = rules["voorlopige-ots-term"], rules["ots-term"]
    assert (voorlopige.kind, voorlopige.measure, voorlopige.norm, voorlopige.unit) == (
        Kind.MEASURE_TERM,
        "voorlopige-ots",
        2,
        Unit.WEKEN,
    )
    assert (ots.kind, ots.measure, ots.norm, ots.unit) == (Kind.MEASURE_TERM, "ots", 4, Unit.WEKEN)
    for rule in (voorlopige, ots):
        assert rule.basis is Basis.KEUZE
        assert "BW 1:25" in rule.source
    assert voorlopige.norm_text == "2 weken voor het einde van de termijn"


def test_a_measure_term_rule_names_a_measure_and_nothing_that_opens_or_closes_it() -> None:
    term = {
        "name": "t",
        "kind": "measure-term",
        "title": "T",
        "measure": "ots",
        "norm": 4,
        "unit": "weken",
        "severity": "midden",
        "basis": "keuze",
    }
    assert parse_rules({"rule": [term]})[0].measure == "ots"
    for broken in ({"measure": "ondertoezicht"}, {"norm": 0}, {"start": IMPOSED}, {"closes": []}):
        with pytest.raises(InvalidRules):
            parse_rules({"rule": [term | broken]})
    with pytest.raises(InvalidRules):
        parse_rules({"rule": [{k: v for k, v in term.items() if k != "measure"}]})


def test_a_voorlopige_ots_is_due_two_weeks_before_its_term_and_closes_at_its_follow_up() -> None:
    rules = rule_named("voorlopige-ots-term")
    case = uuid4()
    start, runs_until = at(2025, 3, 10, 14), at(2025, 6, 10)
    events = [imposed(start, "voorlopige-ots", runs_until)]
    clock = ControllableClock(at(2025, 5, 27) - timedelta(seconds=1))
    [(stage, overdue)] = open_stages(case, events, rules, clock)
    assert (stage.started_at, stage.deadline_at, overdue) == (start, at(2025, 5, 27), False)
    clock.advance(timedelta(seconds=1))
    [(_, overdue)] = open_stages(case, events, rules, clock)
    assert overdue
    # an OTS follows it up, or it ends: closed, whatever the order of arrival
    follow_up = imposed(at(2025, 6, 2), "ots", at(2026, 6, 2), previous="voorlopige-ots")
    for moved_on in (follow_up, measure_ended(at(2025, 6, 2), "voorlopige-ots")):
        [stage] = stages_of(case, [moved_on, *events], rules)
        assert stage.closed_at == at(2025, 6, 2)
    # its lapse closes nothing (the alert stays for the werkgroep), nor does another measure
    lapsed = [
        *events,
        CaseEvent(VOORLOPIGE_EXPIRED, runs_until),
        imposed(at(2025, 4, 1), "jeugdreclassering", None),
        measure_ended(at(2025, 5, 1), "jeugdreclassering"),
    ]
    [stage] = stages_of(case, lapsed, rules)
    assert stage.is_open
    # an OTS alone opens no voorlopige OTS stage
    assert stages_of(case, [imposed(start, "ots", at(2026, 3, 10))], rules) == []


def test_an_ots_is_watched_year_by_year_until_one_is_not_extended_in_time() -> None:
    rules = rule_named("ots-term")
    case = uuid4()
    start = at(2024, 1, 15, 9)
    first = imposed(start, "ots", at(2025, 1, 15))
    # 4 weeks before the end of the first year
    [stage] = stages_of(case, [first], rules)
    assert (stage.started_at, stage.deadline_at, stage.closed_at) == (start, at(2024, 12, 18), None)
    # extended in time: the second year is watched from the extension on
    in_time = extended(at(2024, 11, 1), at(2026, 1, 15))
    [stage] = stages_of(case, [in_time, first], rules)
    assert (stage.started_at, stage.deadline_at, stage.closed_at) == (
        at(2024, 11, 1),
        at(2025, 12, 18),
        None,
    )
    clock = ControllableClock(at(2025, 12, 18) - timedelta(seconds=1))
    assert [overdue for _, overdue in open_stages(case, [first, in_time], rules, clock)] == [False]
    clock.advance(timedelta(seconds=1))
    assert [overdue for _, overdue in open_stages(case, [first, in_time], rules, clock)] == [True]
    # the end of the measure closes the second year's stage
    ended_late = measure_ended(at(2026, 1, 5), "ots")
    [stage] = stages_of(case, [first, in_time, ended_late], rules)
    assert stage.closed_at == at(2026, 1, 5)
    # extended late: the first year was the stage, closed by the extension (one alert per case)
    late = extended(at(2025, 1, 2), at(2026, 1, 15))
    [stage] = stages_of(case, [first, late, ended_late], rules)
    assert (stage.started_at, stage.closed_at) == (start, at(2025, 1, 2))
    # ended in time: the last term, closed
    [stage] = stages_of(case, [first, measure_ended(at(2024, 6, 1), "ots")], rules)
    assert (stage.started_at, stage.closed_at) == (start, at(2024, 6, 1))
    # an OTS followed up by voogdij is closed too; one without a term (none recorded) opens none
    voogdij = imposed(at(2024, 12, 20), "voogdij", None, previous="ots")
    [stage] = stages_of(case, [first, voogdij], rules)
    assert stage.closed_at == at(2024, 12, 20)
    assert stages_of(case, [imposed(start, "ots", None)], rules) == []


def test_werkdagen_count_back_as_well() -> None:
    # Tuesday 6 May 2025: back over the weekend and Bevrijdingsdag (5 May, a holiday in 2025)
    assert add_werkdagen(at(2025, 5, 6, 10), -2) == at(2025, 5, 1, 10)
    assert deadline(at(2025, 6, 10), -2, Unit.WEKEN) == at(2025, 5, 27)


def test_case_events_read_the_measure_from_the_events_data() -> None:
    event = CaseEvent.of(
        IMPOSED,
        at(2025, 3, 10),
        {
            "measure": "ots",
            "previous_measure": "voorlopige-ots",
            "runs_until": "2026-03-10T00:00:00+01:00",
        },
    )
    assert (event.measure, event.previous_measure, event.runs_until) == (
        "ots",
        "voorlopige-ots",
        at(2026, 3, 10),
    )
    assert CaseEvent.of(IMPOSED, at(2025, 3, 10), {"measure": "voogdij"}).runs_until is None


def test_the_readme_lists_every_rule_with_its_basis() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    listed = {
        cells[0].strip("` "): cells[3].strip()
        for line in readme.splitlines()
        if line.startswith("| `")
        and len(cells := [cell.strip() for cell in line.strip("|").split("|")]) == 5
    }
    assert listed == {rule.name: rule.basis.value for rule in load_rules()}
