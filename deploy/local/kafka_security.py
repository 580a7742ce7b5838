"""Who may do what on Kafka: the principals, their SCRAM credentials and their ACLs.

One readable definition, generated from the partner registry (deploy/partners.toml), what each
kind of partner may publish (jeugdketen_shared.permissions) and the services' own wiring (their
upstream services, the ketenmonitor's sources), so that a new partner or a new dependency gets
its ACLs without anyone writing them by hand. The table it makes is in docs/security.md.

    uv run --frozen python deploy/local/kafka_security.py --print      # the ACLs, one a line
    uv run --frozen python deploy/local/kafka_security.py \\
        --bootstrap-servers 127.0.0.1:9092 --credentials .local/kafka/credentials.toml \\
        --libs .local/kafka/libs                                         # what deploy/local/up runs
    uv run --frozen python deploy/local/kafka_security.py --password toegang --credentials ...
    uv run --frozen python deploy/local/kafka_security.py --profile production \
        --credentials .local/kafka/credentials.toml --compose-env    # docker-compose's passwords

Applying creates a random password for every principal that has none yet in the credentials
file (mode 600, under .local/, never committed), then gives the broker every SCRAM credential
and ACL in one run of KafkaSecurity.java (Kafka's Java Admin API: aiokafka cannot create SCRAM
credentials). It logs in as the admin over SCRAM or, with --as-broker (what deploy/local/up
and docker-compose do: before the first run no SCRAM credential exists), as the brokers' own
principal with SASL/PLAIN on their listener; no listener takes an anonymous client. Applying is
idempotent; a stamp file makes a repeat with nothing changed cost no JVM start.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from jeugdketen_shared.permissions import Partner, load_partners, services_publishable_by
from jeugdketen_shared.settings import ServiceTopics
from jeugdketen_shared.youth_keys import keys_topic
from ketenmonitor.projection.consumer import SOURCE_SERVICES
from plaatsing.main import WIRING as PLAATSING
from toegang.main import WIRING as TOEGANG
from triage.main import WIRING as TRIAGE

DEPLOY = Path(__file__).resolve().parent.parent
PARTNERS_FILE = DEPLOY / "partners.toml"
JAVA_TOOL = Path(__file__).resolve().parent / "KafkaSecurity.java"

WIRINGS = (TOEGANG, TRIAGE, PLAATSING)
MONITOR = "ketenmonitor"
ADMIN = "admin"
"""A super user with SCRAM credentials, for administration over the SASL listener."""
SIMULATOR = "simulator"
"""The demo's simulated Twente: it speaks for every partner, so it is no partner itself. A
production deployment has no such principal (docs/security.md)."""
BROKER = "broker"
"""The brokers' and controllers' own principal among themselves, a super user. It logs in with
SASL/PLAIN against the password in the brokers' configuration, not with SCRAM: a KRaft
controller cannot take SCRAM logins (its credentials live in the metadata it serves), and the
first SCRAM credential can only be created by someone who logged in without one."""

Profile = Literal["local", "production"]
"""local: the demo's, with the simulator; production (docker-compose): without it."""

Operation = Literal["READ", "WRITE", "DESCRIBE"]
Resource = Literal["TOPIC", "GROUP"]
Pattern = Literal["LITERAL", "PREFIXED"]


@dataclass(frozen=True, order=True)
class Acl:
    """One ALLOW rule: `principal` may do `operation` on the resource(s) the pattern names."""

    principal: str
    operation: Operation
    resource: Resource
    pattern: Pattern
    name: str

    def line(self, verb: Literal["acl", "unacl"] = "acl") -> str:
        """The rule as KafkaSecurity.java reads it: to add (acl) or to remove (unacl)."""
        rule = f"User:{self.principal} {self.operation} {self.resource} {self.pattern} {self.name}"
        return f"{verb} {rule}"


@dataclass(frozen=True)
class Login:
    """Who KafkaSecurity.java logs in as: the brokers' principal with PLAIN on their own listener
    (the only login before any SCRAM credential exists), or the admin with SCRAM."""

    mechanism: Literal["PLAIN", "SCRAM-SHA-512"]
    principal: str
    password: str = field(repr=False)

    def line(self) -> str:
        return f"login {self.mechanism} {self.principal} {self.password}"


def _topic(
    principal: str, operations: Iterable[Operation], name: str, pattern: Pattern = "LITERAL"
) -> list[Acl]:
    # a client must DESCRIBE a topic (its metadata) to read or write it
    return [Acl(principal, op, "TOPIC", pattern, name) for op in ("DESCRIBE", *operations)]


def partner_acls(prefix: str, partner: Partner) -> list[Acl]:
    """A partner writes only its own inbound topic of each service its kind may publish to, and
    reads only its own rejections there (in consumer groups named after itself)."""
    acls = [Acl(partner.id, "READ", "GROUP", "PREFIXED", f"{prefix}.partner.{partner.id}")]
    for service in sorted(services_publishable_by(partner.kind)):
        topics = ServiceTopics(prefix, service)
        acls += _topic(partner.id, ["WRITE"], topics.inbound_of(partner.id))
        acls += _topic(partner.id, ["READ"], topics.rejected_of(partner.id))
    return acls


def service_acls(prefix: str) -> list[Acl]:
    """Each service reads every partner's inbound topic of its own and the events of the services
    upstream, writes its events and rejections, and uses the consumer groups of its name."""
    acls: list[Acl] = []
    for wiring in WIRINGS:
        name, topics = wiring.name, ServiceTopics(prefix, wiring.name)
        acls += _topic(name, ["READ"], f"{topics.inbound}.", "PREFIXED")
        acls += _topic(name, ["WRITE"], topics.events)
        acls += _topic(name, ["WRITE"], topics.rejected, "PREFIXED")  # every partner's
        for upstream in wiring.upstream:
            acls += _topic(name, ["READ"], ServiceTopics(prefix, upstream.service).events)
        acls.append(Acl(name, "READ", "GROUP", "PREFIXED", topics.consumer_group))
    for source in SOURCE_SERVICES:
        acls += _topic(MONITOR, ["READ"], ServiceTopics(prefix, source).events)
    acls += _topic(MONITOR, ["WRITE"], f"{prefix}.{MONITOR}.alerts")
    # the youths' keys: toegang's process publishes them, the ketenmonitor alone unseals with
    # them; no other service, no partner, not the simulator
    acls += _topic(TOEGANG.name, ["WRITE"], keys_topic(prefix))
    acls += _topic(MONITOR, ["READ"], keys_topic(prefix))
    acls.append(Acl(MONITOR, "READ", "GROUP", "PREFIXED", f"{prefix}.{MONITOR}"))
    return acls


def simulator_acls(prefix: str) -> list[Acl]:
    """The demo's simulator writes every partner's inbound topics, reads the events, and
    follows the services' consumer groups (it holds a message back until its upstream event
    was applied)."""
    acls: list[Acl] = []
    for wiring in WIRINGS:
        topics = ServiceTopics(prefix, wiring.name)
        acls += _topic(SIMULATOR, ["WRITE"], f"{topics.inbound}.", "PREFIXED")
        acls += _topic(SIMULATOR, ["READ"], topics.events)
    acls.append(Acl(SIMULATOR, "DESCRIBE", "GROUP", "PREFIXED", f"{prefix}."))
    return acls


def acls(prefix: str, partners: Sequence[Partner], profile: Profile = "local") -> list[Acl]:
    """Every ACL of the platform whose topics start with `prefix` (tests use their own)."""
    everything = service_acls(prefix)
    if profile == "local":
        everything += simulator_acls(prefix)
    for partner in partners:
        everything += partner_acls(prefix, partner)
    return sorted(set(everything))


def platform_principals(profile: Profile = "local") -> list[str]:
    """The principals that are no partner: the brokers', the admin, the services'."""
    services = [wiring.name for wiring in WIRINGS]
    simulator = [SIMULATOR] if profile == "local" else []
    return [BROKER, ADMIN, *services, MONITOR, *simulator]


def principals(partners: Sequence[Partner], profile: Profile = "local") -> list[str]:
    return [*platform_principals(profile), *(partner.id for partner in partners)]


def compose_variable(principal: str) -> str:
    """The variable docker-compose.yml takes a principal's password from."""
    return "JEUGDKETEN_KAFKA_PASSWORD_" + principal.upper().replace("-", "_")


# ----------------------------------------------------------------------------- credentials


def load_credentials(path: Path) -> dict[str, str]:
    """name -> password, from a file of `name = "password"` lines under `[users]`."""
    import tomllib

    if not path.exists():
        return {}
    with path.open("rb") as file:
        users: dict[str, str] = tomllib.load(file).get("users", {})
    return users


def ensure_credentials(path: Path, names: Iterable[str]) -> dict[str, str]:
    """The credentials file with a random password for every name that had none."""
    credentials = load_credentials(path)
    missing = [name for name in names if name not in credentials]
    if missing:
        credentials |= {name: secrets.token_urlsafe(24) for name in missing}
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        # created with mode 600 from the start: never readable by others, not even briefly
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(
                "# SCRAM-SHA-512 passwords of the local Kafka's principals, made by\n"
                "# deploy/local/up (deploy/local/kafka_security.py). Never commit them.\n"
                "[users]\n"
            )
            file.writelines(f'"{name}" = "{password}"\n' for name, password in credentials.items())
        partial.replace(path)
    return credentials


# ----------------------------------------------------------------------------- the broker


def apply(
    bootstrap_servers: str,
    libs: Path,
    login: Login,
    credentials: Mapping[str, str],
    rules: Iterable[Acl],
    stamp: Path | None = None,
) -> str:
    """Give the broker these credentials (SCRAM, every principal's but the brokers' own) and
    ACLs; returns what the tool reported."""
    users = [
        f"user {name} {password}"
        for name, password in sorted(credentials.items())
        if name != BROKER
    ]
    return _run(bootstrap_servers, libs, [login.line(), *users, *(r.line() for r in rules)], stamp)


def remove(bootstrap_servers: str, libs: Path, login: Login, rules: Iterable[Acl]) -> str:
    """Take these ACLs from the broker (a test's, when it ends)."""
    return _run(bootstrap_servers, libs, [login.line(), *(rule.line("unacl") for rule in rules)])


def _run(bootstrap_servers: str, libs: Path, lines: list[str], stamp: Path | None = None) -> str:
    text = "\n".join(lines) + "\n"
    digest = hashlib.sha256(f"{bootstrap_servers}\n{text}".encode()).hexdigest()
    if stamp is not None and stamp.exists() and stamp.read_text() == digest:
        return "SCRAM credentials and ACLs unchanged since the last run"
    done = subprocess.run(
        ["java", "-Xmx256m", "-cp", f"{libs}/*", str(JAVA_TOOL), bootstrap_servers],
        input=text,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    if done.returncode != 0:
        raise RuntimeError(f"KafkaSecurity.java failed: {done.stderr.strip()[-2000:]}")
    if stamp is not None:
        stamp.write_text(digest)
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--bootstrap-servers",
        default="127.0.0.1:9092",
        help="the brokers' own listener (with --as-broker)",
    )
    parser.add_argument("--prefix", default="jeugdketen", help="first part of every topic name")
    parser.add_argument("--partners", type=Path, default=PARTNERS_FILE)
    parser.add_argument("--credentials", type=Path, help="the passwords file (mode 600)")
    parser.add_argument("--libs", type=Path, help="the broker's jars (for the Java Admin API)")
    parser.add_argument("--stamp", type=Path, help="skip when this file says nothing changed")
    parser.add_argument(
        "--profile",
        choices=["local", "production"],
        default="local",
        help="production (docker-compose): no simulator principal and no ACLs of its",
    )
    parser.add_argument(
        "--as-broker",
        action="store_true",
        help="log in as the brokers' principal (SASL/PLAIN on their listener), not as the admin",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--print", action="store_true", help="print the ACLs, connect nowhere")
    action.add_argument(
        "--password", metavar="PRINCIPAL", help="print a principal's password (made if missing)"
    )
    action.add_argument(
        "--compose-env",
        action="store_true",
        help="print docker-compose's password variables (an --env-file), connect nowhere",
    )
    args = parser.parse_args(argv)

    partners = load_partners(args.partners)
    rules = acls(args.prefix, partners, args.profile)
    if args.print:
        for rule in rules:
            where = f"{rule.resource:<5} {rule.pattern:<8} {rule.name}"
            print(f"{rule.principal:<36} {rule.operation:<8} {where}")
        return 0
    if args.credentials is None:
        parser.error("--credentials is needed to apply or to print a password")
    credentials = ensure_credentials(args.credentials, principals(partners, args.profile))
    if args.password:
        password = credentials.get(args.password)
        if password is None:
            print(f"no password for {args.password} in {args.credentials}", file=sys.stderr)
            return 1
        print(password)
        return 0
    if args.compose_env:
        for name in platform_principals(args.profile):
            print(f"{compose_variable(name)}={credentials[name]}")
        return 0
    if args.libs is None:
        parser.error("--libs is needed to apply")
    scram = {name: credentials[name] for name in principals(partners, args.profile)}
    if args.as_broker:
        login = Login("PLAIN", BROKER, credentials[BROKER])
    else:
        login = Login("SCRAM-SHA-512", ADMIN, credentials[ADMIN])
    print(apply(args.bootstrap_servers, args.libs, login, scram, rules, args.stamp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
