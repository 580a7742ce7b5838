"""A Kafka broker and PostgreSQL server of a test's own, started with deploy/local/up under a
temporary JEUGDKETEN_LOCAL_DIR on other ports: the chaos test's (19092 to 19094, 15432) kills
them, tests/demo runs `./run demo` on its own, and the shared ones on 9092 to 9094 and 5432
serve other tests at the same time. In place of the one broker, three (deploy/local/cluster,
compose's replication; the chaos test's on 19192 to 19214 and 15433), beside which `up` starts
only PostgreSQL."""

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
CLUSTER = REPOSITORY / "deploy/local/cluster"
CLUSTER_BROKERS = 3
"""deploy/local/cluster's nodes."""
NODE_PORT_STEP = 10
"""deploy/local/cluster's node n listens 10 (n - 1) ports above the first node's ports."""
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
CHAOS_CLUSTER_PORTS = Ports(kafka=19192, controller=19193, sasl=19194, postgres=15433)
"""The first node's; a PostgreSQL port of its own, so that both modes may run at once."""


@dataclass(frozen=True)
class OwnInfrastructure:
    local_dir: Path
    ports: Ports = CHAOS_PORTS
    brokers: int = 1
    """1: deploy/local/up's broker; CLUSTER_BROKERS: deploy/local/cluster's, on `ports` on."""

    @classmethod
    def create(cls, ports: Ports = CHAOS_PORTS, brokers: int = 1) -> "OwnInfrastructure":
        """One in a new folder, not started yet."""
        if brokers not in (1, CLUSTER_BROKERS):
            raise ValueError(f"1 broker or deploy/local/cluster's {CLUSTER_BROKERS}, not {brokers}")
        # directly under /tmp (world-traversable): the postgres OS user must reach the cluster
        return cls(Path(tempfile.mkdtemp(prefix="jeugdketen-own-")), ports, brokers)

    @classmethod
    def start(cls, brokers: int = 1) -> "OwnInfrastructure":
        own = cls.create(CHAOS_PORTS if brokers == 1 else CHAOS_CLUSTER_PORTS, brokers)
        own.up()
        return own

    @property
    def nodes(self) -> range:
        return range(1, self.brokers + 1)

    def node_ports(self, node: int) -> Ports:
        step = NODE_PORT_STEP * (node - 1)
        return Ports(
            self.ports.kafka + step,
            self.ports.controller + step,
            self.ports.sasl + step,
            self.ports.postgres,
        )

    @property
    def kafka_bootstrap_servers(self) -> str:
        """The listener of every client on every node (the broker's own, on its `kafka` port,
        takes only the broker)."""
        return ",".join(f"127.0.0.1:{self.node_ports(node).sasl}" for node in self.nodes)

    def kafka_login(self) -> dict[str, str]:
        """The admin's login to the broker(s), from the settings `up` (or, for three,
        deploy/local/cluster's `up`) wrote."""
        settings = settings_written_by_up(
            self.local_dir if self.brokers == 1 else self.local_dir / "cluster"
        )
        return {name: settings[name] for name in KAFKA_LOGIN}

    def database_url(self, database: str = "postgres") -> str:
        return f"postgresql://jeugdketen:jeugdketen@127.0.0.1:{self.ports.postgres}/{database}"

    def as_infrastructure(self) -> Infrastructure:
        return Infrastructure(self.kafka_bootstrap_servers, self.database_url())

    def up(self) -> None:
        """Start whatever is not running (deploy/local/up and cluster are idempotent). The
        cluster's `up` returns once every broker is live and every partition in sync again."""
        if self.brokers == 1:
            self._run(UP)
        else:
            self._run(CLUSTER, "up")
            self._run(UP, "--postgres-only")

    def kill_broker(self, node: int = 1) -> None:
        """SIGKILL a broker JVM: no controlled shutdown, unflushed pages stay unflushed."""
        pid = int((self._node_dir(node) / "run/kafka.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid)
        # the leader thread is a zombie before the last of the JVM's threads has exited, and
        # the sockets close only with that one: `up` would take a listening port for a stranger
        ports = self.node_ports(node)
        for port in (ports.kafka, ports.controller, ports.sasl):
            _wait_closed(port)

    def log_dirs(self) -> dict[str, Path]:
        """Every broker's and the server's logs, by a name for each folder."""
        nodes = {f"kafka-{node}": self._node_dir(node) / "logs" for node in self.nodes}
        return {"logs": self.local_dir / "logs", **(nodes if self.brokers > 1 else {})}

    def _node_dir(self, node: int) -> Path:
        return self.local_dir if self.brokers == 1 else self.local_dir / f"cluster/node-{node}"

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
        if self.brokers > 1:
            self._run(CLUSTER, "down", "--purge")

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
            "JEUGDKETEN_CLUSTER_DIR": str(self.local_dir / "cluster"),
            "JEUGDKETEN_CLUSTER_PORT": str(self.ports.kafka),
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
