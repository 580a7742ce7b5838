"""The batches aiokafka's fetcher reads go through jeugdketen_shared.kafka_records: every record
as aiokafka gives it, and a record with a header name that is not UTF-8 as well, instead of an
error on every fetch of its partition."""

import struct

import pytest
from aiokafka.consumer import fetcher
from aiokafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
from aiokafka.record.util import calc_crc32c

from jeugdketen_shared import kafka_records
from jeugdketen_shared.kafka_records import read_records

PLACEHOLDER = "\x01\x02"
"""A header name as long as the one that is not UTF-8 below: put in its place after building."""
NOT_UTF8 = b"\xff\xfe"
RECORDS_AT = 61
CRC_AT, ATTRIBUTES_AT, LENGTH_AT = 17, 21, 8


def batch(
    base_offset: int,
    records: list[tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]]]],
    compression: int = DefaultRecordBatch.CODEC_NONE,
) -> bytes:
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=compression,
        is_transactional=0,
        producer_id=-1,
        producer_epoch=-1,
        base_sequence=-1,
        batch_size=1 << 20,
    )
    for delta, (key, value, headers) in enumerate(records):
        builder.append(
            delta, timestamp=1_700_000_000_000 + delta, key=key, value=value, headers=headers
        )
    raw = bytearray(builder.build())
    struct.pack_into(">q", raw, 0, base_offset)
    return bytes(raw)


def with_crc(raw: bytearray) -> bytes:
    struct.pack_into(">I", raw, CRC_AT, calc_crc32c(bytes(raw[ATTRIBUTES_AT:])))
    return bytes(raw)


def poisoned(raw: bytes) -> bytes:
    """The uncompressed batch with its placeholder header names made bytes that are not UTF-8,
    as kcat or any producer other than aiokafka's can write them."""
    return with_crc(bytearray(raw.replace(PLACEHOLDER.encode(), NOT_UTF8)))


def gzipped(raw: bytes) -> bytes:
    """The uncompressed batch's records compressed as one gzip block, as a producer sends them."""
    from aiokafka.codec import gzip_encode

    compressed = bytearray(raw[:RECORDS_AT]) + gzip_encode(raw[RECORDS_AT:])
    struct.pack_into(">i", compressed, LENGTH_AT, len(compressed) - 12)
    attributes = struct.unpack_from(">h", compressed, ATTRIBUTES_AT)[0]
    struct.pack_into(">h", compressed, ATTRIBUTES_AT, attributes | DefaultRecordBatch.CODEC_GZIP)
    return with_crc(compressed)


def as_fetched(raw: bytes) -> list[tuple[int, bytes | None, bytes | None, list]]:
    """What the fetcher makes of a partition's fetched bytes, batch by batch (PartitionRecords)."""
    batches = kafka_records._Batches(raw)
    read = []
    while batches.has_next():
        next_batch = batches.next_batch()
        assert next_batch.validate_crc()
        read += [(r.offset, r.key, r.value, list(r.headers)) for r in next_batch]
    return read


RECORDS = [
    (b"case-1", b'{"a": 1}', [("traceparent", b"00-1"), ("x-leeg", None)]),
    (None, None, []),
    (b"case-2", b"", [("caf\u00e9", b"\xff")]),
]


@pytest.mark.parametrize(
    "compression", [DefaultRecordBatch.CODEC_NONE, DefaultRecordBatch.CODEC_GZIP]
)
def test_records_are_read_as_aiokafka_reads_them(compression: int) -> None:
    raw = batch(40, RECORDS, compression)
    aiokafka = [
        (r.offset, r.timestamp, r.timestamp_type, r.key, r.value, list(r.headers))
        for r in DefaultRecordBatch(raw)
    ]
    ours = [
        (r.offset, r.timestamp, r.timestamp_type, r.key, r.value, list(r.headers))
        for r in read_records(raw)
    ]
    assert ours == aiokafka
    assert [offset for offset, *_ in ours] == [40, 41, 42]


@pytest.mark.parametrize("compress", [lambda raw: raw, gzipped], ids=["plain", "gzip"])
def test_a_header_name_that_is_not_utf8_is_read_and_so_is_every_other_record(compress) -> None:
    before = batch(0, [(b"k", b"before", [])])
    mixed = compress(
        poisoned(
            batch(
                1,
                [
                    (b"k", b"first", []),
                    (b"k", b"poison", [(PLACEHOLDER, b"x")]),
                    (b"k", b"last", [("h", b"y")]),
                ],
            )
        )
    )
    after = batch(4, [(b"k", b"after", [])])
    with pytest.raises(UnicodeDecodeError):
        list(DefaultRecordBatch(mixed))  # what aiokafka alone does

    read = as_fetched(before + mixed + after)

    assert [(offset, value) for offset, _, value, _ in read] == [
        (0, b"before"),
        (1, b"first"),
        (2, b"poison"),
        (3, b"last"),
        (4, b"after"),
    ]
    [name] = [name for _, _, value, headers in read if value == b"poison" for name, _ in headers]
    assert name.encode("utf-8", "surrogateescape") == NOT_UTF8
    assert read[3][3] == [("h", b"y")]


def test_install_makes_the_fetcher_read_through_it() -> None:
    kafka_records.install()
    assert fetcher.MemoryRecords is kafka_records._Batches
