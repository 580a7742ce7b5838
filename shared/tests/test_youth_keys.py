import re
from collections.abc import Callable

import pytest

from jeugdketen_shared.youth_keys import (
    SEALED_PATTERN,
    KeyRecord,
    UnreadableSealedValue,
    UnusableKeyRecord,
    YouthKey,
)


def test_sealed_value_reads_back_only_under_the_youths_own_key() -> None:
    key, other = YouthKey.generate(), YouthKey.generate()
    sealed = key.seal("2031-04")

    assert re.match(SEALED_PATTERN, sealed)
    assert "2031" not in sealed
    assert key.unseal(sealed) == "2031-04"
    with pytest.raises(UnreadableSealedValue):
        other.unseal(sealed)


def test_sealing_twice_gives_two_strings_so_equal_months_do_not_show() -> None:
    key = YouthKey.generate()

    assert key.seal("2031-04") != key.seal("2031-04")


@pytest.mark.parametrize(
    "tampered",
    [
        # a character inside, not the last: the last one's low bits may be padding, which
        # decoding drops, so changing it may change no byte
        lambda sealed: sealed[:12] + ("A" if sealed[12] != "A" else "B") + sealed[13:],
        lambda sealed: "v2." + sealed[3:],
        lambda sealed: sealed[:20],
        lambda sealed: "v1." + "!" * 40,
    ],
)
def test_a_tampered_or_malformed_value_is_refused(tampered: Callable[[str], str]) -> None:
    key = YouthKey.generate()

    with pytest.raises(UnreadableSealedValue):
        key.unseal(tampered(key.seal("2031-04")))


def test_the_pseudonym_follows_from_the_key_and_differs_per_youth() -> None:
    key = YouthKey.generate()

    assert re.fullmatch(r"[0-9a-f]{64}", key.pseudonym)
    assert YouthKey(key.secret).pseudonym == key.pseudonym
    assert YouthKey.generate().pseudonym != key.pseudonym


def test_the_key_travels_as_a_record_and_never_shows_in_a_repr() -> None:
    key = YouthKey.generate()

    assert YouthKey.from_record_value(key.to_record_value()) == key
    assert key.secret.hex() not in repr(key)
    with pytest.raises(ValueError, match="not a youth key record"):
        YouthKey.from_record_value(b"too-short")


def test_a_key_record_goes_to_kafka_and_back_and_a_tombstone_has_no_value() -> None:
    key = YouthKey.generate()
    record, tombstone = KeyRecord(key.pseudonym, key), KeyRecord(key.pseudonym, None)

    assert KeyRecord.from_kafka(record.kafka_key(), record.kafka_value()) == record
    assert tombstone.kafka_value() is None
    assert KeyRecord.from_kafka(tombstone.kafka_key(), None) == tombstone


@pytest.mark.parametrize(
    ("key", "value"), [(None, b"x"), (b"p", b"!!not-a-key!!"), (b"\xff", None)]
)
def test_a_record_without_pseudonym_or_key_is_unusable(
    key: bytes | None, value: bytes | None
) -> None:
    with pytest.raises(UnusableKeyRecord):
        KeyRecord.from_kafka(key, value)
