"""CloudEvents on Kafka: structured and binary mode in, structured out, NL GOV rules enforced."""

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from jeugdketen_shared.cloudevents import (
    CloudEvent,
    KafkaRecord,
    MalformedJson,
    NotACloudEvent,
    decode,
    encode,
)

SOURCE = "urn:nld:oin:00000001001234567000:systeem:lokaal-team"


def an_event(**overrides: object) -> CloudEvent:
    fields: dict[str, object] = {
        "id": str(uuid4()),
        "source": SOURCE,
        "type": "nl.jeugdketen.toegang.referral-submitted",
        "time": datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        "caseid": uuid4(),
        "data": {"answer": 42},
    }
    return CloudEvent.model_validate(fields | overrides)


def structured(attributes: dict[str, object]) -> KafkaRecord:
    return KafkaRecord(key=None, value=json.dumps(attributes).encode(), headers=())


def test_an_encoded_event_is_structured_json_keyed_by_its_case() -> None:
    event = an_event()
    record = encode(event)
    assert record.key == str(event.caseid).encode()
    assert dict(record.headers) == {"content-type": b"application/cloudevents+json"}
    assert json.loads(record.value)["time"] == "2026-11-02T09:30:00Z"
    assert decode(record) == event


def test_a_binary_mode_event_is_read_too() -> None:
    event = an_event()
    record = KafkaRecord(
        key=str(event.caseid).encode(),
        value=b'{"answer": 42}',
        headers=(
            ("ce_specversion", b"1.0"),
            ("ce_id", event.id.encode()),
            ("ce_source", SOURCE.encode()),
            ("ce_type", event.type.encode()),
            ("ce_time", b"2026-11-02T09:30:00Z"),
            ("ce_caseid", str(event.caseid).encode()),
            ("content-type", b"application/json"),
        ),
    )
    assert decode(record) == event


@pytest.mark.parametrize(
    "value", [b'{"specversion": "1.0", "id": ', b"\xff\xfe", b""], ids=["cut", "latin", "empty"]
)
def test_what_is_not_json_is_malformed(value: bytes) -> None:
    with pytest.raises(MalformedJson):
        decode(KafkaRecord(key=None, value=value, headers=()))


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"source": "https://example.org/lokaal-team"}, "source"),
        ({"type": "com.example.referral"}, "type"),
        ({"type": "nl.jeugdketen.toegang.referral-submitted.v2.v3"}, "type"),
        ({"traceparent": "not-a-traceparent"}, "traceparent"),
    ],
)
def test_the_nl_gov_profile_is_enforced(change: dict[str, str], location: str) -> None:
    attributes = an_event().model_dump(mode="json", exclude_none=True) | change
    with pytest.raises(NotACloudEvent) as refused:
        decode(structured(attributes))
    assert [problem.location for problem in refused.value.problems] == [location]


@pytest.mark.parametrize("value", [b"[1, 2]", b"42", b'{"id": "x"}', b'{"specversion": "0.1"}'])
def test_json_that_is_no_cloudevent_is_refused(value: bytes) -> None:
    with pytest.raises(NotACloudEvent):
        decode(KafkaRecord(key=None, value=value, headers=()))


def test_data_must_be_a_json_object() -> None:
    attributes = an_event().model_dump(mode="json", exclude_none=True) | {"data": [1, 2]}
    with pytest.raises(NotACloudEvent, match="data must be a JSON object"):
        decode(structured(attributes))


def test_an_event_without_specversion_is_refused() -> None:
    attributes = an_event().model_dump(mode="json", exclude_none=True)
    del attributes["specversion"]
    with pytest.raises(NotACloudEvent, match="specversion"):
        decode(structured(attributes))


def test_the_published_schema_requires_specversion_as_decode_does() -> None:
    # the model's default serves the platform's own events; a partner reads the schema
    assert "specversion" in CloudEvent.model_json_schema()["required"]


def test_extension_attributes_are_named_in_lower_case_letters_and_digits() -> None:
    attributes = an_event().model_dump(mode="json", exclude_none=True)
    assert decode(structured(attributes | {"priority2": "hoog"})).model_extra == {
        "priority2": "hoog"
    }
    with pytest.raises(NotACloudEvent, match="Priority-2"):
        decode(structured(attributes | {"Priority-2": "hoog"}))
