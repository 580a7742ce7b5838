"""A reference's expected figure, suppressed as the read API must: the counts it computes and
the sums between them that the figure's definition states, through the one suppression module
(whose own properties services/ketenmonitor/tests/test_suppression.py tests)."""

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from ketenmonitor.figures.suppression import Sum, protect

__all__ = ["Shown", "Sum"]


class Shown:
    def __init__(self, counts: Mapping[Hashable, int], sums: Iterable[Sum] = ()) -> None:
        self._protected = protect(counts, sums)

    def cell(self, key: Hashable) -> dict[str, Any]:
        count = self._protected.count(key)
        return {"value": count.value, "suppressed": count.suppressed}

    def hidden(self, key: Hashable) -> bool:
        return key in self._protected.hidden

    def share(self, part: Hashable, whole: Hashable) -> float | None:
        return self._protected.share(part, whole)
