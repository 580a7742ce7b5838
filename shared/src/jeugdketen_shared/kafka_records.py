"""Records whose header names aiokafka cannot read still reach the consumer, to be refused.

Kafka's protocol calls a record header's name a string, but brokers do not check that it is
UTF-8, so any producer (kcat, a partner's library) can write one that is not. aiokafka (0.14, in
its C reader and its Python reader alike) decodes header names as strict UTF-8 while it iterates
a fetched batch, so such a record makes `getmany()` raise `UnicodeDecodeError` on every fetch of
its partition: neither it nor anything after it is ever delivered, the records fetched before
it in the same poll are dropped, and FastStream restarts its consume task in a tight loop. No
aiokafka release handles it, and its issues hold no workaround; the Java client reads such a name
with replacement characters instead.

`install()` makes the fetcher read each batch through `_Batches`: a batch is still read by
aiokafka's own (C) reader, and only a batch that reader cannot read is read again here, with
header names decoded with `surrogateescape`. The record is then delivered like any other, its
name's bytes recoverable (`name.encode("utf-8", "surrogateescape")`), and the ingress refuses it
(`invalid-header`) onto the partner's rejected topic; the next record is read as usual.
"""

import itertools
import struct
from collections.abc import Callable, Iterator
from typing import Any

from aiokafka import codec
from aiokafka.consumer import fetcher
from aiokafka.record.default_records import DefaultRecord, DefaultRecordBatch
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.record.util import decode_varint

# The v2 record batch's layout (Kafka's protocol, "Record Batch"): the batch's length after
# its base offset, the record count just before the records, and the records at the end.
_LENGTH = struct.Struct(">i")
_LENGTH_AT = 8
_LOG_OVERHEAD = 12  # base offset (int64) and length (int32), which the length leaves out
_RECORD_COUNT_AT = 57
_RECORDS_AT = 61
_LOG_APPEND_TIME = 1

_DECOMPRESS: dict[int, Callable[[bytes], bytes]] = {
    DefaultRecordBatch.CODEC_GZIP: codec.gzip_decode,
    DefaultRecordBatch.CODEC_SNAPPY: codec.snappy_decode,
    DefaultRecordBatch.CODEC_LZ4: codec.lz4_decode,
    DefaultRecordBatch.CODEC_ZSTD: codec.zstd_decode,
}


def install() -> None:
    """Read every batch the consumers of this process fetch through `_Batches` (idempotent)."""
    fetcher.MemoryRecords = _Batches


class _Batches:
    """aiokafka's `MemoryRecords` over one partition's fetched bytes, whose v2 batches fall
    back to `read_records` when aiokafka cannot read them."""

    def __init__(self, raw: bytes) -> None:
        self._raw = raw
        self._batches = MemoryRecords(raw)
        self._position = 0

    def has_next(self) -> bool:
        return bool(self._batches.has_next())

    def size_in_bytes(self) -> int:
        return int(self._batches.size_in_bytes())

    def next_batch(self) -> Any:
        start = self._position
        batch = self._batches.next_batch()
        if batch is None:
            return None
        (length,) = _LENGTH.unpack_from(self._raw, start + _LENGTH_AT)
        self._position = start + _LOG_OVERHEAD + length
        if isinstance(batch, DefaultRecordBatch):
            return _Batch(batch, self._raw[start : self._position])
        return batch  # a legacy (v0, v1) batch has no headers


class _Batch:
    """One v2 batch, read by aiokafka until it fails on a header name, then by `read_records`
    from the first record aiokafka could not give."""

    def __init__(self, batch: DefaultRecordBatch, raw: bytes) -> None:
        self._batch = batch
        self._raw = raw
        self._given = 0
        self._rest: Iterator[DefaultRecord] | None = None

    def __getattr__(self, name: str) -> Any:
        # the fetcher reads the batch's header (offsets, producer, control and CRC) as it is
        return getattr(self._batch, name)

    def __iter__(self) -> "_Batch":
        iter(self._batch)  # aiokafka decompresses the records here
        return self

    def __next__(self) -> DefaultRecord:
        if self._rest is None:
            try:
                record = next(self._batch)
            except UnicodeDecodeError:
                self._rest = itertools.islice(read_records(self._raw), self._given, None)
            else:
                self._given += 1
                return record
        return next(self._rest)


def read_records(raw: bytes) -> Iterator[DefaultRecord]:
    """The records of one v2 batch, as aiokafka gives them, but with every header name decoded
    with `surrogateescape`, so that one that is not UTF-8 is read rather than raised."""
    batch = DefaultRecordBatch(raw)
    records = raw[_RECORDS_AT:]
    if batch.compression_type != DefaultRecordBatch.CODEC_NONE:
        records = _DECOMPRESS[batch.compression_type](records)
    (count,) = _LENGTH.unpack_from(raw, _RECORD_COUNT_AT)
    position = 0
    for _ in range(count):
        record, position = _read_record(batch, records, position)
        yield record


def _read_record(
    batch: DefaultRecordBatch, buffer: bytes, position: int
) -> tuple[DefaultRecord, int]:
    length, position = decode_varint(buffer, position)
    end = position + length
    position += 1  # the record's attributes: none are defined
    timestamp_delta, position = decode_varint(buffer, position)
    offset_delta, position = decode_varint(buffer, position)
    key, position = _read_bytes(buffer, position)
    value, position = _read_bytes(buffer, position)
    header_count, position = decode_varint(buffer, position)
    headers: list[tuple[str, bytes | None]] = []
    for _ in range(header_count):
        name, position = _read_bytes(buffer, position)
        header_value, position = _read_bytes(buffer, position)
        headers.append(((name or b"").decode("utf-8", "surrogateescape"), header_value))
    if position != end:
        raise ValueError(f"a record of {length} bytes held {length + position - end}")
    timestamp = (
        batch.max_timestamp
        if batch.timestamp_type == _LOG_APPEND_TIME
        else batch.first_timestamp + timestamp_delta
    )
    record = DefaultRecord(
        batch.base_offset + offset_delta, timestamp, batch.timestamp_type, key, value, headers
    )
    return record, end


def _read_bytes(buffer: bytes, position: int) -> tuple[bytes | None, int]:
    length, position = decode_varint(buffer, position)
    if length < 0:
        return None, position
    return buffer[position : position + length], position + length
