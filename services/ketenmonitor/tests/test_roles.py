"""Every route group of the ketenmonitor against every role, in one table: anonymous (an API
client, a browser), a dashboard user, a werkgroep member. The groups name every API route, so
a new route fails here until it is put in one."""

from typing import Any

import pytest

from services.ketenmonitor.tests.accounts import DASHBOARD, WERKGROEP, basic
from services.ketenmonitor.tests.test_web import PAGES, WERKGROEP_PAGES, Monitor, concrete

FIGURES_API = (
    "/v1/capacity",
    "/v1/capacity-history",
    "/v1/care-form-matrix",
    "/v1/compulsory-inflow",
    "/v1/hand-overs",
    "/v1/home-like-settings",
    "/v1/inflow",
    "/v1/legal-framework-changes",
    "/v1/lead-times",
    "/v1/measure-durations",
    "/v1/measures",
    "/v1/moves-away-from-home",
    "/v1/placement-durations",
    "/v1/placement-locations",
    "/v1/referrals-by-referrer",
    "/v1/ret-escalations",
    "/v1/rvdk-to-measure",
    "/v1/stepping-stones",
    "/v1/at-home-unless",
    "/v1/time-in-chain",
    "/v1/turning-eighteen",
    "/v1/veilig-thuis-investigation",
    "/v1/provisional-ots",
    "/v1/waiting-lists",
)
EXPORTS_API = tuple(
    f"/v1/exports/{path.removeprefix('/v1/')}.{suffix}"
    for path in FIGURES_API
    for suffix in ("csv", "parquet")
)
GAUGES = "/v1/gauges"
STREAM = "/v1/stream"
"""Never ends, so not requested here: test_web's tests hold its boundaries (401 anonymous, a
dashboard user sees an alert's severity only)."""
ALERTS_API = ("/v1/alerts", "/v1/alerts/{alert_id}")
AUDIT_API = ("/v1/audit",)
DOCS = ("/v1/openapi.json", "/v1/docs")
# in this order every one succeeds for a werkgroep member (the resolution last)
ACTIONS: tuple[tuple[str, dict[str, Any] | None], ...] = (
    ("acknowledgements", None),
    ("comments", {"text": "Opgepakt met de gemeente."}),
    ("assignments", {"partner": "gemeente-enschede"}),
    ("resolutions", {"reason": "onterecht"}),
)
HTML = {"Accept": "text/html"}

ANONYMOUS, DASHBOARD_USER, WERKGROEP_MEMBER = "anonymous", "dashboard", "werkgroep"
CREDENTIALS = {ANONYMOUS: {}, DASHBOARD_USER: basic(DASHBOARD), WERKGROEP_MEMBER: basic(WERKGROEP)}

# group -> (paths, as a browser?, the status for anonymous, dashboard, werkgroep)
READS: dict[str, tuple[tuple[str, ...], bool, tuple[int, int, int]]] = {
    "figures API": (FIGURES_API, False, (401, 200, 200)),
    "figure exports": (EXPORTS_API, False, (401, 200, 200)),
    "figure gauges": ((GAUGES,), False, (401, 200, 200)),
    "API documents": (DOCS, False, (401, 200, 200)),
    "alerts API": (ALERTS_API, False, (401, 403, 200)),
    "audit API": (AUDIT_API, False, (401, 403, 200)),
    "figure pages": (PAGES, True, (303, 200, 200)),  # a browser is sent to the login page
    "werkgroep pages": (WERKGROEP_PAGES, True, (303, 403, 200)),
}
ROLES = (ANONYMOUS, DASHBOARD_USER, WERKGROEP_MEMBER)


def test_the_groups_name_every_api_route() -> None:
    routes = {
        (method.upper(), path)
        for path, operations in Monitor().app.openapi()["paths"].items()
        for method in operations
    }
    grouped = {
        ("GET", path)
        for path in (*FIGURES_API, *EXPORTS_API, GAUGES, STREAM, *ALERTS_API, *AUDIT_API)
    }
    grouped |= {("POST", f"/v1/alerts/{{alert_id}}/{action}") for action, _ in ACTIONS}
    assert routes == grouped


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("group", READS)
async def test_each_role_reads_what_its_role_may_and_nothing_else(role: str, group: str) -> None:
    monitor = Monitor()
    paths, browser, statuses = READS[group]
    expected = statuses[ROLES.index(role)]
    async with monitor.client(**CREDENTIALS[role], **(HTML if browser else {})) as http:
        for path in paths:
            response = await http.get(concrete(path, monitor.alert_id))
            assert response.status_code == expected, (role, path)
            if expected in {401, 403} and not browser:
                assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("role", "status"), [(ANONYMOUS, 401), (DASHBOARD_USER, 403), (WERKGROEP_MEMBER, 201)]
)
async def test_only_a_werkgroep_member_acts_on_an_alert(role: str, status: int) -> None:
    monitor = Monitor()
    async with monitor.client(**CREDENTIALS[role]) as http:
        for action, body in ACTIONS:
            path = f"/v1/alerts/{monitor.alert_id}/{action}"
            assert (await http.post(path, json=body)).status_code == status, action
    history = monitor.werkgroep.alerts.get(monitor.alert_id).history
    # raised, and each action once when it was allowed; else nothing recorded
    assert len(history) == (1 + len(ACTIONS) if status == 201 else 1)
