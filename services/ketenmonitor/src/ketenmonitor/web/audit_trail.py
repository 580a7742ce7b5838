"""The audit trail, for the werkgroep: the case-level reads (`audit.py`) and the werkgroep's
actions on alerts (the alerts' own events) together, newest first, filtered by user, case and
period: `GET /v1/audit` and the Dutch page `/werkgroep/logboek`.

An entry holds identifiers only: who, when, the route or the action, the case and alert ids;
never a comment's text or a resolution's explanation. Reading the trail is itself a
case-level read and leaves a row, with the case it was filtered on (not every case id it
showed: those are in the log already, and copying them would make the log grow with its own
reading).
"""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from jeugdketen_shared.contracts.fields import AMSTERDAM
from ketenmonitor.alerts.api import (
    PROBLEMS,
    AlertFilters,
    AlertIndex,
    ApiProblem,
    ProblemRoute,
    find_alerts,
)
from ketenmonitor.alerts.application import Alerts
from ketenmonitor.web.audit import AuditLog, AuditQuery, CaseRead, CaseReads
from ketenmonitor.web.auth import WerkgroepMember, werkgroep_member
from ketenmonitor.web.dashboard import InvalidFilter
from ketenmonitor.web.pages import Pages, form_date
from ketenmonitor.web.werkgroep import ACTION_LABELS

ACTIONS = ("acknowledged", "commented", "assigned", "resolved")
"""The werkgroep's actions; raising and resolving by itself are the ketenmonitor's own."""
DEFAULT_LIMIT = 100
MAX_LIMIT = 500

READ_LABELS = {
    "/v1/alerts": "Signalen opgevraagd (API)",
    "/v1/alerts/{alert_id}": "Signaal met tijdlijn opgevraagd (API)",
    "/werkgroep/signalen": "Lijst van signalen bekeken",
    "/werkgroep/signalen/{alert_id}": "Signaal met tijdlijn bekeken",
    "/achttien": "Casussen bij 18-/18+ bekeken",
    "/v1/audit": "Logboek opgevraagd (API)",
    "/werkgroep/logboek": "Logboek bekeken",
}
"""The routes that record a read (tests check that every one of them does), in Dutch."""


class AuditEntry(BaseModel):
    """A read of case-level data, or an action of the werkgroep on an alert."""

    kind: Literal["read", "action"]
    at: datetime
    by: str = Field(description="The authenticated user")
    role: str | None = Field(description="The reader's role; null for an action (werkgroep)")
    what: str = Field(
        description="A read: the route's template; an action: acknowledged, commented, "
        "assigned or resolved"
    )
    case_ids: list[UUID]
    alert_ids: list[UUID]


class AppliedAuditFilters(BaseModel):
    user: str | None
    case: UUID | None
    from_: date | None = Field(serialization_alias="from")
    to: date | None


class AuditTrail(BaseModel):
    filters: AppliedAuditFilters
    items: list[AuditEntry] = Field(description="Newest first")
    limit: int
    offset: int


def period(from_: date | None, to: date | None) -> tuple[datetime | None, datetime | None]:
    """Calendar days in Europe/Amsterdam, both included, as moments: [after, before)."""
    after = datetime.combine(from_, time(), AMSTERDAM) if from_ else None
    before = datetime.combine(to + timedelta(days=1), time(), AMSTERDAM) if to else None
    return after, before


def _read(read: CaseRead) -> AuditEntry:
    return AuditEntry(
        kind="read",
        at=read.at,
        by=read.user,
        role=read.role,
        what=read.route,
        case_ids=list(read.case_ids),
        alert_ids=list(read.alert_ids),
    )


async def alert_actions(alerts: Alerts, index: AlertIndex, query: AuditQuery) -> list[AuditEntry]:
    """The werkgroep's actions from the alerts' events. Every alert raised before the period's
    end is read from the event store (fine for hundreds of alerts, as the status filter)."""
    _, found = await find_alerts(alerts, index, AlertFilters(raised_before=query.before))
    entries = []
    for alert in found:
        for event in alert.history:
            action, by, at = event["action"], str(event["by"]), event["at"]
            if action not in ACTIONS or not isinstance(at, datetime):
                continue
            if query.matches(by, at, [alert.case_id]):
                entries.append(
                    AuditEntry(
                        kind="action",
                        at=at,
                        by=by,
                        role=None,
                        what=str(action),
                        case_ids=[alert.case_id],
                        alert_ids=[alert.id],
                    )
                )
    return entries


async def trail(
    log: AuditLog,
    alerts: Alerts,
    index: AlertIndex,
    query: AuditQuery,
    limit: int,
    offset: int = 0,
) -> list[AuditEntry]:
    """Reads and actions merged, newest first: the page from `offset`."""
    reads = [_read(read) for read in await log.reads(query, offset + limit)]
    merged = sorted([*reads, *await alert_actions(alerts, index, query)], key=lambda e: e.at)
    return merged[::-1][offset : offset + limit]


def create_audit_router(
    log: AuditLog, alerts: Alerts, index: AlertIndex, reads: CaseReads
) -> APIRouter:
    router = APIRouter(
        prefix="/v1/audit",
        tags=["audit"],
        route_class=ProblemRoute,
        dependencies=[Depends(werkgroep_member)],
    )

    @router.get(
        "",
        summary="Who read which case, and who acted on which alert, when",
        description=__doc__,
        response_model=AuditTrail,
        responses=PROBLEMS,
    )
    async def audit_trail(
        request: Request,
        by: WerkgroepMember,
        user: Annotated[str | None, Query(max_length=200, description="A user's name")] = None,
        case: Annotated[UUID | None, Query(description="A case id")] = None,
        from_: Annotated[date | None, Query(alias="from", description="First day")] = None,
        to: Annotated[date | None, Query(description="Last day, included")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> AuditTrail:
        if from_ and to and from_ > to:
            raise ApiProblem(400, "invalid-period", "`from` lies after `to`")
        after, before = period(from_, to)
        query = AuditQuery(user=user, case_id=case, after=after, before=before)
        items = await trail(log, alerts, index, query, limit, offset)
        await reads.record(request, by, _cases(query))
        return AuditTrail(
            filters=AppliedAuditFilters(user=user, case=case, from_=from_, to=to),
            items=items,
            limit=limit,
            offset=offset,
        )

    return router


def _chosen(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value or None


def page_query(request: Request) -> tuple[AuditQuery, dict[str, str | None]]:
    """The page's filters (`gebruiker`, `casus`, and the period as everywhere: `from`, `to`;
    empty means all)."""
    chosen = {name: _chosen(request, name) for name in ("gebruiker", "casus", "from", "to")}
    try:
        case = UUID(chosen["casus"]) if chosen["casus"] else None
        first = form_date(chosen["from"]) if chosen["from"] else None
        last = form_date(chosen["to"]) if chosen["to"] else None
    except ValueError as error:
        raise InvalidFilter(str(error)) from error
    if first and last and first > last:
        raise InvalidFilter("from lies after to")
    after, before = period(first, last)
    return AuditQuery(chosen["gebruiker"], case, after, before), chosen


def create_audit_page_router(
    log: AuditLog, alerts: Alerts, index: AlertIndex, reads: CaseReads, pages: Pages
) -> APIRouter:
    router = APIRouter(
        prefix="/werkgroep", include_in_schema=False, dependencies=[Depends(werkgroep_member)]
    )

    @router.get("/logboek", response_class=HTMLResponse)
    async def logboek(request: Request, by: WerkgroepMember) -> HTMLResponse:
        query, chosen = page_query(request)
        entries = await trail(log, alerts, index, query, DEFAULT_LIMIT)
        await reads.record(request, by, _cases(query))
        return pages.render(
            request,
            "logboek.html",
            {
                "entries": entries,
                "chosen": chosen,
                "limit": DEFAULT_LIMIT,
                "read_labels": READ_LABELS,
                "action_labels": ACTION_LABELS,
            },
        )

    return router


def _cases(query: AuditQuery) -> Sequence[UUID]:
    return [query.case_id] if query.case_id else []
