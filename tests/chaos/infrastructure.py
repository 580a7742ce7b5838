"""The chaos test's own Kafka broker and PostgreSQL server, started with deploy/local/up under a
temporary JEUGDKETEN_LOCAL_DIR on other ports (19092 to 19094, 15432): the test kills them, and
the shared ones on 9092 to 9094 and 5432 serve other tests at the same time."""

import os
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.infrastructure import REPOSITORY, Infrastructure

UP, DOWN = REPOSITORY / "deploy/local/up", REPOSITORY / "deploy/local/down"
SHARED_JARS = REPOSITORY / ".local/kafka/libs"
KAFKA_PORT, CONTROLLER_PORT, SASL_PORT, PG_PORT = 19092, 19093, 19094, 15432
READY_SECONDS = 180
"""How long `up` waits for each: a broker recovering its logs after a SIGKILL on a busy
machine takes longer than the default minute."""
SERVICE_DATABASES = ("toegang", "triage", "plaatsing", "ketenmonitor")
"""The databases deploy/local/up creates, one per service, as in production."""


@dataclass(frozen=True)
class OwnInfrastructure:
    local_dir: Path

    @classmethod
    def start(cls) -> "OwnInfrastructure":
        # directly under /tmp (world-traversable): the postgres OS user must reach the cluster
        own = cls(Path(tempfile.mkdtemp(prefix="jeugdketen-chaos-")))
        own.up()
        return own

    @property
    def kafka_bootstrap_servers(self) -> str:
        return f"127.0.0.1:{KAFKA_PORT}"

    def database_url(self, database: str = "postgres") -> str:
        return f"postgresql://jeugdketen:jeugdketen@127.0.0.1:{PG_PORT}/{database}"

    def as_infrastructure(self) -> Infrastructure:
        return Infrastructure(self.kafka_bootstrap_servers, self.database_url())

    def up(self) -> None:
        """Start whatever of the two is not running (deploy/local/up is idempotent)."""
        self._run(UP)

    def kill_broker(self) -> None:
        """SIGKILL the broker JVM: no controlled shutdown, unflushed pages stay unflushed."""
        pid = int((self.local_dir / "run/kafka.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid)
        # the leader thread is a zombie before the last of the JVM's threads has exited, and
        # the sockets close only with that one: `up` would take a listening port for a stranger
        for port in (KAFKA_PORT, CONTROLLER_PORT, SASL_PORT):
            _wait_closed(port)

    def crash_postgres(self) -> None:
        """Immediate shutdown: every backend is killed without a checkpoint, so the next start
        runs crash recovery, as after a power cut."""
        data = (self.local_dir / "postgres/data-location").read_text().strip()
        subprocess.run(
            ["runuser", "-u", "postgres", "--", _pg_ctl(), "-D", data, "stop", "-m", "immediate"],
            capture_output=True,
            check=True,
            timeout=60,
        )

    def down(self) -> None:
        self._run(DOWN, "--purge")

    def _run(self, script: Path, *arguments: str) -> None:
        """Run a deploy/local script; its output goes to up.log, the part of this run into the
        failure when it fails."""
        log_path = self.local_dir / "up.log"
        with log_path.open("ab") as log:
            start = log.tell()
            ran = subprocess.run(
                [str(script), *arguments],
                env=self._environment(),
                stdout=log,
                stderr=log,
                check=False,
                timeout=300,
            )
        if ran.returncode != 0:
            output = log_path.read_bytes()[start:].decode(errors="replace")
            raise AssertionError(f"{script.name} {' '.join(arguments)} failed:\n{output}")

    def _environment(self) -> dict[str, str]:
        environment = {
            **os.environ,
            "JEUGDKETEN_LOCAL_DIR": str(self.local_dir),
            "JEUGDKETEN_KAFKA_PORT": str(KAFKA_PORT),
            "JEUGDKETEN_KAFKA_CONTROLLER_PORT": str(CONTROLLER_PORT),
            "JEUGDKETEN_KAFKA_SASL_PORT": str(SASL_PORT),
            "JEUGDKETEN_PG_PORT": str(PG_PORT),
            "JEUGDKETEN_KAFKA_READY_TIMEOUT": str(READY_SECONDS),
            "JEUGDKETEN_PG_READY_TIMEOUT": str(READY_SECONDS),
        }
        if (SHARED_JARS / ".fetched").exists():
            environment["JEUGDKETEN_KAFKA_LIBS"] = str(SHARED_JARS)
        return environment


def _pg_ctl() -> str:
    newest = max(Path("/usr/lib/postgresql").iterdir(), key=lambda p: int(p.name))
    return str(newest / "bin/pg_ctl")


def _wait_gone(pid: int, within_seconds: float = 30) -> None:
    deadline = time.monotonic() + within_seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} still there {within_seconds}s after SIGKILL")
        time.sleep(0.05)


def _wait_closed(port: int, within_seconds: float = 30) -> None:
    deadline = time.monotonic() + within_seconds
    while _listening(port):
        if time.monotonic() > deadline:
            raise AssertionError(f"port {port} still open {within_seconds}s after SIGKILL")
        time.sleep(0.05)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _alive(pid: int) -> bool:
    """Running, not a zombie nobody reaped yet (the broker's parent, `up`, has exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
