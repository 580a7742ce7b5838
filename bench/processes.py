"""Service processes for the benchmarks: started with an environment, measured through /proc."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@contextmanager
def running(
    service: str, role: str, environment: dict[str, str], name: str
) -> Iterator["subprocess.Popen[bytes]"]:
    """`python -m <service> <role>`, logging to test-artifacts/<name>.log."""
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / f"{name}.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", service, role],
            env={**os.environ, **environment},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def require_alive(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is not None:
        raise AssertionError(f"{process.args!r} ended with {process.returncode}; see its log")


def rss_mb(pid: int) -> float:
    """Resident set size now, in MB."""
    return _status_kb(pid, "VmRSS") / 1024


def peak_rss_mb(pid: int) -> float:
    """The highest resident set size so far, in MB."""
    return _status_kb(pid, "VmHWM") / 1024


def pss_mb(pid: int) -> float:
    """Proportional set size (shared pages divided among their users), in MB: the fair share
    of a PostgreSQL backend, whose shared buffers every backend maps."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no Pss for {pid}")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far, in seconds."""
    # the fields after the command name, which is in parentheses and may hold spaces
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(f"no {field} for {pid}")
