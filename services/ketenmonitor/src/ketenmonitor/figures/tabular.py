"""A figure's answer as one table of rows, for the exports (CSV, Parquet, the gauges): made
from the read API's own JSON of the answer, guided by the answer's model, the same way for
every figure, so that a new figure needs nothing here and nothing is suppressed twice.

One row per number of the answer (long format): the text, date and yes/no fields around it
(`Column`s named after the JSON's fields: a list item's own fields by their name, a nested
object's as `<object>_<field>`, a map's key as the map's field would be), then `field` (the
JSON path of the number, `lead_times.count`), `value` and, for a count, `suppressed`. A
suppressed count is a row with no value: the read API's `null`, never a number
(docs/exports.md).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from ketenmonitor.figures.responses import Count


class Kind(Enum):
    TEXT = "text"
    DATE = "date"
    BOOLEAN = "boolean"
    NUMBER = "number"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    meaning: str = ""
    """The description of its field in the answer's model, if it has one."""


FIELD = Column("field", Kind.TEXT, "Which number of the answer the row holds: its JSON path")
VALUE = Column("value", Kind.NUMBER, "The number; empty where the answer has none (suppressed)")
SUPPRESSED = Column(
    "suppressed", Kind.BOOLEAN, "For a count: whether it is suppressed; empty for other numbers"
)

Row = dict[str, Any]
"""A row by column name: JSON values (a date as its ISO text); a column it lacks is empty."""


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


class CollidingColumns(Exception):
    """Two fields of one row of an answer would share a column name."""


SCALARS = {
    str: Kind.TEXT,
    date: Kind.DATE,
    bool: Kind.BOOLEAN,
    int: Kind.NUMBER,
    float: Kind.NUMBER,
}


def _kind_of(annotation: Any) -> Any:
    """The annotation without its `None`: a scalar `Kind`, `Count`, a model, or a list or a
    map (`list[...]`, `dict[str, ...]`) as it is."""
    if get_origin(annotation) in (Union, UnionType):
        [annotation] = [a for a in get_args(annotation) if a is not NoneType]
    return SCALARS.get(annotation, annotation)


def _fields(model: type[BaseModel]) -> Iterator[tuple[str, Any, str]]:
    """Each field's JSON name (the read API's, in English), its kind and its description."""
    for name, field in model.model_fields.items():
        alias = field.serialization_alias or name
        yield alias, _kind_of(field.annotation), field.description or ""


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel) and kind is not Count


def _dimension(prefix: str, name: str) -> str:
    return f"{prefix}_{name}" if prefix else name


def _measure(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


LABELS = (Kind.TEXT, Kind.DATE, Kind.BOOLEAN)
"""The kinds of the fields that say which number a row holds."""


def _holds_numbers(kind: Any) -> bool:
    if _is_model(kind):
        return any(_holds_numbers(inner) for _, inner, _ in _fields(kind))
    return kind not in LABELS


def _labels(model: type[BaseModel], column: str) -> Iterator[tuple[Column, tuple[str, ...]]]:
    """The label columns of an object and where each is in its JSON: its own text, date and
    yes/no fields, and those of its objects that hold no number (the answer's `filters`),
    which describe every row of the object."""
    for name, kind, meaning in _fields(model):
        if kind in LABELS:
            yield Column(_dimension(column, name), kind, meaning), (name,)
        elif _is_model(kind) and not _holds_numbers(kind):
            for label, where in _labels(kind, _dimension(column, name)):
                yield label, (name, *where)


def _at(data: Any, where: tuple[str, ...]) -> Any:
    for name in where:
        data = None if data is None else data[name]
    return data


@dataclass(frozen=True)
class Layout:
    """What a table of a model's answers can hold."""

    columns: tuple[Column, ...]
    """In the order of the answer."""
    fields: tuple[tuple[str, str], ...]
    """Each `field` a row can name, with its description in the model."""


def layout_of(model: type[BaseModel]) -> Layout:
    columns: dict[str, Column] = {}
    fields: dict[str, str] = {}
    fixed = {column.name for column in (FIELD, VALUE, SUPPRESSED)}

    def labelled(column: Column, around: frozenset[str]) -> frozenset[str]:
        if column.name in around or column.name in fixed:
            raise CollidingColumns(column.name)
        columns.setdefault(column.name, column)
        return around | {column.name}

    def collect(kind: Any, column: str, path: str, meaning: str, around: frozenset[str]) -> None:
        if kind is Kind.NUMBER or kind is Count:
            fields.setdefault(path, meaning)
        elif _is_model(kind):
            here = around
            for label, _ in _labels(kind, column):
                here = labelled(label, here)
            for name, inner, described in _fields(kind):
                if _holds_numbers(inner):  # a number's meaning within its object's
                    within = ": ".join(part for part in (meaning, described) if part)
                    collect(inner, _dimension(column, name), _measure(path, name), within, here)
        elif get_origin(kind) is list:
            collect(get_args(kind)[-1], "", path, meaning, around)
        elif get_origin(kind) is dict:  # its key is a column of each of its rows
            key = Column(column, Kind.TEXT, f"The key of `{path}`: {meaning}".rstrip(": "))
            collect(get_args(kind)[-1], "", path, meaning, labelled(key, around))

    collect(model, "", "", "", frozenset())
    return Layout((*columns.values(), FIELD, VALUE, SUPPRESSED), tuple(fields.items()))


def columns_of(model: type[BaseModel]) -> tuple[Column, ...]:
    """Every column a table of `model`'s answers can have, in the order of the answer."""
    return layout_of(model).columns


def table_of(answer: BaseModel) -> Table:
    """The answer as the read API gives it (its JSON), one row per number."""
    model = type(answer)
    data = answer.model_dump(mode="json", by_alias=True)
    return Table(columns_of(model), tuple(_rows_of(model, data, "", "", {})))


def _rows_of(kind: Any, value: Any, path: str, column: str, around: Row) -> Iterator[Row]:
    """The rows of one field: a number, a count, an object, a list of them or a map."""
    if kind is Kind.NUMBER:
        yield {**around, FIELD.name: path, VALUE.name: value, SUPPRESSED.name: None}
    elif kind is Count:
        yield {
            **around,
            FIELD.name: path,
            VALUE.name: value["value"],
            SUPPRESSED.name: value["suppressed"],
        }
    elif _is_model(kind) and value is not None:
        here = {**around}
        here |= {label.name: _at(value, where) for label, where in _labels(kind, column)}
        for name, inner, _ in _fields(kind):
            if _holds_numbers(inner):
                yield from _rows_of(
                    inner, value[name], _measure(path, name), _dimension(column, name), here
                )
    elif get_origin(kind) is list:
        for item in value:
            yield from _rows_of(get_args(kind)[-1], item, path, "", around)
    elif get_origin(kind) is dict:
        for key, item in value.items():
            yield from _rows_of(get_args(kind)[-1], item, path, "", {**around, column: key})
