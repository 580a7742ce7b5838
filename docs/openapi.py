"""The OpenAPI documents of every HTTP API, generated from the code and committed in docs/openapi/.

    uv run python docs/openapi.py       # write docs/openapi/*.json

tests/test_docs.py fails when a committed document is stale. The apps are built only to be
described: nothing is connected, and no handler runs.
"""

import json
from pathlib import Path
from typing import Any, cast

from jeugdketen_shared.clock import SystemClock
from jeugdketen_shared.http_ingress import create_http_app
from jeugdketen_shared.ingress import InboundGateway
from jeugdketen_shared.partner_credentials import PartnerCredentials
from ketenmonitor.alerts.api import AlertIndex
from ketenmonitor.alerts.application import Alerts
from ketenmonitor.figures.source import FigureSource
from ketenmonitor.main import assemble_api
from ketenmonitor.projection import live
from ketenmonitor.settings import MonitorSettings
from ketenmonitor.web.audit import AuditLog
from ketenmonitor.web.auth import Users
from plaatsing.main import WIRING as PLAATSING
from toegang.main import WIRING as TOEGANG
from triage.main import WIRING as TRIAGE

FOLDER = Path(__file__).resolve().parent / "openapi"
_DESCRIBED_ONLY: Any = None
"""Stands in for what a running service would connect (a gateway, a store, the alerts)."""


def documents() -> dict[str, dict[str, Any]]:
    """File name → OpenAPI document."""
    ingress = {
        f"{wiring.name}.json": create_http_app(
            wiring.name,
            cast(InboundGateway, _DESCRIBED_ONLY),
            PartnerCredentials({}),
            (),
            wiring.inbound,
        ).openapi()
        for wiring in (TOEGANG, TRIAGE, PLAATSING)
    }
    monitor = assemble_api(
        cast(FigureSource, _DESCRIBED_ONLY),
        cast(Alerts, _DESCRIBED_ONLY),
        cast(AlertIndex, _DESCRIBED_ONLY),
        [],
        live.Broadcaster(),
        Users([]),
        MonitorSettings(),
        SystemClock(),
        audit_log=cast(AuditLog, _DESCRIBED_ONLY),
    )
    return {**ingress, "ketenmonitor.json": monitor.openapi()}


def rendered(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write() -> None:
    FOLDER.mkdir(exist_ok=True)
    for name, document in documents().items():
        (FOLDER / name).write_text(rendered(document), encoding="utf-8")


if __name__ == "__main__":
    write()
