"""What the read API and the dashboard know of a figure: its route, its Dutch label, the
filters it accepts, its answer's model and how it is read (`registry.FIGURES` lists them)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ketenmonitor.api_names import english
from ketenmonitor.figures.common import Filters

if TYPE_CHECKING:  # the source names every figure's rows, the figures name this module
    from ketenmonitor.figures.source import FigureSource


class Accepts(Enum):
    """The filters a figure accepts, beyond the period, gemeente and kader every figure takes."""

    CASES = "cases"
    """Only those."""
    PLACEMENTS = "placements"
    """Also the care form and the provider, for figures about placements."""
    PROVIDERS = "providers"
    """Also the provider, for figures about entries into care forms."""


@dataclass(frozen=True)
class Figure:
    name: str
    """The route's operation (its function name in the OpenAPI document); its path is the
    name's, in English (`path`)."""
    label: str
    """Its name in Dutch, for a person in Twente."""
    summary: str
    description: str | None
    accepts: Accepts
    answer: type[BaseModel]
    read: Callable[["FigureSource", Filters, date], Awaitable[BaseModel]]
    """Its answer under the filters, on a day (today, when `to` is not given)."""

    @property
    def path(self) -> str:
        """The name in English (`api_names`), in kebab-case: `thuis_tenzij` answers at
        `/v1/at-home-unless`."""
        return "/v1/" + english(self.name).replace("_", "-")
