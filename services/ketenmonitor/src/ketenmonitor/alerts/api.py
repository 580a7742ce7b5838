"""The werkgroep's HTTP API over the stagnation alerts, following the API Design Rules: `/v1`,
plural nouns, errors as `application/problem+json` (RFC 9457) with a machine-readable `reason`.

- `GET /v1/alerts`: the alerts, filtered by rule, municipality, severity, status and when raised,
  newest first, paginated (`limit`, `offset`).
- `GET /v1/alerts/{id}`: one alert, its audit history (who did what when: the aggregate's
  events) and its case's timeline from the projection's facts (pseudonymised fields only).
  Both reads leave a row in the audit log of case-level reads before they answer.
- `POST /v1/alerts/{id}/acknowledgements`, `/comments`, `/assignments`, `/resolutions`: the
  werkgroep's actions, each recorded with who (the authenticated user) and when.

Only the `werkgroep` role reaches these routes: without a user 401, with a dashboard user 403.
The login and the audit log are the web's (`web.auth`, `web.audit`): the router takes the
dependency that names the werkgroep member and the port that records a read as parameters,
wired by `main`, so that this room imports nothing above it. A refusal of the domain answers
404 (unknown alert), 409 (the alert's state forbids it) or 422 (the request's content), with
the refusal's reason.
"""

import asyncio
import json
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, Protocol, TypeVar
from uuid import UUID

import asyncpg
from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from jeugdketen_shared.clock import Clock
from jeugdketen_shared.problems import problem, problem_responses
from jeugdketen_shared.refusal import Refusal
from ketenmonitor.alerts import domain
from ketenmonitor.alerts.application import Alerts, UnknownAlert
from ketenmonitor.alerts.domain import MAX_COMMENT_LENGTH, Alert, ResolutionReason, Status
from ketenmonitor.alerts.rules import Severity
from ketenmonitor.api_names import ApiModel
from ketenmonitor.facts import PREFIX

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

REFUSAL_STATUS: dict[type[Refusal], int] = {
    UnknownAlert: 404,
    domain.AlertClosed: 409,
    domain.AlertAlreadyAcknowledged: 409,
    domain.EmptyComment: 422,
    domain.InvalidPartner: 422,
    domain.NoActor: 401,
}


# --- who acts, and the audit of what they read: the web's ----------------------------------------


class Actor(Protocol):
    """A werkgroep member, as the login knows them."""

    @property
    def name(self) -> str: ...


Member = TypeVar("Member", bound=Actor)
Reader = TypeVar("Reader", bound=Actor, contravariant=True)


class CaseReadLog(Protocol[Reader]):
    """Records the case-level read a route is answering, before it answers."""

    async def record(
        self,
        request: Request,
        user: Reader,
        case_ids: Iterable[UUID] = (),
        alert_ids: Sequence[UUID] = (),
    ) -> None: ...


# --- the rows behind the API: the `alerts` and `facts` tables, or a fake ---------------------


@dataclass(frozen=True)
class AlertFilters:
    rule: str | None = None
    gemeente_code: str | None = None
    severity: str | None = None
    raised_after: datetime | None = None
    raised_before: datetime | None = None


@dataclass(frozen=True)
class TimelineRow:
    type: str
    occurred_at: datetime
    data: dict[str, Any]


class AlertIndex(Protocol):
    """The ids of the alerts matching the filters, newest first; and a case's facts."""

    async def alert_ids(self, filters: AlertFilters) -> list[UUID]: ...

    async def timeline(self, case_id: UUID) -> list[TimelineRow]: ...


class TableAlertIndex:
    """The `alerts` index the sweeper writes and the projection's `facts` (asyncpg)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def alert_ids(self, filters: AlertFilters) -> list[UUID]:
        rows = await self.pool.fetch(
            """
            SELECT alert_id FROM alerts
            WHERE ($1::text IS NULL OR rule = $1)
              AND ($2::text IS NULL OR gemeente_code = $2)
              AND ($3::text IS NULL OR severity = $3)
              AND ($4::timestamptz IS NULL OR raised_at >= $4)
              AND ($5::timestamptz IS NULL OR raised_at < $5)
            ORDER BY raised_at DESC, alert_id
            """,
            filters.rule,
            filters.gemeente_code,
            filters.severity,
            filters.raised_after,
            filters.raised_before,
        )
        return [UUID(str(row["alert_id"])) for row in rows]

    async def timeline(self, case_id: UUID) -> list[TimelineRow]:
        rows = await self.pool.fetch(
            """
            SELECT type, occurred_at,
                   jsonb_build_object('youth_pseudonym', data->>'youth_pseudonym',
                                      'gemeente_code', data->>'gemeente_code',
                                      'care_form', data->>'care_form') AS data
            FROM facts WHERE case_id = $1 ORDER BY occurred_at, recorded_at, id
            """,
            case_id,
        )
        return [
            TimelineRow(type=row["type"], occurred_at=row["occurred_at"], data=_json(row["data"]))
            for row in rows
        ]


def _json(value: object) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str) else value
    return dict(loaded) if isinstance(loaded, dict) else {}


# --- the representations -----------------------------------------------------------------------


class AlertSummary(ApiModel):
    id: UUID
    case_id: UUID
    rule: str
    severity: str
    title: str
    text: str = Field(description="The alert in one Dutch sentence")
    gemeente_code: str | None
    status: Status
    assigned_to: str | None = Field(description="The partner the alert is assigned to")
    started_at: datetime = Field(description="When the stage began (event time)")
    deadline_at: datetime
    raised_at: datetime


class AlertPage(ApiModel):
    items: list[AlertSummary]
    total: int = Field(description="Alerts matching the filters, over all pages")
    limit: int
    offset: int


class HistoryEntry(ApiModel):
    """One event of the alert: who did what when."""

    action: Literal["raised", "acknowledged", "commented", "assigned", "resolved", "auto-resolved"]
    by: str
    at: datetime
    comment: str | None = None
    partner: str | None = None
    reason: ResolutionReason | None = None
    explanation: str | None = None
    stage_closed_at: datetime | None = None


class TimelineEntry(ApiModel):
    """One event of the case, pseudonymised: no name, no BSN, only these fields."""

    type: str = Field(description="The event type, without `nl.jeugdketen.`")
    occurred_at: datetime
    youth_pseudonym: str | None = None
    gemeente_code: str | None = None
    care_form: str | None = None


class AlertDetail(AlertSummary):
    history: list[HistoryEntry]
    timeline: list[TimelineEntry]


class CommentBody(BaseModel):
    text: str = Field(
        min_length=1, max_length=MAX_COMMENT_LENGTH, description="Vrije tekst van de werkgroep"
    )


class AssignmentBody(BaseModel):
    partner: str = Field(min_length=1, max_length=200, description="A partner id (partners.toml)")


class ResolutionBody(BaseModel):
    reason: ResolutionReason
    explanation: str | None = Field(default=None, max_length=MAX_COMMENT_LENGTH)


# --- problems ------------------------------------------------------------------------------------


class ApiProblem(Exception):
    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.reason, self.detail = status, reason, detail


class ProblemRoute(APIRoute):
    """Answers this router's refusals as problems, by their reason; what does not validate
    the app's problem handlers answer (`jeugdketen_shared.problems`)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiProblem as error:
                return problem(error.status, error.reason, error.detail)
            except Refusal as refusal:
                status = REFUSAL_STATUS.get(type(refusal), 422)
                return problem(status, refusal.reason, refusal.detail)
            except IntegrityError:
                return problem(
                    409, "concurrent-change", "Het signaal is tegelijk gewijzigd; probeer opnieuw."
                )

        return handle


PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422)


# --- the router ----------------------------------------------------------------------------------


def _summary(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "case_id": alert.case_id,
        "rule": alert.rule,
        "severity": alert.severity,
        "title": alert.title,
        "text": alert.text,
        "gemeente_code": alert.gemeente_code,
        "status": alert.status,
        "assigned_to": alert.assigned_to,
        "started_at": alert.started_at,
        "deadline_at": alert.deadline_at,
        "raised_at": alert.raised_at,
    }


async def find_alerts(
    alerts: Alerts,
    index: AlertIndex,
    filters: AlertFilters,
    statuses: Sequence[Status] = (),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[Alert]]:
    """The alerts matching the filters and (any of) the statuses, newest first: how many in
    all, and those of the page from `offset` (all of them when `limit` is None)."""
    ids = await index.alert_ids(filters)
    end = None if limit is None else offset + limit
    if statuses:
        # the status lives in the event store, not in the index: look at each alert
        wanted = set(statuses)
        found = [a for a in await asyncio.to_thread(_get_all, alerts, ids) if a.status in wanted]
        return len(found), found[offset:end]
    return len(ids), await asyncio.to_thread(_get_all, alerts, ids[offset:end])


async def open_alert(alerts: Alerts, index: AlertIndex, alert_id: UUID) -> AlertDetail:
    """The alert with its audit history and its case's pseudonymised timeline."""
    alert = await asyncio.to_thread(alerts.get, alert_id)
    return opened(alert, await index.timeline(alert.case_id))


def opened(alert: Alert, timeline: Sequence[TimelineRow]) -> AlertDetail:
    return AlertDetail(
        **_summary(alert),
        history=[HistoryEntry.model_validate(entry) for entry in alert.history],
        timeline=[
            TimelineEntry(
                type=row.type.removeprefix(PREFIX),
                occurred_at=row.occurred_at,
                youth_pseudonym=row.data.get("youth_pseudonym"),
                gemeente_code=row.data.get("gemeente_code"),
                care_form=row.data.get("care_form"),
            )
            for row in timeline
        ],
    )


def create_alerts_router(
    alerts: Alerts,
    index: AlertIndex,
    partner_ids: Sequence[str],
    clock: Clock,
    reads: CaseReadLog[Member],
    werkgroep_member: Callable[..., Member],
) -> APIRouter:
    """The werkgroep's alerts API; `partner_ids` are those an alert may be assigned to. The
    dependency `werkgroep_member` names who acts, or refuses anyone else; the reads are
    recorded in the audit log (`reads`); an action is audited by its own event."""
    partners = frozenset(partner_ids)
    router = APIRouter(
        prefix="/v1/alerts",
        tags=["alerts"],
        route_class=ProblemRoute,
        dependencies=[Depends(werkgroep_member)],
    )

    async def reopened(alert: Alert) -> AlertDetail:
        return opened(alert, await index.timeline(alert.case_id))

    @router.get(
        "",
        summary="The alerts, filtered and paginated",
        response_model=AlertPage,
        responses=PROBLEMS,
    )
    async def list_alerts(
        request: Request,
        by: Annotated[Member, Depends(werkgroep_member)],
        rule: str | None = None,
        gemeente: Annotated[
            str | None, Query(alias="municipality", description="CBS code, e.g. GM0153")
        ] = None,
        severity: Severity | None = None,
        status: Annotated[list[Status] | None, Query(description="One or more")] = None,
        raised_after: Annotated[datetime | None, Query(description="Raised at or after")] = None,
        raised_before: Annotated[datetime | None, Query(description="Raised before")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> AlertPage:
        for moment in (raised_after, raised_before):
            if moment is not None and moment.tzinfo is None:
                raise ApiProblem(400, "invalid-query", "a moment needs its UTC offset")
        filters = AlertFilters(
            rule=rule,
            gemeente_code=gemeente,
            severity=severity.value if severity else None,
            raised_after=raised_after,
            raised_before=raised_before,
        )
        total, page = await find_alerts(alerts, index, filters, status or (), limit, offset)
        await reads.record(request, by, [a.case_id for a in page], [a.id for a in page])
        return AlertPage(
            items=[AlertSummary(**_summary(a)) for a in page],
            total=total,
            limit=limit,
            offset=offset,
        )

    @router.get(
        "/{alert_id}",
        summary="One alert with its audit and its case's timeline",
        response_model=AlertDetail,
        responses=PROBLEMS,
    )
    async def get_alert(
        request: Request, alert_id: UUID, by: Annotated[Member, Depends(werkgroep_member)]
    ) -> AlertDetail:
        detail = await open_alert(alerts, index, alert_id)
        await reads.record(request, by, [detail.case_id], [detail.id])
        return detail

    @router.post(
        "/{alert_id}/acknowledgements",
        summary="Take the alert up (in behandeling)",
        status_code=201,
        response_model=AlertDetail,
        responses=PROBLEMS,
    )
    async def acknowledge(
        alert_id: UUID, by: Annotated[Member, Depends(werkgroep_member)]
    ) -> AlertDetail:
        alert = await asyncio.to_thread(alerts.acknowledge, alert_id, by.name, clock.now())
        return await reopened(alert)

    @router.post(
        "/{alert_id}/comments",
        summary="Comment on the alert (free Dutch text)",
        status_code=201,
        response_model=AlertDetail,
        responses=PROBLEMS,
    )
    async def comment(
        alert_id: UUID,
        body: Annotated[CommentBody, Body()],
        by: Annotated[Member, Depends(werkgroep_member)],
    ) -> AlertDetail:
        alert = await asyncio.to_thread(alerts.comment, alert_id, by.name, clock.now(), body.text)
        return await reopened(alert)

    @router.post(
        "/{alert_id}/assignments",
        summary="Assign the alert to a chain partner",
        status_code=201,
        response_model=AlertDetail,
        responses=PROBLEMS,
    )
    async def assign(
        alert_id: UUID,
        body: Annotated[AssignmentBody, Body()],
        by: Annotated[Member, Depends(werkgroep_member)],
    ) -> AlertDetail:
        if body.partner not in partners:
            raise ApiProblem(
                422, "unknown-partner", f"{body.partner!r} is geen ketenpartner in het register."
            )
        alert = await asyncio.to_thread(alerts.assign, alert_id, by.name, clock.now(), body.partner)
        return await reopened(alert)

    @router.post(
        "/{alert_id}/resolutions",
        summary="Resolve the alert with a reason",
        status_code=201,
        response_model=AlertDetail,
        responses=PROBLEMS,
    )
    async def resolve(
        alert_id: UUID,
        body: Annotated[ResolutionBody, Body()],
        by: Annotated[Member, Depends(werkgroep_member)],
    ) -> AlertDetail:
        alert = await asyncio.to_thread(
            alerts.resolve, alert_id, by.name, clock.now(), body.reason, body.explanation
        )
        return await reopened(alert)

    return router


def _get_all(alerts: Alerts, ids: Sequence[UUID]) -> list[Alert]:
    found = []
    for alert_id in ids:
        try:
            found.append(alerts.get(alert_id))
        except UnknownAlert:
            continue  # indexed but not (yet) readable: not listed
    return found
