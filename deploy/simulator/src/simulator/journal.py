"""The simulator's own record of what it sent (JSON lines), so that tests and the ketenmonitor's
tests compute figures from it independently of the platform."""

import json
from pathlib import Path
from typing import IO, Any

from simulator.plan import PlannedMessage


def entry(message: PlannedMessage) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "service": message.service,
        "type": message.type,
        "case": message.key,
        "partner": message.partner.id,
        "source": message.source,
        "occurred_at": message.occurred_at,
        "outcome": message.intended.outcome.value,
        "reason": message.intended.reason,
        # the data as sent, but no BSN: the record is for figures, not for finding youths
        "data": {name: value for name, value in message.data.items() if name != "bsn"},
    }


class JsonLinesJournal:
    def __init__(self, file: IO[str]) -> None:
        self._file = file

    def write(self, message: PlannedMessage) -> None:
        self._file.write(json.dumps(entry(message)) + "\n")


def read_journal(path: Path) -> list[dict[str, Any]]:
    with path.open() as file:
        return [json.loads(line) for line in file if line.strip()]
