"""The werkgroep's review pages, in Dutch: the alerts with filters (rule, gemeente, severity,
status, age) and the rules with their basis and source, and one alert with its rule's basis,
its pseudonymised case timeline, its audit history and the actions. The actions are forms that
`static/ketenmonitor.js` posts to the alerts API (`/v1/alerts/{id}/...`), so there is one
implementation of each."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from jeugdketen_shared.clock import Clock
from ketenmonitor.alerts.api import AlertFilters, AlertIndex, find_alerts, open_alert
from ketenmonitor.alerts.application import Alerts, UnknownAlert
from ketenmonitor.alerts.domain import ResolutionReason, Status
from ketenmonitor.alerts.rules import Basis, Rule, Severity
from ketenmonitor.facts import (
    CAPACITY_RECORDED,
    CASE_OPENED_FOR_TRIAGE,
    CONTINUITY_PLAN_RECORDED,
    ESCALATED_TO_RET,
    GI_ASSIGNED,
    PLACEMENT_ENDED,
    PLACEMENT_REQUEST_WITHDRAWN,
    PLACEMENT_REQUESTED,
    PLACEMENT_STARTED,
    PROTECTION_MEASURE_ENDED,
    PROTECTION_MEASURE_EXTENDED,
    PROTECTION_MEASURE_IMPOSED,
    REFERRAL_RECEIVED,
    REFERRAL_WITHDRAWN,
    RET_ADVICE_GIVEN,
    RVDK_INVESTIGATION_COMPLETED,
    RVDK_INVESTIGATION_REQUESTED,
    RVDK_INVESTIGATION_STARTED,
    SAFETY_ASSESSED,
    TOEGANG_DECIDED,
    TRANSFERRED,
    TRIAGE_DECIDED,
    TURNED_EIGHTEEN,
    VEILIG_THUIS_MELDING_RECEIVED,
    VEILIG_THUIS_ONDERZOEK_CONCLUDED,
    VEILIG_THUIS_ONDERZOEK_STARTED,
    VERKLARENDE_ANALYSE_COMPLETED,
    VOORLOPIGE_OTS_EXPIRED,
)
from ketenmonitor.web.audit import CaseReads
from ketenmonitor.web.auth import WerkgroepMember, werkgroep_member
from ketenmonitor.web.pages import Pages

PAGE_SIZE = 100

BASIS_LABELS = {
    Basis.NORM: "Norm",
    Basis.KEUZE: "Keuze van de regio, met de werkgroep te bevestigen",
}

STATUS_LABELS = {
    Status.OPEN: "Open",
    Status.IN_BEHANDELING: "In behandeling",
    Status.AFGEHANDELD: "Afgehandeld",
    Status.VANZELF_AFGEHANDELD: "Vanzelf afgehandeld",
}
ACTION_LABELS = {
    "raised": "Gesignaleerd",
    "acknowledged": "In behandeling genomen",
    "commented": "Opmerking",
    "assigned": "Toegewezen",
    "resolved": "Afgehandeld",
    "auto-resolved": "Vanzelf afgehandeld (fase gesloten)",
}
REASON_LABELS = {
    ResolutionReason.OPGEPAKT: "Opgepakt door de ketenpartners",
    ResolutionReason.ONTERECHT: "Onterecht signaal",
    ResolutionReason.GEGEVENS_ONJUIST: "Gegevens onjuist",
}

EVENT_LABELS = {
    REFERRAL_RECEIVED: "Aanmelding ontvangen",
    VERKLARENDE_ANALYSE_COMPLETED: "Verklarende analyse afgerond",
    TOEGANG_DECIDED: "Besluit toegang",
    REFERRAL_WITHDRAWN: "Aanmelding ingetrokken",
    VEILIG_THUIS_MELDING_RECEIVED: "Melding bij Veilig Thuis",
    SAFETY_ASSESSED: "Veiligheidsbeoordeling Veilig Thuis",
    VEILIG_THUIS_ONDERZOEK_STARTED: "Onderzoek Veilig Thuis gestart",
    VEILIG_THUIS_ONDERZOEK_CONCLUDED: "Onderzoek Veilig Thuis afgerond",
    RVDK_INVESTIGATION_REQUESTED: "Verzoek tot onderzoek Raad voor de Kinderbescherming",
    RVDK_INVESTIGATION_STARTED: "Onderzoek Raad voor de Kinderbescherming gestart",
    RVDK_INVESTIGATION_COMPLETED: "Onderzoek Raad voor de Kinderbescherming afgerond",
    PROTECTION_MEASURE_IMPOSED: "Kinderbeschermingsmaatregel opgelegd",
    PROTECTION_MEASURE_ENDED: "Kinderbeschermingsmaatregel beëindigd",
    PROTECTION_MEASURE_EXTENDED: "Ondertoezichtstelling verlengd door de rechter",
    VOORLOPIGE_OTS_EXPIRED: "Voorlopige ondertoezichtstelling verlopen zonder vervolg",
    GI_ASSIGNED: "Gecertificeerde instelling toegewezen",
    CASE_OPENED_FOR_TRIAGE: "Aangemeld bij de gezamenlijke triage",
    TRIAGE_DECIDED: "Besluit gezamenlijke triage",
    ESCALATED_TO_RET: "Opgeschaald naar het Regionaal Expertteam",
    RET_ADVICE_GIVEN: "Advies Regionaal Expertteam",
    PLACEMENT_REQUESTED: "Plaatsingsverzoek (wachtlijst)",
    PLACEMENT_REQUEST_WITHDRAWN: "Plaatsingsverzoek ingetrokken (van de wachtlijst)",
    PLACEMENT_STARTED: "Plaatsing gestart",
    TRANSFERRED: "Overgeplaatst",
    PLACEMENT_ENDED: "Zorg beëindigd",
    CONTINUITY_PLAN_RECORDED: "Continuïteitsplan na 18 vastgelegd",
    TURNED_EIGHTEEN: "18 jaar geworden",
    CAPACITY_RECORDED: "Capaciteit doorgegeven",
}
"""What each domain event on a case timeline is called in Dutch, by `<service>.<type>`."""


def _blank_as_none(value: str | None) -> str | None:
    return value if value and value.strip() else None


def create_werkgroep_router(
    alerts: Alerts,
    index: AlertIndex,
    rules: Sequence[Rule],
    partner_ids: Sequence[str],
    pages: Pages,
    clock: Clock,
    reads: CaseReads,
) -> APIRouter:
    """The pages; every one that shows alerts records its read (`reads`)."""
    router = APIRouter(
        prefix="/werkgroep", include_in_schema=False, dependencies=[Depends(werkgroep_member)]
    )
    labels = {
        "rules": {rule.name: rule.title for rule in rules},
        "rule_of": {rule.name: rule for rule in rules},
        "basis_labels": BASIS_LABELS,
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
        "reason_labels": REASON_LABELS,
        "event_labels": EVENT_LABELS,
        "severities": list(Severity),
    }

    @router.get("/signalen", response_class=HTMLResponse)
    async def signalen(
        request: Request,
        by: WerkgroepMember,
        regel: str | None = None,
        gemeente: str | None = None,
        ernst: str | None = None,
        status: Annotated[str | None, Query()] = "actief",
        ouder_dan: Annotated[str | None, Query(description="days since raised")] = None,
    ) -> HTMLResponse:
        age = _blank_as_none(ouder_dan)
        older_than = int(age) if age and age.isdigit() else None
        chosen = _blank_as_none(status)
        statuses: tuple[Status, ...] = ()
        if chosen == "actief":
            statuses = (Status.OPEN, Status.IN_BEHANDELING)
        elif chosen in set(Status):
            statuses = (Status(chosen),)
        severity = _blank_as_none(ernst)
        filters = AlertFilters(
            rule=_blank_as_none(regel),
            gemeente_code=_blank_as_none(gemeente),
            severity=severity if severity in set(Severity) else None,
            raised_before=(
                clock.now() - timedelta(days=older_than) if older_than is not None else None
            ),
        )
        total, found = await find_alerts(alerts, index, filters, statuses, PAGE_SIZE)
        await reads.record(request, by, [a.case_id for a in found], [a.id for a in found])
        chosen_filters = {
            "regel": filters.rule,
            "gemeente": filters.gemeente_code,
            "ernst": filters.severity,
            "status": chosen,
            "ouder_dan": older_than,
        }
        return pages.render(
            request,
            "signalen.html",
            {"alerts": found, "total": total, "chosen": chosen_filters, "now": clock.now()}
            | labels,
        )

    @router.get("/signalen/{alert_id}", response_class=HTMLResponse)
    async def signaal(request: Request, alert_id: UUID, by: WerkgroepMember) -> HTMLResponse:
        try:
            detail = await open_alert(alerts, index, alert_id)
        except UnknownAlert:
            message = {"title": "Signaal niet gevonden", "message": "Dit signaal bestaat niet."}
            return pages.render(request, "fout.html", message, status_code=404)
        await reads.record(request, by, [detail.case_id], [detail.id])
        return pages.render(
            request,
            "signaal.html",
            {"alert": detail, "partners": partner_ids, "reasons": list(ResolutionReason)} | labels,
        )

    return router
