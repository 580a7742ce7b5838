"""`./run demo`, `./run status` and `./run stop` as a newcomer runs them, on a Kafka and a
PostgreSQL of the demo's own (other ports, a temporary JEUGDKETEN_LOCAL_DIR) and without the
simulated year (JEUGDKETEN_DEMO_CASES=0), so that it fits in the suite: supervisord brings back
a service that was killed, and `./run stop` leaves no process of the demo behind. The shared
broker and server, which other tests use meanwhile, are never touched."""

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.chaos.infrastructure import OwnInfrastructure, Ports
from tests.support.infrastructure import KAFKA_LOGIN, REPOSITORY
from tests.support.services import ARTIFACTS
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

RUN = REPOSITORY / "run"
PORTS = Ports(kafka=29092, controller=29093, sasl=29094, postgres=25432)
FIRST_HTTP_PORT = 28081
"""toegang's; triage, plaatsing and the ketenmonitor take the next three."""
SHARED_SETTINGS = {
    "KAFKA_BOOTSTRAP_SERVERS",
    "DATABASE_URL",
    "KAFKA_SASL_BOOTSTRAP_SERVERS",
    "JEUGDKETEN_KAFKA_CREDENTIALS",
    "JEUGDKETEN_KAFKA_LISTENERS",
    *KAFKA_LOGIN,
}
"""The shared infrastructure's, which this process may have: the demo gets its own from up."""
PROCESSES = ("supervisord", "-m toegang", "-m triage", "-m plaatsing", "-m ketenmonitor")
PROCESSES += ("-m simulator", "kafka.Kafka", "postgres")
"""What each of the demo's processes has in its command line: its programs under supervisord
(the live simulator among them), and deploy/local's broker and server."""


@dataclass(frozen=True)
class Demo:
    own: OwnInfrastructure
    cases: str | None = "0"
    """JEUGDKETEN_DEMO_CASES; None: the demo's own default."""

    def environment(self) -> dict[str, str]:
        environment = {
            key: value
            for key, value in self.own.environment().items()
            if key not in SHARED_SETTINGS | {"JEUGDKETEN_DEMO_CASES"}
        }
        environment["JEUGDKETEN_DEMO_HTTP_PORT"] = str(FIRST_HTTP_PORT)
        if self.cases is not None:
            environment["JEUGDKETEN_DEMO_CASES"] = self.cases
        return environment

    def run(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        ran = subprocess.run(
            [str(RUN), *arguments],
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=540,
            check=False,
        )
        if check and ran.returncode != 0:
            raise AssertionError(
                f"./run {' '.join(arguments)} exited {ran.returncode}:\n{ran.stdout}\n{ran.stderr}"
            )
        return ran

    def running_pid(self, program: str) -> int | None:
        """The pid `./run status` shows for the program, while it is RUNNING."""
        status = self.run("status", check=False).stdout
        found = re.search(rf"^{program} +RUNNING +pid (\d+),", status, re.MULTILINE)
        return int(found[1]) if found else None

    def processes(self) -> list[str]:
        """The command lines of the processes whose environment names this demo's folder: all
        that `./run demo` started inherit it, down to PostgreSQL's backends."""
        marker = f"JEUGDKETEN_LOCAL_DIR={self.own.local_dir}".encode()
        found = []
        for process in (p for p in os.scandir("/proc") if p.name.isdigit()):
            try:
                with open(f"{process.path}/environ", "rb") as environ:
                    if marker not in environ.read().split(b"\0"):
                        continue
                with open(f"{process.path}/cmdline", "rb") as cmdline:
                    found.append(cmdline.read().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:  # gone meanwhile
                continue
        return found


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    the_demo = Demo(OwnInfrastructure.create(PORTS))
    try:
        the_demo.run("demo")
        yield the_demo
    finally:
        the_demo.run("stop", check=False)
        shutil.copytree(the_demo.own.local_dir / "logs", ARTIFACTS / "run-demo", dirs_exist_ok=True)
        the_demo.own.down()
        shutil.rmtree(the_demo.own.local_dir, ignore_errors=True)


async def test_a_killed_service_is_started_again(demo: Demo) -> None:
    killed = demo.running_pid("toegang")
    assert killed is not None
    os.kill(killed, signal.SIGKILL)

    def running_again() -> bool:
        return demo.running_pid("toegang") not in (None, killed)

    def serving() -> bool:
        try:
            live = httpx.get(f"http://127.0.0.1:{FIRST_HTTP_PORT}/health/live", timeout=5)
        except httpx.TransportError:
            return False
        return live.status_code == 200

    await wait_until(running_again, "toegang RUNNING again under another pid", 180)
    await wait_until(serving, "toegang serving again", 120)


def test_stop_leaves_no_process_of_the_demo(demo: Demo) -> None:
    """The last test of the module: it stops the demo."""
    running = demo.processes()
    for expected in PROCESSES:
        assert any(expected in command for command in running), (expected, running)

    stopped = demo.run("stop")

    for program in ("toegang", "triage", "plaatsing", "ketenmonitor", "live-simulator"):
        assert f"{program}: stopped" in stopped.stdout
    assert demo.processes() == []
    status = demo.run("status", check=False)
    assert status.returncode == 1
    assert "none running" in status.stderr
