"""Running a service for a test: in this process, or as a process a test can SIGKILL."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from jeugdketen_shared.batch import ChainApplication
from jeugdketen_shared.service import ServiceWiring, serve
from jeugdketen_shared.settings import ServiceSettings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@asynccontextmanager
async def running_in_process(
    wiring: ServiceWiring,
    build_application: Callable[[ServiceSettings], ChainApplication],
    settings: ServiceSettings,
    role: str = "all",
) -> AsyncIterator[None]:
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(wiring, build_application(settings), settings, role, stopping))
    try:
        yield
        if task.done():
            task.result()  # a service that died during the test fails it with its own error
    finally:
        stopping.set()
        async with asyncio.timeout(30):
            await task


class ServiceProcess:
    """`python -m <service> <role>` with the test's environment; logs go to test-artifacts/."""

    def __init__(self, service: str, role: str, environment: dict[str, str], name: str) -> None:
        self._command = [sys.executable, "-m", service, role]
        self._environment = {**os.environ, **environment}
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"{name}.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self._command, env=self._environment, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a machine dies."""
        process = self._require_running()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)

    def _require_running(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            raise AssertionError(f"{self._command} is not running; see {self.log_path}")
        return self._process
