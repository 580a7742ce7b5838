"""A figure's table (`tabular`) as a file: CSV in the dialect Excel opens as it is in the
Netherlands (semicolons, a decimal comma, UTF-8 with a byte order mark), or Parquet with a
type per column. The same table gives the same bytes, so a snapshot written again is the same.
"""

import csv
import io
from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ketenmonitor.figures.common import Filters
from ketenmonitor.figures.figure import Figure
from ketenmonitor.figures.linked import breakdown_of, period_of, year
from ketenmonitor.figures.tabular import Kind, Table


def _csv_cell(value: Any) -> str:
    """A cell as Dutch Excel reads it; an empty cell is the JSON's `null` (a suppressed count)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return str(value)


def as_csv(table: Table) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(column.name for column in table.columns)
    for row in table.rows:
        writer.writerow(_csv_cell(row.get(column.name)) for column in table.columns)
    return text.getvalue().encode("utf-8-sig")  # the byte order mark: Excel reads it as UTF-8


ARROW_TYPES = {
    Kind.TEXT: pa.string(),
    Kind.DATE: pa.date32(),
    Kind.BOOLEAN: pa.bool_(),
    Kind.NUMBER: pa.float64(),
}


def _arrow_cell(kind: Kind, value: Any) -> Any:
    return date.fromisoformat(value) if kind is Kind.DATE and value is not None else value


def as_parquet(table: Table) -> bytes:
    schema = pa.schema([(column.name, ARROW_TYPES[column.kind]) for column in table.columns])
    arrays = [
        pa.array(
            [_arrow_cell(column.kind, row.get(column.name)) for row in table.rows],
            ARROW_TYPES[column.kind],
        )
        for column in table.columns
    ]
    found = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), found)
    return found.getvalue()


class Format(Enum):
    """A file's kind, by its suffix."""

    CSV = "csv"
    PARQUET = "parquet"


MEDIA_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.PARQUET: "application/vnd.apache.parquet",
}
ENCODINGS: dict[Format, Callable[[Table], bytes]] = {Format.CSV: as_csv, Format.PARQUET: as_parquet}


def export_path(figure: Figure, chosen: Format) -> str:
    """`/v1/exports/lead-times.csv`: the route of the figure's file, under the same filters."""
    return f"/v1/exports/{figure.path.removeprefix('/v1/')}.{chosen.value}"


def file_name(figure: Figure, filters: Filters, chosen: Format) -> str:
    """`lead-times_2026-K1_GM0153.csv`: the figure's route, its period (a year, a quarter,
    or `alle-jaren`) and the value of the one filter that splits the region, if any."""
    period = period_of(filters)
    if period is None:
        named = "alle-jaren"
    elif period == year(period.first.year):
        named = str(period.first.year)
    else:
        named = f"{period.first.year}-K{(period.first.month - 1) // 3 + 1}"
    breakdown = breakdown_of(filters)
    value = [getattr(filters, breakdown)] if breakdown else []
    return "_".join([figure.path.removeprefix("/v1/"), named, *value]) + f".{chosen.value}"
