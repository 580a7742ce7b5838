"""CloudEvents 1.0 on Kafka, following the NL GOV profile for CloudEvents (Logius).

Every message on every topic is a CloudEvent in structured content mode (the whole event as
UTF-8 JSON in the record value, `content-type: application/cloudevents+json`), keyed by the
case id so that one case stays in order. Structured mode is written and read straight from and
to JSON by pydantic-core (the CloudEvents SDK's binding, with dateutil, took a fifth of an
ingress's and half of a rebuild's time); partners may also publish in binary content mode (`ce_`
headers), which the SDK's binding reads.

Profile rules enforced here: `source` is a URN of the publishing organisation and system
(`urn:nld:oin:<OIN>:systeem:<name>` for public bodies, `urn:nld:kvk:<KvK>:systeem:<name>` for
providers); `type` is reverse-domain, named after the domain (`nl.jeugdketen.<service>.<what>`)
with at most one version suffix; `time` is when the event was recorded; no personal data in
context attributes (the youth pseudonym lives in `data`). Chain extensions: `caseid`,
`causationid` (id of the partner message that caused the event) and the distributed-tracing
extension (`traceparent`, `tracestate`).
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from cloudevents.core.bindings import kafka as kafka_binding
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from jeugdketen_shared.refusal import FieldProblem, Refusal

SOURCE_PATTERN = r"^urn:nld:(oin:\d{20}|kvk:\d{8}):systeem:[a-z0-9][a-z0-9-]{0,62}$"
# segments named after the domain; a version (`.v2`, `.v3`, ...) only as the last segment
TYPE_PATTERN = r"^nl\.jeugdketen(\.(?!v[0-9]+(\.|$))[a-z][a-z0-9-]*)+(\.v[2-9][0-9]*)?$"
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
STRUCTURED_CONTENT_TYPE = JSONFormat.CONTENT_TYPE
EXTENSION_NAME = re.compile(r"[a-z0-9]+")
"""CloudEvents 1.0: an extension attribute's name is lower-case letters and digits."""
_STRUCTURED_HEADERS = (("content-type", STRUCTURED_CONTENT_TYPE.encode()),)

_JSON = JSONFormat()


def _specversion_required(schema: dict[str, Any]) -> None:
    # the default serves the events the platform builds itself; a message without the attribute
    # is no CloudEvent and is refused (`decode`), so the published schema requires it
    schema["required"] = ["specversion", *schema["required"]]


class CloudEvent(BaseModel):
    """The envelope of every message; `data` is validated against the contract of `type`."""

    # the type pattern needs a look-ahead, which only Python's engine has; other attributes are
    # extensions, kept only so that `decode` can check their names
    model_config = ConfigDict(
        frozen=True,
        extra="allow",
        regex_engine="python-re",
        json_schema_extra=_specversion_required,
    )

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=128, description="Unique per source")
    source: str = Field(
        pattern=SOURCE_PATTERN,
        examples=["urn:nld:oin:00000001823288444000:systeem:jeugdketen-toegang"],
    )
    type: str = Field(pattern=TYPE_PATTERN, examples=["nl.jeugdketen.toegang.referral-submitted"])
    time: AwareDatetime = Field(description="When the event was recorded by its publisher")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = Field(default=None, max_length=512)
    caseid: UUID | None = Field(default=None, description="Chain extension: the case")
    causationid: str | None = Field(
        default=None, max_length=128, description="Chain extension: id of the causing message"
    )
    traceparent: str | None = Field(default=None, pattern=TRACEPARENT_PATTERN)
    tracestate: str | None = Field(default=None, max_length=512)
    data: dict[str, Any]


@dataclass(frozen=True)
class KafkaRecord:
    """What goes onto, or came from, a Kafka topic."""

    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


class UnreadableMessage(Refusal):
    """The message is not a CloudEvent this platform can read."""


class MalformedJson(UnreadableMessage):
    """The message value is not valid UTF-8 JSON."""

    reason = "malformed-json"


class NotACloudEvent(UnreadableMessage):
    """The message is not a CloudEvents 1.0 event of the NL GOV profile."""

    reason = "invalid-cloudevent"


def encode(
    event: CloudEvent, key: str | None = None, headers: tuple[tuple[str, bytes], ...] = ()
) -> KafkaRecord:
    """Structured content mode, keyed by `key`, else by the case id; `headers` besides the
    content type (trace context)."""
    record_key = key or (str(event.caseid) if event.caseid else None)
    return KafkaRecord(
        key=record_key.encode() if record_key is not None else None,
        value=event.model_dump_json(exclude_none=True).encode(),
        headers=_STRUCTURED_HEADERS + headers,
    )


def decode(record: KafkaRecord) -> CloudEvent:
    """Read a record in structured or binary content mode; refuse anything else."""
    if _is_binary_mode(record):
        return _decode_binary(record)
    try:
        event = CloudEvent.model_validate_json(record.value)
    except ValidationError as error:
        raise _refusal_of(error) from error
    if "specversion" not in event.model_fields_set:
        raise NotACloudEvent("not a CloudEvent: the specversion attribute is missing")
    _check_extension_names(event)
    return event


@dataclass(frozen=True)
class Names:
    """The id, source and type a message gives itself."""

    id: str | None = None
    source: str | None = None
    type: str | None = None


NAMED_ATTRIBUTES = ("id", "source", "type")
MAX_ECHOED_CHARACTERS = 256
"""A name read from a message that is no readable CloudEvent is echoed at most this long."""


def names_of(record: KafkaRecord) -> Names:
    """The id, source and type a record names, as far as they can be read from its bytes,
    whatever else is wrong with it: a refusal echoes them so that the sender can tell which of
    its messages was refused. Only text is taken, cut to MAX_ECHOED_CHARACTERS."""
    if _is_binary_mode(record):
        headers = {name.lower(): value for name, value in record.headers}
        found = {
            a: headers[f"ce_{a}"].decode("utf-8", "replace")
            for a in NAMED_ATTRIBUTES
            if headers.get(f"ce_{a}") is not None
        }
    else:
        try:
            # the standard library's parser, unlike orjson, takes a lone surrogate ("\ud800")
            # in one string, which JSON allows, rather than give up on the whole message
            parsed = json.loads(record.value)
        except (ValueError, RecursionError):
            return Names()
        if not isinstance(parsed, dict):
            return Names()
        found = {a: parsed[a] for a in NAMED_ATTRIBUTES if isinstance(parsed.get(a), str)}
    # a lone surrogate (JSON allows "\ud800") could not be published: replaced
    return Names(
        **{
            a: text[:MAX_ECHOED_CHARACTERS].encode("utf-8", "replace").decode("utf-8")
            for a, text in found.items()
        }
    )


def _check_extension_names(event: CloudEvent) -> None:
    for name in event.model_extra or ():
        if not EXTENSION_NAME.fullmatch(name):
            raise NotACloudEvent(
                f"not a CloudEvent: extension attribute {name!r} should only contain lowercase"
                " letters and numbers"
            )


def _refusal_of(error: ValidationError) -> UnreadableMessage:
    problems = error.errors(include_url=False)
    first = problems[0]
    if first["type"] == "json_invalid":
        # bad UTF-8 or JSON, or JSON nested deeper than the parser goes (a few hundred `[`)
        return MalformedJson(f"the message value is not UTF-8 JSON: {first['msg']}")
    if first["type"] == "model_type":
        # valid JSON of the wrong shape (an array, a number)
        return NotACloudEvent(f"not a CloudEvent: {first['msg']}")
    if any(p["loc"] == ("data",) and p["type"] == "dict_type" for p in problems):
        return NotACloudEvent("data must be a JSON object")
    return NotACloudEvent(
        "the CloudEvent's context attributes break the NL GOV profile", problems_from(error)
    )


def _decode_binary(record: KafkaRecord) -> CloudEvent:
    try:
        sdk_event = kafka_binding.from_kafka(
            kafka_binding.KafkaMessage(
                headers=dict(record.headers), key=record.key, value=record.value
            ),
            _JSON,
        )
    except BaseCloudEventException as error:
        raise NotACloudEvent(f"not a CloudEvent: {error}") from error
    except (ValueError, RecursionError, TypeError, AttributeError) as error:
        # bad UTF-8 or JSON data, or a bad ce_time header: refused, not redelivered
        raise NotACloudEvent(f"unreadable binary-mode CloudEvent: {error}") from error
    # the record's key, which the binding adds as `partitionkey`, is checked by the ingress
    attributes = {
        name: value
        for name, value in sdk_event.get_attributes().items()
        if name != kafka_binding.PARTITIONKEY_ATTR
    }
    data = sdk_event.get_data()
    if not isinstance(data, dict):
        raise NotACloudEvent("data must be a JSON object")
    try:
        return CloudEvent.model_validate({**attributes, "data": data})
    except ValidationError as error:
        raise NotACloudEvent(
            "the CloudEvent's context attributes break the NL GOV profile",
            problems_from(error),
        ) from error


def _is_binary_mode(record: KafkaRecord) -> bool:
    return any(name[:3].lower() == "ce_" for name, _ in record.headers)


def problems_from(error: ValidationError, prefix: str = "") -> tuple[FieldProblem, ...]:
    return tuple(
        FieldProblem(
            location=".".join(
                [prefix, *map(str, problem["loc"])] if prefix else map(str, problem["loc"])
            ),
            reason=problem["type"],
            message=problem["msg"],
        )
        for problem in error.errors(include_url=False)
    )


def recorded_now(clock_now: datetime) -> datetime:
    """CloudEvent `time` with millisecond precision, as the profile's examples show."""
    return clock_now.replace(microsecond=clock_now.microsecond // 1000 * 1000)
