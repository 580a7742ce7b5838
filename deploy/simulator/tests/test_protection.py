"""The gedwongen kader route of the simulated cases: it keeps toegang's rules, comes before the
referral it leads to, and has DOMAIN.md's lead times, some over the norm."""

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from statistics import median
from uuid import UUID

from deploy.simulator.tests.test_model import END, long_run, of_type
from jeugdketen_shared.contracts import toegang
from jeugdketen_shared.contracts.base import InboundMessage
from jeugdketen_shared.permissions import PartnerKind
from jeugdketen_shared.vocabulary import (
    MeasureEndReason,
    OnderzoekOutcome,
    ProtectionMeasure,
    RvdkAdvice,
    SafetyOutcome,
)
from simulator.model import Scenario, plan_messages
from simulator.partners import Twente
from simulator.plan import Outcome, PlannedMessage
from toegang.protection import ProtectionRoute, existing_route, open_route, route_id

ROUTE = (
    toegang.VeiligThuisMeldingReport,
    toegang.SafetyAssessmentReport,
    toegang.VeiligThuisOnderzoekStartReport,
    toegang.VeiligThuisOnderzoekConclusionReport,
    toegang.RvdkInvestigationRequest,
    toegang.RvdkInvestigationStartReport,
    toegang.RvdkInvestigationCompletionReport,
    toegang.ProtectionMeasureImpositionReport,
    toegang.ProtectionMeasureExtensionReport,
    toegang.ProtectionMeasureEndReportV2,
    toegang.GiAssignmentReport,
)


def occurred(message: PlannedMessage) -> datetime:
    return datetime.fromisoformat(message.occurred_at)


def first_of(contract: type[InboundMessage]) -> dict[UUID | None, PlannedMessage]:
    firsts: dict[UUID | None, PlannedMessage] = {}
    for message in of_type(contract):
        firsts.setdefault(message.case_id, message)
    return firsts


def days_between(earlier: type[InboundMessage], later: type[InboundMessage]) -> list[float]:
    starts = first_of(earlier)
    return [
        (occurred(m) - occurred(starts[case])) / timedelta(days=1)
        for case, m in first_of(later).items()
        if case in starts
    ]


def apply(route: ProtectionRoute | None, message: PlannedMessage) -> ProtectionRoute:
    """What toegang's application does with a route message, through toegang's own domain."""
    data = message.data
    at, cause = occurred(message), str(message.id)
    match message.type:
        case toegang.VeiligThuisMeldingReport.cloudevent_type:
            route = open_route(route, **_youth(message), occurred_at=at)
            route.receive_melding(at, cause)
        case toegang.RvdkInvestigationRequest.cloudevent_type:
            route = open_route(route, **_youth(message), occurred_at=at)
            route.request_investigation(at, cause)
        case toegang.SafetyAssessmentReport.cloudevent_type:
            existing_route(route).assess_safety(SafetyOutcome(data["outcome"]), at, cause)
        case toegang.VeiligThuisOnderzoekStartReport.cloudevent_type:
            existing_route(route).start_onderzoek(at, cause)
        case toegang.VeiligThuisOnderzoekConclusionReport.cloudevent_type:
            existing_route(route).conclude_onderzoek(OnderzoekOutcome(data["outcome"]), at, cause)
        case toegang.RvdkInvestigationStartReport.cloudevent_type:
            existing_route(route).start_investigation(at, cause)
        case toegang.RvdkInvestigationCompletionReport.cloudevent_type:
            existing_route(route).complete_investigation(RvdkAdvice(data["advice"]), at, cause)
        case toegang.ProtectionMeasureImpositionReport.cloudevent_type:
            existing_route(route).impose_measure(ProtectionMeasure(data["measure"]), at, cause)
        case toegang.ProtectionMeasureExtensionReport.cloudevent_type:
            existing_route(route).extend_ots(at, cause)
        case toegang.ProtectionMeasureEndReportV2.cloudevent_type:
            existing_route(route).end_measure(
                ProtectionMeasure(data["measure"]), MeasureEndReason(data["reason"]), at, cause
            )
        case toegang.GiAssignmentReport.cloudevent_type:
            existing_route(route).assign_gi(data["gi"], at, cause)
    return existing_route(route)


def _youth(message: PlannedMessage) -> dict[str, object]:
    bsn = message.data.get("bsn")
    return {
        "case_id": message.case_id,
        "youth_pseudonym": f"pseudonym-of-{bsn}" if bsn else None,
        "gemeente_code": message.data.get("gemeente_code"),
    }


def test_every_route_message_keeps_toegangs_rules_in_the_order_it_is_sent() -> None:
    types = {contract.cloudevent_type for contract in ROUTE}
    routes: dict[UUID | None, ProtectionRoute] = {}
    applied = Counter[str]()
    for message in sorted(long_run(), key=lambda m: m.at):  # the plan's order, as sent
        if message.type in types and message.intended.outcome is Outcome.ACCEPTED:
            routes[message.case_id] = apply(routes.get(message.case_id), message)
            applied[message.type] += 1
    # an OTS is extended after its first year: past a one-year run (the two-year test below)
    assert set(applied) == types - {toegang.ProtectionMeasureExtensionReport.cloudevent_type}
    for route in routes.values():
        assert route_id(route.case_id) == route.id


def test_a_gemeente_asks_the_raad_only_about_its_own_residents() -> None:
    residence = {m.case_id: m.data["gemeente_code"] for m in of_type(toegang.ReferralSubmission)}
    requests = of_type(toegang.RvdkInvestigationRequest)
    by_gemeente = [m for m in requests if m.partner.kind is PartnerKind.GEMEENTE]
    assert by_gemeente
    assert all(m.partner.gemeente_code == residence[m.case_id] for m in by_gemeente)
    assert {m.partner.kind for m in requests} == {
        PartnerKind.VEILIG_THUIS,
        PartnerKind.GEMEENTE,
        PartnerKind.GECERTIFICEERDE_INSTELLING,
    }


def test_most_referrals_under_a_measure_follow_a_route_opened_before_them() -> None:
    referrals = first_of(toegang.ReferralSubmission)
    openers = {
        **first_of(toegang.RvdkInvestigationRequest),
        **first_of(toegang.VeiligThuisMeldingReport),
    }
    gedwongen = [m for m in referrals.values() if m.data["kader"] == "gedwongen"]
    routed = [m for m in gedwongen if m.case_id in openers]
    assert 0.5 < len(routed) / len(gedwongen) < 0.85
    # a melding or request that opens a route comes before the referral it leads to
    assert all(occurred(openers[m.case_id]) <= occurred(m) for m in routed)
    by_verwijzer = Counter(m.data["verwijzer"] for m in routed)
    assert {
        "veilig-thuis",
        "gecertificeerde-instelling",
        "raad-voor-de-kinderbescherming",
        "rechter",
    } <= set(by_verwijzer)
    # Veilig Thuis also refers in the vrijwillig kader after its melding
    voluntary = [m for m in referrals.values() if m.data["verwijzer"] == "veilig-thuis"]
    assert any(m.data["kader"] == "vrijwillig" and m.case_id in openers for m in voluntary)


def test_the_first_route_message_in_the_period_names_the_youth_and_the_rest_do_not() -> None:
    named: dict[UUID | None, bool] = {}
    openers = (toegang.VeiligThuisMeldingReport, toegang.RvdkInvestigationRequest)
    for message in sorted(long_run(), key=lambda m: m.at):
        if message.intended.outcome is not Outcome.ACCEPTED:
            continue
        if message.type in {opener.cloudevent_type for opener in openers}:
            assert ("bsn" in message.data) is (message.case_id not in named)
            named[message.case_id] = True


def test_the_safety_assessment_takes_about_5_werkdagen_some_longer() -> None:
    days = days_between(toegang.VeiligThuisMeldingReport, toegang.SafetyAssessmentReport)
    assert 4 < median(days) < 6
    over = sum(d > 7 for d in days) / len(days)  # 5 werkdagen: a week
    assert 0.1 < over < 0.4


def test_veilig_thuis_investigates_about_8_weeks_a_quarter_over_its_norm_of_10() -> None:
    assessments = first_of(toegang.SafetyAssessmentReport)
    started = first_of(toegang.VeiligThuisOnderzoekStartReport)
    assert 0.4 < len(started) / len(assessments) < 0.8
    lasts = days_between(
        toegang.VeiligThuisOnderzoekStartReport, toegang.VeiligThuisOnderzoekConclusionReport
    )
    assert 45 < median(lasts) < 65
    assert 0.15 < sum(d > 70 for d in lasts) / len(lasts) < 0.4
    conclusions = of_type(toegang.VeiligThuisOnderzoekConclusionReport)
    assert {m.partner.kind for m in conclusions} == {PartnerKind.VEILIG_THUIS}
    assert {m.data["outcome"] for m in conclusions} == {o.value for o in OnderzoekOutcome}
    # an onderzoek that ends in a request to the Raad: Veilig Thuis's own request follows it
    requests = first_of(toegang.RvdkInvestigationRequest)
    for conclusion in conclusions:
        if conclusion.data["outcome"] == OnderzoekOutcome.VERZOEK_RVDK:
            request = requests[conclusion.case_id]
            assert request.partner.kind is PartnerKind.VEILIG_THUIS
            assert occurred(request) == occurred(conclusion)


def test_the_raad_starts_in_about_10_days_some_far_later_and_advises_after_about_42_werkdagen() -> (
    None
):
    waits = days_between(toegang.RvdkInvestigationRequest, toegang.RvdkInvestigationStartReport)
    assert 8 < median(waits) < 13
    assert sum(w > 30 for w in waits) / len(waits) > 0.04
    assert sum(waits) / len(waits) > 12
    lasts = days_between(
        toegang.RvdkInvestigationStartReport, toegang.RvdkInvestigationCompletionReport
    )
    assert 50 < median(lasts) < 65  # 42 werkdagen is about 59 days
    advices = Counter(m.data["advice"] for m in of_type(toegang.RvdkInvestigationCompletionReport))
    assert advices["maatregel"] > advices["geen-maatregel"] > 0


def test_a_voorlopige_ots_is_followed_up_ends_or_lapses_in_3_months_and_a_gi_takes_it_on() -> None:
    imposed: dict[UUID | None, list[PlannedMessage]] = defaultdict(list)
    for m in of_type(toegang.ProtectionMeasureImpositionReport):
        imposed[m.case_id].append(m)
    ended = first_of(toegang.ProtectionMeasureEndReportV2)
    followed_up = lapsed = 0
    within = timedelta(days=92)
    for case, measures in imposed.items():
        if measures[0].data["measure"] != "voorlopige-ots":
            continue
        then = [m for m in (*measures[1:], ended.get(case)) if m is not None]
        if then and occurred(min(then, key=occurred)) - occurred(measures[0]) < within:
            followed_up += measures[1:2] == [min(then, key=occurred)]
        else:
            lapsed += 1  # toegang's clock records that it expired; a later OTS is a new one
    assert followed_up > 0
    assert lapsed > 0
    assert Counter(m.data["measure"] for ms in imposed.values() for m in ms)["ots"] > followed_up
    assert ended  # some measures end within the period
    assignments = of_type(toegang.GiAssignmentReport)
    assert {m.partner.id for m in assignments} == {"jeugdbescherming-overijssel"}
    assert all(m.data["gi"] == m.partner.provider for m in assignments)
    # a GI takes on every measure, but one imposed in the period's last weeks maybe after it
    assigned = set(first_of(toegang.GiAssignmentReport))
    assert assigned <= set(imposed)
    assert {c for c, ms in imposed.items() if ms[0].at < END - timedelta(days=30)} <= assigned
    assert all(m.at <= END for m in assignments)


def test_over_two_years_an_ots_is_extended_before_its_year_runs_out() -> None:
    scenario = Scenario(seed=11, cases=1500, period=timedelta(days=730), end=END)
    messages = plan_messages(scenario, Twente.load())
    routes: dict[UUID | None, ProtectionRoute] = {}
    extended = 0
    for message in sorted(messages, key=occurred):
        if message.type not in {c.cloudevent_type for c in ROUTE} or (
            message.intended.outcome is not Outcome.ACCEPTED
        ):
            continue
        route = apply(routes.get(message.case_id), message)  # toegang's rules hold
        routes[message.case_id] = route
        extended += message.type == toegang.ProtectionMeasureExtensionReport.cloudevent_type
    assert extended > 0


def test_a_voluntary_case_may_come_under_a_measure_weeks_after_its_referral() -> None:
    """Its kader then changes: gedwongen while the measure runs, vrijwillig before and after."""
    voluntary = {
        m.case_id: occurred(m)
        for m in of_type(toegang.ReferralSubmission)
        if m.data["kader"] == "vrijwillig"
    }
    imposed = {
        case: occurred(m)
        for case, m in first_of(toegang.ProtectionMeasureImpositionReport).items()
        if case in voluntary and occurred(m) > voluntary[case]
    }
    assert 20 < len(imposed) < 0.05 * len(voluntary)
    ended = {
        m.case_id for m in of_type(toegang.ProtectionMeasureEndReportV2) if m.case_id in imposed
    }
    assert ended  # and some of them back in the vrijwillig kader within the year
