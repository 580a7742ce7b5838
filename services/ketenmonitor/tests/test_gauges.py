"""The figures as OpenMetrics gauges: the numbers of the read API's answers of this year, for
the region and each gemeente, none that is suppressed; and a Grafana dashboard that asks for
nothing the endpoint does not serve."""

import json
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from ketenmonitor.figures.api import create_api
from ketenmonitor.figures.files import Format, export_path
from ketenmonitor.figures.gauges import MEDIA_TYPE, label_names, metric_name
from ketenmonitor.figures.registry import FIGURES
from services.ketenmonitor.tests.test_api import FakeFigures
from services.ketenmonitor.tests.test_exports import read_csv

DASHBOARD = Path(__file__).resolve().parents[3] / "deploy" / "grafana" / "ketenmonitor-cijfers.json"
TODAY = date(2026, 12, 7)
THIS_YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


@pytest.fixture(scope="module")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """One app for the module's tests: its gauges are read once, as a second scrape of an
    unmoved projection reads them."""
    transport = httpx.ASGITransport(app=create_api(FakeFigures(), lambda: TODAY))
    async with httpx.AsyncClient(transport=transport, base_url="http://ketenmonitor") as found:
        yield found


Sample = tuple[str, frozenset[tuple[str, str]]]


async def served(http: httpx.AsyncClient) -> dict[str, dict[Sample, float]]:
    answer = await http.get("/v1/gauges")
    assert answer.headers["content-type"] == MEDIA_TYPE
    found: dict[str, dict[Sample, float]] = {}
    for family in text_string_to_metric_families(answer.text):
        samples = found.setdefault(family.name, {})
        for sample in family.samples:
            labelled = (sample.name, frozenset(sample.labels.items()))
            assert labelled not in samples, labelled  # OpenMetrics: each series once
            samples[labelled] = sample.value
    return found


def labels_of(row: dict[str, Any]) -> frozenset[tuple[str, str]]:
    return frozenset(
        (name, "" if value is None else str(value))
        for name, value in row.items()
        if name not in ("value", "suppressed")
    )


async def test_the_gauges_are_the_numbers_of_the_answers_and_no_suppressed_one(
    http: httpx.AsyncClient,
) -> None:
    gauges = await served(http)
    hidden = 0
    for figure in FIGURES:
        family = gauges[metric_name(figure)]
        for area in ("", "GM0153"):
            filters = {**THIS_YEAR, **({"municipality": area} if area else {})}
            exported = await http.get(export_path(figure, Format.CSV), params=filters)
            rows = read_csv(exported.content)
            expected = {
                (metric_name(figure), labels_of(row)): float(row["value"])
                for row in rows
                if row["value"] is not None
            }
            shown = {
                sample: value
                for sample, value in family.items()
                if ("filters_municipality", area) in sample[1]
            }
            assert shown == expected, figure.name
            for row in rows:
                if row["suppressed"]:
                    assert (metric_name(figure), labels_of(row)) not in family
                    hidden += 1
    assert hidden > 0


async def test_every_gemeente_of_twente_and_the_region_has_its_gauges(
    http: httpx.AsyncClient,
) -> None:
    gauges = await served(http)
    areas = {
        dict(labels)["filters_municipality"] for name, labels in gauges[metric_name(FIGURES[0])]
    }
    assert len(areas) == 15  # the region ("") and the 14 gemeenten


def selectors(expression: str) -> list[tuple[str, dict[str, str]]]:
    """Each metric a PromQL expression names, with its label matchers (name: value)."""
    found = []
    for name, matchers in re.findall(r"([a-z_][a-z0-9_]*)\{([^}]*)\}", expression):
        found.append((name, dict(re.findall(r'([a-z_][a-z0-9_]*)\s*=~?\s*"([^"]*)"', matchers))))
    return found


async def test_the_grafana_dashboard_asks_only_for_what_the_gauges_serve(
    http: httpx.AsyncClient,
) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    expressions = [
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    ]
    by_name = {metric_name(figure): figure for figure in FIGURES}
    gauges = await served(http)
    asked = 0
    for expression in expressions:
        for name, matchers in selectors(expression):
            assert name in gauges, name  # a family the endpoint serves
            figure = by_name[name]
            assert set(matchers) <= set(label_names(figure)), expression
            exported = await http.get(export_path(figure, Format.CSV), params=THIS_YEAR)
            fields = {row["field"] for row in read_csv(exported.content)}
            assert matchers["field"] in fields, expression
            asked += 1
    assert asked >= len(dashboard["panels"])
