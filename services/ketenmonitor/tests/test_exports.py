"""Every figure as CSV and Parquet: the read API's own answer under the same filters, one row
per number, a suppressed count never a number; by `Accept` on the figure's route, or at
`/v1/exports/...`."""

import csv
import html
import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pyarrow.parquet as pq
import pytest

from ketenmonitor.api_names import ApiModel
from ketenmonitor.figures.api import negotiated
from ketenmonitor.figures.files import Format, as_csv, export_path
from ketenmonitor.figures.registry import FIGURES
from ketenmonitor.figures.responses import Count
from ketenmonitor.figures.tabular import (
    FIELD,
    SUPPRESSED,
    VALUE,
    CollidingColumns,
    Column,
    Kind,
    Table,
    columns_of,
    table_of,
)
from services.ketenmonitor.tests.accounts import DASHBOARD, basic
from services.ketenmonitor.tests.test_api import FakeFigures, client
from services.ketenmonitor.tests.test_web import HTML, PAGES, Monitor

FILTERS = (
    {},
    {"from": "2026-01-01", "to": "2026-03-31", "municipality": "GM0153"},
    {"from": "2026-01-01", "to": "2026-12-31", "legal_framework": "gedwongen"},
)
"""All time for the region, a quarter of a gemeente, a year of one kader."""


def numbers_of(data: Any, path: str = "") -> Iterator[tuple[str, Any, bool | None]]:
    """Every number of a JSON answer in document order, with its path (list items and map
    keys left out) and, for a count, whether it is suppressed; nulls that are no count left
    out (a text or a number, the JSON does not say)."""
    if isinstance(data, dict) and data.keys() == {"value", "suppressed"}:
        yield path, data["value"], data["suppressed"]
    elif isinstance(data, dict):
        for key, value in data.items():
            inner = f"{path}.{key}" if path else key
            # a map's key is no field of the answer: its values are the map's
            yield from numbers_of(value, path if _is_map(data) else inner)
    elif isinstance(data, list):
        for item in data:
            yield from numbers_of(item, path)
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield path, data, None


def _is_map(data: dict[str, Any]) -> bool:
    """A map of counts (decisions per kind, counts per gemeente), not an object."""
    return (
        bool(data)
        and all(isinstance(v, dict) and v.keys() == {"value", "suppressed"} for v in data.values())
        and not {"value", "suppressed"} <= data.keys()
    )


def read_csv(content: bytes) -> list[dict[str, Any]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the byte order mark Excel needs
    rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
    return [{name: _from_dutch(name, cell) for name, cell in row.items()} for row in rows]


def _from_dutch(name: str, cell: str) -> Any:
    if cell == "":
        return None
    if name == "suppressed":
        return {"true": True, "false": False}[cell]
    if name == "value":
        return float(cell.replace(",", ".")) if "," in cell else int(cell)
    return cell


def read_parquet(content: bytes) -> list[dict[str, Any]]:
    return pq.read_table(io.BytesIO(content)).to_pylist()


def numbers_in_rows(rows: list[dict[str, Any]]) -> list[tuple[str, Any, bool | None]]:
    return [
        (row["field"], row["value"], row["suppressed"])
        for row in rows
        if row["value"] is not None or row["suppressed"] is not None
    ]


READERS = {Format.CSV: read_csv, Format.PARQUET: read_parquet}


@pytest.mark.parametrize("chosen", list(Format))
async def test_every_export_holds_the_numbers_of_the_read_apis_answer(chosen: Format) -> None:
    compared = 0
    async with client(FakeFigures()) as http:
        for figure in FIGURES:
            for filters in FILTERS:
                answer = await http.get(figure.path, params=filters)
                if answer.status_code == 400:  # a filter the figure does not take
                    continue
                exported = await http.get(export_path(figure, chosen), params=filters)
                assert exported.status_code == 200, figure.name
                rows = READERS[chosen](exported.content)
                assert numbers_in_rows(rows) == list(numbers_of(answer.json())), figure.name
                applied = answer.json()["filters"]
                for row in rows:
                    assert row["filters_from"] in (applied["from"], _date(applied["from"]))
                    assert row["filters_municipality"] == applied["municipality"]
                    assert row["filters_legal_framework"] == applied["legal_framework"]
                compared += 1
    assert compared > len(FIGURES) * 2


def _date(text: str | None) -> Any:
    return date.fromisoformat(text) if text else None


@pytest.mark.parametrize("chosen", list(Format))
async def test_a_suppressed_count_is_an_empty_cell_never_a_number(chosen: Format) -> None:
    suppressed = 0
    async with client(FakeFigures()) as http:
        for figure in FIGURES:
            exported = await http.get(export_path(figure, chosen))
            for row in READERS[chosen](exported.content):
                if row["suppressed"]:
                    assert row["value"] is None, figure.name
                    suppressed += 1
    assert suppressed > 0  # the fake's answers hide some counts


async def test_the_figures_route_answers_with_the_file_its_accept_header_asks_for() -> None:
    params = {"from": "2026-01-01", "to": "2026-03-31", "municipality": "GM0153"}
    async with client(FakeFigures()) as http:
        as_csv = await http.get("/v1/lead-times", params=params, headers={"accept": "text/csv"})
        exported = await http.get("/v1/exports/lead-times.csv", params=params)
        as_json = await http.get(
            "/v1/lead-times", params=params, headers={"accept": "application/json, text/csv;q=0.5"}
        )
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.content == exported.content
    assert (
        as_csv.headers["content-disposition"]
        == 'attachment; filename="lead-times_2026-K1_GM0153.csv"'
    )
    assert as_csv.headers["vary"] == as_json.headers["vary"] == "Accept"
    assert as_json.headers["content-type"] == "application/json"


def test_the_accept_header_chooses_by_preference_and_json_by_default() -> None:
    assert negotiated(None) is None
    assert negotiated("*/*") is None
    assert negotiated("text/csv") is Format.CSV
    assert negotiated("application/vnd.apache.parquet, */*;q=0.1") is Format.PARQUET
    assert negotiated("application/json, text/csv") is None
    assert negotiated("text/csv;q=0.4, application/json;q=0.5") is None
    assert negotiated("text/csv;q=0, application/vnd.apache.parquet") is Format.PARQUET


async def test_an_export_refuses_what_the_read_api_refuses() -> None:
    async with client(FakeFigures()) as http:
        refused = await http.get(
            "/v1/exports/lead-times.csv", params={"from": "2026-01-01", "to": "2026-02-28"}
        )
    assert refused.status_code == 400
    assert refused.json()["reason"] == "invalid-period"


def test_a_dutch_csv_has_semicolons_and_a_decimal_comma() -> None:
    table = Table(
        (Column("place", Kind.TEXT), FIELD, VALUE, SUPPRESSED),
        ({"place": "Enschede; zuid", "field": "share", "value": 0.25, "suppressed": None},),
    )
    assert as_csv(table).decode("utf-8-sig").splitlines()[1] == '"Enschede; zuid";share;0,25;'


async def test_every_dashboard_page_downloads_its_figures_under_its_filters() -> None:
    monitor = Monitor()
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        for page in PAGES:
            shown = await http.get(page, params={"periode": "2026-K1", "gemeente": "GM0153"})
            links = re.findall(r'href="(/v1/exports/[^"]+)" download>Download ([^<]+)<', shown.text)
            assert {label.rsplit(" ", 1)[1] for _, label in links} == {"(CSV)", "(Parquet)"}, page
            for href, _ in links:
                href = html.unescape(href)
                assert "from=2026-01-01" in href, href
                assert "to=2026-03-31" in href, href
                assert "municipality=GM0153" in href, href
                downloaded = await http.get(href)
                assert downloaded.status_code == 200, href
                assert downloaded.headers["content-disposition"].startswith("attachment"), href


async def test_a_pages_downloads_follow_the_order_of_the_figures() -> None:
    monitor = Monitor()
    async with monitor.client(**basic(DASHBOARD), **HTML) as http:
        page = (await http.get("/doorlooptijden")).text
    downloads = page.split('id="downloaden"')[1]
    labels = re.findall(r"<li>([^<:]+):", downloads)
    assert labels == ["Doorlooptijden", "Regionaal Expertteam"]


class Stage(ApiModel):
    stage: str
    waiting: Count


class Totals(ApiModel):
    on: date
    per_gemeente: dict[str, Count]


class NewFigure(ApiModel):
    """A figure no export knows of: its model alone makes its table."""

    thuis_tenzij: Count
    share: float | None
    stages: list[Stage]
    totals: Totals


def test_a_new_figures_model_makes_its_table_with_english_names() -> None:
    answer = NewFigure(
        thuis_tenzij=Count(value=12, suppressed=False),
        share=None,
        stages=[Stage(stage="triage", waiting=Count(value=None, suppressed=True))],
        totals=Totals(
            on=date(2026, 3, 31), per_gemeente={"GM0153": Count(value=15, suppressed=False)}
        ),
    )
    table = table_of(answer)
    assert [column.name for column in table.columns] == [
        "stage",
        "totals_on",
        "totals_per_municipality",
        "field",
        "value",
        "suppressed",
    ]
    assert table.rows == (
        {"field": "at_home_unless", "value": 12, "suppressed": False},
        {"field": "share", "value": None, "suppressed": None},
        {"stage": "triage", "field": "stages.waiting", "value": None, "suppressed": True},
        {
            "totals_on": "2026-03-31",
            "totals_per_municipality": "GM0153",
            "field": "totals.per_municipality",
            "value": 15,
            "suppressed": False,
        },
    )


class Inner(ApiModel):
    stage: str
    count: Count


class Colliding(ApiModel):
    stage: str
    inner: list[Inner]


def test_two_fields_of_one_row_under_one_name_are_refused() -> None:
    with pytest.raises(CollidingColumns):
        columns_of(Colliding)
