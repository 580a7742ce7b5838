"""A bulk load's progress file, as its loader writes it and a dashboard reads it."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from jeugdketen_shared.load_progress import (
    STALE_AFTER,
    LoadState,
    read_progress,
    write_progress,
)


def test_what_the_loader_wrote_is_what_the_reader_reads(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    write_progress(path, LoadState.RUNNING, 1_250, 5_000, datetime.now(UTC))
    progress = read_progress(path, datetime.now(UTC))
    assert progress is not None
    assert (progress.state, progress.published, progress.total) == (LoadState.RUNNING, 1_250, 5_000)
    assert progress.share == 0.25
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]  # no temporary file left


def test_a_running_load_silent_too_long_is_taken_as_stopped(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    now = datetime.now(UTC)
    write_progress(path, LoadState.RUNNING, 10, 5_000, now)
    later = now + STALE_AFTER + timedelta(seconds=1)
    assert read_progress(path, later).state is LoadState.STOPPED  # type: ignore[union-attr]
    write_progress(path, LoadState.FINISHED, 5_000, 5_000, now)
    assert read_progress(path, later).state is LoadState.FINISHED  # type: ignore[union-attr]


def test_no_file_or_not_a_progress_file_is_no_load(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    assert read_progress(path, datetime.now(UTC)) is None
    path.write_text('{"state": "half"}')
    assert read_progress(path, datetime.now(UTC)) is None
