"""Reading a service's GET /metrics as Prometheus would."""

from collections.abc import Mapping

import httpx
from prometheus_client.parser import text_string_to_metric_families

from jeugdketen_shared.settings import ServiceSettings
from tests.support.http import base_url


class Scrape:
    """One scrape's samples, by name and labels."""

    def __init__(self, text: str) -> None:
        self.samples = [
            sample for family in text_string_to_metric_families(text) for sample in family.samples
        ]

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 for a series not (yet) exposed, as a counter starts."""
        found = [s.value for s in self.samples if s.name == name and _has(s.labels, labels)]
        assert len(found) <= 1, f"{name} {labels}: more than one series"
        return found[0] if found else 0.0

    def series(self, name: str, **labels: str) -> list[float]:
        return [s.value for s in self.samples if s.name == name and _has(s.labels, labels)]


def _has(labels: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in wanted.items())


def scrape(settings: ServiceSettings) -> Scrape:
    """Blocking: from a test whose services run in its own event loop, in a worker thread
    (`asyncio.to_thread`, or a `wait_until` condition)."""
    answer = httpx.get(f"{base_url(settings)}/metrics", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return Scrape(answer.text)
