"""One way to print a figure: its value, the baseline measured in the same run, their ratio
and the target; also appended as JSON to test-artifacts/bench-results.jsonl for the docs."""

import json
import os
import platform
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "bench-results.jsonl"


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str
    baseline: float | None = None
    baseline_name: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    def line(self) -> str:
        text = f"{self.name}: {self.value:,.1f} {self.unit} (target {self.target})"
        if self.baseline is not None:
            text += (
                f"; baseline {self.baseline_name} {self.baseline:,.1f} {self.unit},"
                f" ratio {self.ratio:.3f}"
            )
        if self.note:
            text += f"; {self.note}"
        return text


def report(*figures: Figure) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    with RESULTS.open("a") as results:
        for figure in figures:
            print(f"\nBENCH {figure.line()}")
            row = {
                **asdict(figure),
                "ratio": figure.ratio,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "events": int(os.environ.get("BENCH_EVENTS", "0")) or None,
                "machine": platform.node(),
            }
            results.write(json.dumps(row) + "\n")


def percentile(values: list[float], p: float) -> float:
    """Nearest rank, as the figures use."""
    ordered = sorted(values)
    index = max(int(-(-p * len(ordered) // 100)), 1) - 1
    return ordered[index]
