"""A Kafka broker and PostgreSQL server of a test's own, started with deploy/local/up under a
temporary JEUGDKETEN_LOCAL_DIR on other ports: the chaos test's (19092 to 19094, 15432) kills
them, tests/demo runs `./run demo` on its own, and the shared ones on 9092 to 9094 and 5432
serve other tests at the same time."""

import os
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.infrastructure import (
    KAFKA_LOGIN,
    REPOSITORY,
    Infrastructure,
    settings_written_by_up,
)

UP, DOWN = REPOSITORY / "deploy/local/up", REPOSITORY / "deploy/local/down"
SHARED_JARS = REPOSITORY / ".local/kafka/libs"
READY_SECONDS = 180
"""How long `up` waits for each: a broker recovering its logs after a SIGKILL on a busy
machine takes longer than the default minute."""
SERVICE_DATABASES = ("toegang", "triage", "plaatsing", "ketenmonitor")
"""The databases deploy/local/up creates, one per service, as in production."""


@dataclass(frozen=True)
class Ports:
    kafka: int
    controller: int
    sasl: int
    postgres: int


CHAOS_PORTS = Ports(kafka=19092, controller=19093, sasl=19094, postgres=15432)


@dataclass(frozen=True)
class OwnInfrastructure:
    local_dir: Path
    ports: Ports = CHAOS_PORTS

    @classmethod
    def create(cls, ports: Ports = CHAOS_PORTS) -> "OwnInfrastructure":
        """One in a new folder, not started yet."""
        # directly under /tmp (world-traversable): the postgres OS user must reach the cluster
        return cls(Path(tempfile.mkdtemp(prefix="jeugdketen-own-")), ports)

    @classmethod
    def start(cls) -> "OwnInfrastructure":
        own = cls.create()
        own.up()
        return own

    @property
    def kafka_bootstrap_servers(self) -> str:
        """The listener of every client (the broker's own, on ports.kafka, takes only it)."""
        return f"127.0.0.1:{self.ports.sasl}"

    def kafka_login(self) -> dict[str, str]:
        """The admin's login to this broker, from the settings its `up` wrote."""
        settings = settings_written_by_up(self.local_dir)
        return {name: settings[name] for name in KAFKA_LOGIN}

    def database_url(self, database: str = "postgres") -> str:
        return f"postgresql://jeugdketen:jeugdketen@127.0.0.1:{self.ports.postgres}/{database}"

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
        for port in (self.ports.kafka, self.ports.controller, self.ports.sasl):
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
                env=self.environment(),
                stdout=log,
                stderr=log,
                check=False,
                timeout=300,
            )
        if ran.returncode != 0:
            output = log_path.read_bytes()[start:].decode(errors="replace")
            raise AssertionError(f"{script.name} {' '.join(arguments)} failed:\n{output}")

    def environment(self) -> dict[str, str]:
        """This one's settings for deploy/local's scripts (and `./run`), over this process's."""
        environment = {
            **os.environ,
            "JEUGDKETEN_LOCAL_DIR": str(self.local_dir),
            "JEUGDKETEN_KAFKA_PORT": str(self.ports.kafka),
            "JEUGDKETEN_KAFKA_CONTROLLER_PORT": str(self.ports.controller),
            "JEUGDKETEN_KAFKA_SASL_PORT": str(self.ports.sasl),
            "JEUGDKETEN_PG_PORT": str(self.ports.postgres),
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
