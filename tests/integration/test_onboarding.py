"""The partner onboarding page's examples, run as written against the real broker and services.

docs/onboarding.md names each example in its fence (```json referral.json, ```sh kcat-referral);
the files are written as the page shows them and the commands run in a shell, on this test's
broker, topics and port instead of the demo's.
"""

import asyncio
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import plaatsing.main
import toegang.main
import triage.main
from jeugdketen_shared import inbound
from jeugdketen_shared.refusal import Refusal
from jeugdketen_shared.settings import ServiceSettings
from tests.conftest import IsolatedPlatform
from tests.integration.test_kafka_acls import granted, kafka_security
from tests.support.infrastructure import REPOSITORY
from tests.support.kafka import at_least, cloudevents, read_all, read_until, rejected_topics
from tests.support.partner_credentials import partner_credentials
from tests.support.services import running_in_process
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

PAGE = (REPOSITORY / "docs/onboarding.md").read_text(encoding="utf-8")
EXAMPLES = {
    name: body
    for name, body in re.findall(r"^```\w+ (\S+)\n(.*?)^```$", PAGE, flags=re.MULTILINE | re.DOTALL)
}
_DEMO_TOPIC = re.compile(r"\bjeugdketen\.(toegang|triage|plaatsing)\.(inbound|rejected)\b")
_DEMO_BROKER = "127.0.0.1:9094"
_PARTNER_TOPIC = re.compile(r"\.(?:inbound|rejected)\.([\w-]+)")
_FILES = ("referral.json", "placement-start.json", "bad-referral.json", "publish.py")


def _librdkafka_of_kcat() -> tuple[int, ...]:
    if shutil.which("kcat") is None:
        return ()
    shown = subprocess.run(["kcat", "-V"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"librdkafka (\d+)\.(\d+)\.(\d+)", shown)
    return () if found is None else tuple(int(part) for part in found.groups())


needs_kcat_with_scram_for_kafka_4 = pytest.mark.skipif(
    _librdkafka_of_kcat() < (2, 6, 1),
    reason="this kcat's librdkafka is older than 2.6.1, whose SCRAM login Kafka 4 refuses "
    "(github.com/edenhill/kcat/issues/462; docs/onboarding.md)",
)


def on_test_platform(text: str, platform: IsolatedPlatform, http_port: int | None = None) -> str:
    """The page's text with this test's broker, topics (and HTTP port) for the demo's."""
    text = _DEMO_TOPIC.sub(lambda found: platform.topic(found[1], found[2]), text)
    text = text.replace(_DEMO_BROKER, platform.infrastructure.kafka_bootstrap_servers)
    if http_port is not None:
        text = text.replace("http://localhost:8081", f"http://127.0.0.1:{http_port}")
    return text


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Where a partner would work: the page's files, as it shows them."""
    for name in _FILES:
        (tmp_path / name).write_text(EXAMPLES[name], encoding="utf-8")
    return tmp_path


@pytest.fixture
def partners_may_publish(platform: IsolatedPlatform) -> Iterator[None]:
    """The platform's ACLs for this test's topics: the page's commands log in as partners."""
    with granted(platform.infrastructure, platform.prefix):
        yield


def kafka_login_of(command: str, platform: IsolatedPlatform) -> dict[str, str]:
    """The Kafka login of the partner whose own topic the command names, as the page has it."""
    found = _PARTNER_TOPIC.search(command)
    if found is None or platform.infrastructure.kafka_sasl is None:
        return {}
    passwords = kafka_security.load_credentials(platform.infrastructure.kafka_sasl.credentials)
    return {"KAFKA_USERNAME": found[1], "KAFKA_PASSWORD": passwords[found[1]]}


async def run(
    command: str, folder: Path, platform: IsolatedPlatform, secret: str | None = None
) -> str:
    """A documented command in a shell, with this test's Python first on the PATH, logged in to
    Kafka as the partner whose topic it names (and with the partner's HTTP secret in
    PARTNER_SECRET), as the page has it."""
    process = await asyncio.create_subprocess_shell(
        command,
        cwd=folder,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "KAFKA_BOOTSTRAP_SERVERS": platform.infrastructure.kafka_bootstrap_servers,
            **kafka_login_of(command, platform),
            **({} if secret is None else {"PARTNER_SECRET": secret}),
        },
    )
    async with asyncio.timeout(60):
        stdout, stderr = await process.communicate()
    assert process.returncode == 0, f"{command} failed: {stderr.decode()}"
    return stdout.decode()


def documented(name: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(EXAMPLES[name])
    return parsed


async def the_event_made_of(
    example: str, service: ModuleType, platform: IsolatedPlatform, folder: Path
) -> dict[str, Any]:
    """Run the page's command with the service running: the one domain event it makes, and no
    rejection."""
    kafka = platform.infrastructure.kafka_bootstrap_servers
    name = service.WIRING.name
    async with running_in_process(service.WIRING, service.build_application, platform.settings()):
        await run(on_test_platform(EXAMPLES[example], platform), folder, platform)
        [event] = cloudevents(await read_until(kafka, platform.topic(name, "events"), at_least(1)))
    assert await read_all(kafka, rejected_topics(platform.prefix, name)) == []
    return event


@pytest.mark.parametrize(
    ("command", "service", "message", "made"),
    [
        pytest.param(
            "kcat-referral",
            toegang.main,
            "referral.json",
            "toegang.referral-received",
            marks=needs_kcat_with_scram_for_kafka_4,
        ),
        ("python-referral", toegang.main, "referral.json", "toegang.referral-received"),
        pytest.param(
            "kcat-placement-start",
            plaatsing.main,
            "placement-start.json",
            "plaatsing.placement-started",
            marks=needs_kcat_with_scram_for_kafka_4,
        ),
        (
            "python-placement-start",
            plaatsing.main,
            "placement-start.json",
            "plaatsing.placement-started",
        ),
    ],
)
@pytest.mark.usefixtures("partners_may_publish")
async def test_a_message_published_as_the_page_shows_is_accepted(
    platform: IsolatedPlatform,
    folder: Path,
    command: str,
    service: ModuleType,
    message: str,
    made: str,
) -> None:
    event = await the_event_made_of(command, service, platform, folder)

    sent = documented(message)
    assert event["type"] == f"nl.jeugdketen.{made}"
    assert event["causationid"] == sent["id"]
    assert event["data"]["case_id"] == sent["data"]["case_id"]
    assert "bsn" not in event["data"]


@pytest.mark.usefixtures("partners_may_publish")
async def test_the_crisis_placement_start_is_marked_as_the_page_says(
    platform: IsolatedPlatform, folder: Path
) -> None:
    event = await the_event_made_of("python-placement-start", plaatsing.main, platform, folder)

    assert event["data"]["crisis_without_triage"] is True


async def test_the_referral_posted_with_curl_is_accepted_then_repeated(
    platform: IsolatedPlatform, folder: Path
) -> None:
    port = _free_port()
    settings = ServiceSettings.model_validate(
        {**platform.environment(), "JEUGDKETEN_HTTP_PORT": str(port)}
    )
    command = on_test_platform(EXAMPLES["curl-referral"], platform, http_port=port)
    async with running_in_process(toegang.main.WIRING, toegang.main.build_application, settings):
        await wait_until(lambda: _accepts_connections(port), f"toegang listening on {port}")
        secret = partner_credentials().secrets["huisartsenpraktijk-de-linde"]
        answers = [await run(command, folder, platform, secret) for _ in range(2)]

    assert "".join(answers) == EXAMPLES["curl-referral-answers"]


@needs_kcat_with_scram_for_kafka_4
@pytest.mark.usefixtures("partners_may_publish")
async def test_the_bad_referral_is_on_the_rejected_topic_as_the_page_shows(
    platform: IsolatedPlatform, folder: Path
) -> None:
    kafka = platform.infrastructure.kafka_bootstrap_servers
    async with running_in_process(
        toegang.main.WIRING, toegang.main.build_application, platform.settings()
    ):
        await run(on_test_platform(EXAMPLES["kcat-bad-referral"], platform), folder, platform)
        await read_until(kafka, rejected_topics(platform.prefix, "toegang"), at_least(1))
        read = await run(on_test_platform(EXAMPLES["kcat-rejected"], platform), folder, platform)

    shown = json.loads(on_test_platform(EXAMPLES["rejection.json"], platform))
    [rejection] = [json.loads(line) for line in read.splitlines()]
    # its id is made of this test's topic name, its time of now; it carries the trace context
    # of its receive span when this process traces (another test may have installed a tracer)
    for varying in ("id", "time"):
        del rejection[varying], shown[varying]
    for tracing in ("traceparent", "tracestate"):
        rejection.pop(tracing, None)
    assert rejection == shown
    original = base64.b64decode(rejection["data"]["original"]["value_base64"])
    assert b"999990019" not in original
    assert original.replace(b"*********", b"999990019") == EXAMPLES["bad-referral.json"].encode()
    assert await read_all(kafka, platform.topic("toegang", "events")) == []


SERVICES = (toegang.main, triage.main, plaatsing.main)
"""The services that take partners' messages, with everything they refuse with."""
# raised by plaatsing's birthday clock and toegang's term clock, never for a partner's message
_NOT_FOR_PARTNERS = {
    "already-turned-eighteen",
    "not-in-care-on-birthday",
    "no-voorlopige-ots-to-expire",
}


def test_the_page_explains_every_reason_a_partner_message_is_refused_for() -> None:
    section = PAGE.split("### Every reason", 1)[1]
    explained = set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.MULTILINE))
    refusals = {
        refusal.reason
        for refusal in _subclasses(Refusal)
        if refusal.__module__.split(".")[0] in {"jeugdketen_shared", *_packages(SERVICES)}
        and "reason" in vars(refusal)
    }
    contract_reasons = inbound._CHAIN_REASONS | set(inbound._PYDANTIC_REASONS.values())
    assert explained == (refusals | contract_reasons) - _NOT_FOR_PARTNERS


def _packages(modules: tuple[ModuleType, ...]) -> set[str]:
    return {module.__name__.split(".")[0] for module in modules}


def _subclasses(cls: type[Refusal]) -> list[type[Refusal]]:
    return [each for sub in cls.__subclasses__() for each in (sub, *_subclasses(sub))]


def _accepts_connections(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
