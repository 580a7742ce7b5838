"""A partner that knows only the committed AsyncAPI documents integrates with the platform.

It reads docs/asyncapi/*.yaml and nothing else of the project for its messages (no contract, no
model, no permission table): on each partner's own inbound channel it takes every message the
channel offers, makes an instance of its schema with the small generator below, keys it as the
message's Kafka binding says and publishes it over SASL/SCRAM as that partner. Every message
then has exactly one visible outcome: a domain event that names it as `causationid`, or a
rejection on the partner's own rejected topic that names it as `original.id`. The cases the
messages refer to are created first, by a referral each, from the same documents, and every
referral is accepted. The other steps go in rounds: one refused for the chain's state (a
decision before the case is known, a placement before triage) is sent again, as a new
message, while a round gets more accepted; and no message is refused for what the documents
could have told the partner (its envelope, data, key, permission, source or own values).
"""

import json
import random
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from aiokafka import AIOKafkaProducer

import plaatsing.main
import toegang.main
import triage.main
from tests.conftest import IsolatedPlatform
from tests.integration.test_kafka_acls import granted, kafka_security
from tests.support.infrastructure import REPOSITORY
from tests.support.kafka import read_until
from tests.support.services import running_in_process

pytestmark = pytest.mark.integration

DOCUMENTS = REPOSITORY / "docs" / "asyncapi"
SERVICES = ("toegang", "triage", "plaatsing")
DEMO_PREFIX = "jeugdketen."
SCHEMA_REFUSALS = {
    "malformed-json",
    "invalid-cloudevent",
    "invalid-data",
    "unknown-type",
    "message-too-large",
    "wrong-key",
    "unknown-partner",
    "not-permitted",
    "source-not-of-partner",
    "not-own-resident",
    "not-own-provider",
    "not-own-verwijzer",
    "unknown-gemeente",
}
"""What the documents tell a partner how to avoid; any other refusal is about the chain's state
(a case the service does not know yet, a step out of turn)."""


class Generator:
    """An instance of a JSON Schema of an AsyncAPI document: each required property, the first
    of an `enum`, a `const`, a schema's own example where it gives one, else a value of its type
    and format. Enough for the schemas of these documents, not for JSON Schema at large."""

    def __init__(self, document: Mapping[str, Any], seed: int) -> None:
        self._document = document
        self._random = random.Random(seed)

    def instance(self, schema: Mapping[str, Any]) -> Any:
        schema = self.resolved(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        if "examples" in schema:
            return schema["examples"][0]
        if "anyOf" in schema or "oneOf" in schema:
            options = schema.get("anyOf", schema.get("oneOf"))
            return self.instance(next(o for o in options if o.get("type") != "null"))
        kind = schema.get("type")
        if kind == "object":
            properties = schema.get("properties", {})
            return {name: self.instance(properties[name]) for name in schema.get("required", [])}
        if kind == "array":
            return [self.instance(schema["items"]) for _ in range(schema.get("minItems", 0))]
        if kind == "integer":
            return max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
        if kind == "boolean":
            return False
        if kind == "string":
            return self._string(schema)
        raise AssertionError(f"the generator cannot make an instance of {schema}")

    def _string(self, schema: Mapping[str, Any]) -> str:
        made = {
            "uuid": lambda: str(uuid.UUID(int=self._random.getrandbits(128), version=4)),
            "date-time": lambda: (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            "date": lambda: (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
        }
        if schema.get("format") in made:
            return made[schema["format"]]()
        assert "pattern" not in schema, f"a pattern without an example: {schema}"
        return "x" * max(1, schema.get("minLength", 1))

    def resolved(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """The schema with its `$ref` followed and its `allOf` merged into one."""
        if "$ref" in schema:
            return self.resolved(self.at(schema["$ref"]))
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged = _merged(merged, self.resolved(part), self)
            return merged
        return dict(schema)

    def at(self, reference: str) -> Any:
        node: Any = self._document
        for part in reference.removeprefix("#/").split("/"):
            node = node[part]
        return node


def _merged(base: dict[str, Any], more: dict[str, Any], generator: Generator) -> dict[str, Any]:
    merged = {**base, **{k: v for k, v in more.items() if k not in ("properties", "required")}}
    properties = dict(base.get("properties", {}))
    for name, schema in more.get("properties", {}).items():
        properties[name] = (
            _merged(generator.resolved(properties[name]), generator.resolved(schema), generator)
            if name in properties
            else schema
        )
    merged["properties"] = properties
    merged["required"] = sorted({*base.get("required", []), *more.get("required", [])})
    if "const" in more or "enum" in more:  # a narrowing: the partner's own value, not an example
        merged.pop("examples", None)
    return merged


@dataclass(frozen=True)
class Offered:
    """One message a partner's channel offers, as the document describes it."""

    service: str
    partner: str
    topic: str
    name: str
    cloudevent_type: str
    message: Mapping[str, Any]
    generator: Generator

    def made(self, case_id: str) -> tuple[bytes, bytes, dict[str, Any]]:
        """(key, value) of a new instance about `case_id` (if it is about a case), and the
        instance."""
        event = self.generator.instance(self.message["payload"])
        event["id"] = str(uuid.uuid4())
        if "case_id" in event["data"]:
            event["data"]["case_id"] = case_id
        location = self.message["bindings"]["kafka"]["x-key-location"]
        key: Any = event
        for part in location.removeprefix("$message.payload#/").split("/"):
            key = key[part]
        return str(key).encode(), json.dumps(event).encode(), event


def offered_messages() -> Iterator[Offered]:
    """Every message of every partner's inbound channel of the three services' documents."""
    for service in SERVICES:
        document = yaml.safe_load((DOCUMENTS / f"{service}.yaml").read_text(encoding="utf-8"))
        generator = Generator(document, seed=17)
        inbound = f"{DEMO_PREFIX}{service}.inbound."
        for channel in document["channels"].values():
            if not channel["address"].startswith(inbound):
                continue
            for name, reference in channel["messages"].items():
                message = generator.at(reference["$ref"])
                envelope = generator.resolved(message["payload"])
                yield Offered(
                    service=service,
                    partner=channel["address"].removeprefix(inbound),
                    topic=channel["address"].removeprefix(DEMO_PREFIX),
                    name=name,
                    cloudevent_type=envelope["properties"]["type"]["const"],
                    message=message,
                    generator=generator,
                )


class Partners:
    """Each partner's own Kafka producer, logged in as it over SASL/SCRAM."""

    def __init__(self, platform: IsolatedPlatform) -> None:
        assert platform.infrastructure.kafka_sasl is not None
        self._bootstrap = platform.infrastructure.kafka_sasl.bootstrap_servers
        self._passwords = kafka_security.load_credentials(
            platform.infrastructure.kafka_sasl.credentials
        )
        self._prefix = platform.prefix
        self._producers: dict[str, AIOKafkaProducer] = {}

    async def publish(self, offered: Offered, key: bytes, value: bytes) -> None:
        producer = self._producers.get(offered.partner)
        if producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                security_protocol="SASL_PLAINTEXT",
                sasl_mechanism="SCRAM-SHA-512",
                sasl_plain_username=offered.partner,
                sasl_plain_password=self._passwords[offered.partner],
                acks="all",
            )
            await producer.start()
            self._producers[offered.partner] = producer
        await producer.send_and_wait(
            f"{self._prefix}.{offered.topic}",
            key=key,
            value=value,
            headers=[("content-type", b"application/cloudevents+json")],
        )

    async def close(self) -> None:
        for producer in self._producers.values():
            await producer.stop()


@dataclass(frozen=True)
class Outcome:
    events: tuple[str, ...]
    """The types of the domain events that name the message as their cause."""
    refusals: tuple[str, ...]
    """The reasons of the rejections that name it."""


async def outcomes_of(
    platform: IsolatedPlatform, sent: Mapping[str, Offered], within_seconds: float = 120
) -> dict[str, Outcome]:
    """Each sent id's outcome, once every one has one."""
    topics = sorted(
        {platform.topic(o.service, "events") for o in sent.values()}
        | {f"{platform.prefix}.{o.service}.rejected.{o.partner}" for o in sent.values()}
    )

    def by_id(records: Any) -> dict[str, Outcome]:
        events: dict[str, list[str]] = {}
        refusals: dict[str, list[str]] = {}
        for record in records:
            event = json.loads(record.value)
            if event["type"] == "nl.jeugdketen.message-rejected":
                refusals.setdefault(event["data"]["original"]["id"], []).append(
                    event["data"]["reason"]
                )
            elif event.get("causationid") is not None:
                events.setdefault(event["causationid"], []).append(event["type"])
        return {
            id_: Outcome(tuple(events.get(id_, ())), tuple(refusals.get(id_, ())))
            for id_ in sent
            if id_ in events or id_ in refusals
        }

    records = await read_until(
        platform.infrastructure.kafka_bootstrap_servers,
        topics,
        lambda seen: len(by_id(seen)) == len(sent),
        within_seconds,
    )
    return by_id(records)


@pytest.fixture
def partners_may_publish(platform: IsolatedPlatform) -> Iterator[None]:
    if platform.infrastructure.kafka_sasl is None:
        pytest.skip("the broker has no SASL listener: deploy/local/down && deploy/local/up")
    with granted(platform.infrastructure, platform.prefix):
        yield


Planned = tuple[Offered, str]
"""A message, and the case it is about."""


async def in_rounds(
    platform: IsolatedPlatform, partners: Partners, planned: list[Planned]
) -> dict[str, tuple[Offered, Outcome]]:
    """Publish the messages, then those refused again as new messages while a round gets more
    accepted: a step refused for the chain's state (a decision before the analysis it follows)
    fits once the case moved on. Each sent id's outcome."""
    decided: dict[str, tuple[Offered, Outcome]] = {}
    while planned:
        sent: dict[str, Planned] = {}
        for offered, case_id in planned:
            key, value, event = offered.made(case_id)
            await partners.publish(offered, key, value)
            sent[event["id"]] = (offered, case_id)
        outcomes = await outcomes_of(platform, {id_: offered for id_, (offered, _) in sent.items()})
        decided |= {id_: (offered, outcomes[id_]) for id_, (offered, _) in sent.items()}
        refused = [sent[id_] for id_ in sent if outcomes[id_].refusals]
        planned = [] if len(refused) == len(planned) else refused
    return decided


@pytest.mark.usefixtures("partners_may_publish")
async def test_a_partner_knowing_only_the_asyncapi_documents_gets_its_messages_accepted(
    platform: IsolatedPlatform,
) -> None:
    offered = list(offered_messages())
    referrals = [o for o in offered if o.cloudevent_type.endswith(".referral-submitted")]
    assert referrals
    settings = platform.settings()
    partners = Partners(platform)
    try:
        async with (
            running_in_process(toegang.main.WIRING, toegang.main.build_application, settings),
            running_in_process(triage.main.WIRING, triage.main.build_application, settings),
            running_in_process(plaatsing.main.WIRING, plaatsing.main.build_application, settings),
        ):
            # first the cases the other messages are about, each by a referral
            cases = {referral.partner: str(uuid.uuid4()) for referral in referrals}
            referred = await in_rounds(
                platform, partners, [(r, cases[r.partner]) for r in referrals]
            )
            assert [o.refusals for _, o in referred.values() if o.refusals] == []
            # then every other message a partner's channel offers, about the case it referred
            # itself (a gemeente's is its resident's), else about any; withdrawals last, as
            # they close the case
            others = [o for o in offered if o not in referrals]
            anyone_s = list(cases.values())
            planned = [
                (other, cases.get(other.partner, anyone_s[index % len(anyone_s)]))
                for index, other in enumerate(others)
            ]
            withdrawals = [p for p in planned if "withdrawal" in p[0].cloudevent_type]
            steps = await in_rounds(
                platform, partners, [p for p in planned if p not in withdrawals]
            )
            withdrawn = await in_rounds(platform, partners, withdrawals)
    finally:
        await partners.close()
    decided = {**referred, **steps, **withdrawn}
    assert all(bool(o.events) != bool(o.refusals) for _, o in decided.values())
    assert all(len(o.refusals) <= 1 for _, o in decided.values())
    refused_for_the_contract = {
        f"{sent_as.partner}: {sent_as.name}": outcome.refusals
        for sent_as, outcome in decided.values()
        if SCHEMA_REFUSALS & set(outcome.refusals)
    }
    assert refused_for_the_contract == {}
