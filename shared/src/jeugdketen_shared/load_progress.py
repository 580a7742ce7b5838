"""How far a bulk load has come, in a small JSON file its loader writes and a reader polls: the
demo's simulated year (deploy/simulator, `--progress-file`) writes it, the ketenmonitor's
dashboard shows a banner from it until the load is over (`JEUGDKETEN_LOAD_PROGRESS_FILE`).

A file rather than a topic: the loader and the dashboard run on one machine, and a loader that
dies leaves its last word behind (`running`, with the time it was written), which the reader
takes as stopped once it is older than `STALE_AFTER`."""

import os
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

STALE_AFTER = timedelta(minutes=2)
"""A running load writes at least every few seconds; silent this long, it is gone."""


class LoadState(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"
    """Ended before all was published (an error, or interrupted)."""


class LoadProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: LoadState
    published: int = Field(ge=0)
    total: int = Field(ge=0)
    written_at: AwareDatetime

    @property
    def share(self) -> float:
        return self.published / self.total if self.total else 0.0


def write_progress(path: Path, state: LoadState, published: int, total: int, now: datetime) -> None:
    """Atomically: a reader never sees half a file."""
    progress = LoadProgress(state=state, published=published, total=total, written_at=now)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(progress.model_dump_json())
    temporary.replace(path)


def read_progress(path: Path, now: datetime) -> LoadProgress | None:
    """The load's progress; None where no load ever wrote here or the file is not one. A
    `running` load silent for `STALE_AFTER` is `stopped`."""
    try:
        progress = LoadProgress.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None
    if progress.state is LoadState.RUNNING and now - progress.written_at > STALE_AFTER:
        return progress.model_copy(update={"state": LoadState.STOPPED})
    return progress
