"""Limits on what a partner message may be: its size, its id, its numbers and its moments, each
refused with its own reason; and a rejection that stays publishable whatever it refuses."""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import orjson
import pytest

from jeugdketen_shared.cloudevents import CloudEvent, KafkaRecord, encode
from jeugdketen_shared.contracts import plaatsing
from jeugdketen_shared.contracts.plaatsing import MAX_PLACES
from jeugdketen_shared.inbound import MAX_MESSAGE_BYTES, Contracts, InvalidId, read
from jeugdketen_shared.refusal import Refusal
from jeugdketen_shared.rejections import Arrival, Rejection

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CONTRACTS = Contracts(plaatsing.INBOUND)
PROVIDER_SOURCE = "urn:nld:kvk:12345678:systeem:zorgadministratie"


def event(type_: str, data: dict[str, Any], **envelope: Any) -> CloudEvent:
    return CloudEvent(
        id=envelope.pop("id", str(uuid4())),
        source=PROVIDER_SOURCE,
        type=type_,
        time=NOW,
        data=data,
        **envelope,
    )


def placement_start(**changes: Any) -> CloudEvent:
    data = {
        "case_id": str(uuid4()),
        "provider": "12345678",
        "care_form": "pleegzorg",
        "location_gemeente_code": "GM0153",
        "occurred_at": (NOW - timedelta(days=1)).isoformat(),
    } | changes
    return event(plaatsing.PlacementStartReport.cloudevent_type, data)


def capacity(places: object) -> CloudEvent:
    data = {
        "provider": "12345678",
        "care_form": "pleegzorg",
        "places": places,
        "occupied": 0,
        "occurred_at": NOW.isoformat(),
    }
    return event(plaatsing.CapacityReport.cloudevent_type, data)


def reason_of(envelope: CloudEvent) -> str:
    with pytest.raises(Refusal) as refused:
        CONTRACTS.validate(envelope, NOW)
    return refused.value.reason


def test_a_valid_message_is_read_and_validated() -> None:
    envelope = read(encode(placement_start()))
    assert isinstance(CONTRACTS.validate(envelope, NOW).data, plaatsing.PlacementStartReport)


def test_a_message_over_the_limit_is_refused_before_it_is_parsed() -> None:
    oversized = KafkaRecord(key=b"k", value=b"[" * MAX_MESSAGE_BYTES, headers=())
    with pytest.raises(Refusal) as refused:
        read(oversized)
    assert refused.value.reason == "message-too-large"


def test_headers_count_towards_the_limit() -> None:
    record = encode(placement_start())
    padded = KafkaRecord(record.key, record.value, (("x-padding", b"x" * MAX_MESSAGE_BYTES),))
    with pytest.raises(Refusal, match="at most"):
        read(padded)


@pytest.mark.parametrize(
    "headers",
    [
        # a name that is not UTF-8, as jeugdketen_shared.kafka_records gives it
        (("\udcff\udcfe", b"x"),),
        (
            ("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            ("x-\udce9", b"x"),
        ),
        # binary mode: one attribute in two headers, whatever their case
        (("ce_id", b"one"), ("CE_ID", b"two")),
    ],
)
def test_a_header_name_that_is_not_utf8_or_an_attribute_twice_is_refused(
    headers: tuple[tuple[str, bytes], ...],
) -> None:
    record = encode(placement_start())
    with pytest.raises(Refusal) as refused:
        read(KafkaRecord(record.key, record.value, record.headers + headers))
    assert refused.value.reason == "invalid-header"


def test_other_headers_may_come_twice_and_in_any_script() -> None:
    record = encode(placement_start())
    headers = (("x-bron", b"a"), ("x-bron", b"b"), ("x-caf\u00e9", b"c"))
    assert read(KafkaRecord(record.key, record.value, record.headers + headers))


@pytest.mark.parametrize(
    "id_",
    [
        "Jantje (8) is mishandeld",  # a sentence
        "melding-999990019",  # a BSN
        "caf\u00e9-1",  # not a code
        "-leading-dash",
    ],
)
def test_an_id_that_is_not_a_code_or_carries_a_bsn_is_refused(id_: str) -> None:
    with pytest.raises(InvalidId):
        read(encode(placement_start().model_copy(update={"id": id_})))


@pytest.mark.parametrize(
    "id_",
    [
        "5f0c6a1e-7d2b-4c8e-9a3f-1b2c3d4e5f60",
        "01JD5ZQ7W4X4Y1Q6R3K2M8N9PB",
        "urn:uuid:0b9d8c7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e",
        "m-1",
    ],
)
def test_uuids_ulids_and_urns_are_ids(id_: str) -> None:
    assert read(encode(placement_start().model_copy(update={"id": id_}))).id == id_


@pytest.mark.parametrize("places", [MAX_PLACES + 1, 2**70, -1])
def test_a_capacity_beyond_any_real_one_is_refused(places: int) -> None:
    assert reason_of(capacity(places)) == "invalid-data"


def test_a_capacity_up_to_the_limit_is_accepted() -> None:
    message = CONTRACTS.validate(capacity(MAX_PLACES), NOW)
    assert isinstance(message.data, plaatsing.CapacityReport)
    assert message.content_digest  # representable: the digest once raised on 2**70 places


def test_a_kvk_number_in_other_scripts_digits_is_refused() -> None:
    assert reason_of(placement_start(provider="\u0661" * 8)) == "invalid-data"


@pytest.mark.parametrize(
    "occurred_at", ["1989-12-31T22:00:00Z", "0001-01-01T00:00:00+05:00"], ids=["1989", "year 1"]
)
def test_a_moment_before_any_youth_was_born_is_refused(occurred_at: str) -> None:
    assert reason_of(placement_start(occurred_at=occurred_at)) == "occurred-before-birth"


def test_a_placement_that_starts_before_the_youths_birth_is_refused() -> None:
    born = (NOW - timedelta(days=1)).date().isoformat()
    started = (NOW - timedelta(days=3)).isoformat()
    assert reason_of(placement_start(birth_date=born, occurred_at=started)) == (
        "occurred-before-birth"
    )


def test_a_rejection_of_a_huge_message_is_cut_to_fit_the_rejected_topic() -> None:
    value = b'{"bsn": "999990019", ' + b"x" * (4 * MAX_MESSAGE_BYTES)
    arrival = Arrival(KafkaRecord(b"999990019", value, ()), topic="t", partition=0, offset=7)
    rejected = Rejection(arrival, InvalidId()).as_cloudevent(PROVIDER_SOURCE, NOW)
    original = rejected.data["original"]
    assert original["truncated"] is True
    assert len(base64.b64decode(original["value_base64"])) == MAX_MESSAGE_BYTES
    assert base64.b64decode(original["key_base64"]) == b"*********"
    assert b"999990019" not in json.dumps(rejected.data).encode()


def test_no_bsn_reaches_the_rejection_through_an_id_or_a_field_name() -> None:
    envelope = placement_start(**{"999990019": "x"}).model_copy(update={"id": "999990019"})
    with pytest.raises(Refusal) as refused:
        CONTRACTS.validate(envelope, NOW)
    arrival = Arrival(encode(envelope), topic="t", partition=0, offset=1)
    rejected = Rejection(arrival, refused.value, envelope).as_cloudevent(PROVIDER_SOURCE, NOW)
    assert rejected.data["errors"][0]["location"] == "data.*********"
    assert rejected.causationid == "*********"
    assert "999990019" not in rejected.model_dump_json()


def refused_on_reading(record: KafkaRecord) -> dict[str, Any]:
    """The rejection's `original` of a record that is refused before it is a CloudEvent."""
    with pytest.raises(Refusal) as refused:
        read(record)
    arrival = Arrival(record, topic="t", partition=0, offset=3)
    original: dict[str, Any] = (
        Rejection(arrival, refused.value).as_cloudevent(PROVIDER_SOURCE, NOW).data["original"]
    )
    return original


def test_a_rejection_echoes_the_id_source_and_type_it_could_read_whatever_else_is_wrong() -> None:
    sent = placement_start()
    no_specversion = orjson.loads(encode(sent).value)
    del no_specversion["specversion"]
    record = encode(sent)
    for unreadable in [
        KafkaRecord(record.key, orjson.dumps(no_specversion), ()),
        KafkaRecord(record.key, record.value, (("\udcff", b"x"),)),  # invalid-header
    ]:
        original = refused_on_reading(unreadable)
        assert (original["id"], original["source"], original["type"]) == (
            str(sent.id),
            sent.source,
            sent.type,
        )
    binary = KafkaRecord(b"k", b"[]", (("ce_id", b"melding-7"), ("ce_type", b"x")))
    original = refused_on_reading(binary)
    assert (original["id"], original["source"], original["type"]) == ("melding-7", None, "x")


@pytest.mark.parametrize(
    "value",
    [
        b"not json",
        b'["id", "source"]',
        b'{"id": 7, "source": {"a": 1}, "type": null}',
    ],
)
def test_nothing_is_echoed_that_is_no_text(value: bytes) -> None:
    original = refused_on_reading(KafkaRecord(b"k", value, ()))
    assert (original["id"], original["source"], original["type"]) == (None, None, None)


def test_an_echoed_name_is_cut_masked_and_publishable() -> None:
    named = {"id": "bsn 999990019 " + "x" * 1000, "source": "lone", "type": "t" * 1000}
    value = orjson.dumps(named).replace(b"lone", b"\\ud800")  # JSON allows it, UTF-8 not
    original = refused_on_reading(KafkaRecord(b"k", value, ()))
    assert original["id"] == "bsn ********* " + "x" * 242
    assert len(original["type"]) == 256
    assert json.dumps(original).encode("utf-8")


def test_a_bsn_in_the_trace_context_is_refused_since_it_travels_on() -> None:
    in_envelope = placement_start().model_copy(update={"tracestate": "partner=999990019"})
    record = encode(placement_start())
    in_header = KafkaRecord(record.key, record.value, (("tracestate", b"bsn=999990019"),))
    for hostile in (encode(in_envelope), in_header):
        with pytest.raises(Refusal) as refused:
            read(hostile)
        assert refused.value.reason == "personal-data-in-context"


def test_an_ordinary_trace_context_passes() -> None:
    traced = placement_start().model_copy(
        update={
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "tracestate": "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
        }
    )
    assert read(encode(traced)).tracestate == traced.tracestate


@pytest.mark.parametrize("nested", [b"[" * 10_000, b'{"data": ' + b"[" * 10_000])
def test_json_nested_deeper_than_the_parser_goes_is_refused(nested: bytes) -> None:
    # the parser's RecursionError once escaped the gateway: the batch was redelivered for ever
    with pytest.raises(Refusal) as refused:
        read(KafkaRecord(None, nested, ()))
    assert refused.value.reason == "malformed-json"
