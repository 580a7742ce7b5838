"""Keyed pseudonyms, the elfproef, and masking what may not be published."""

import pytest

from jeugdketen_shared.privacy import (
    Pseudonymizer,
    contains_bsn,
    is_valid_bsn,
    masked,
    masked_text,
)


@pytest.mark.parametrize("bsn", ["999990019", "111222333", "123456782"])
def test_numbers_that_pass_the_elfproef_are_bsns(bsn: str) -> None:
    assert is_valid_bsn(bsn)


@pytest.mark.parametrize(
    "candidate",
    [
        "123456789",
        "000000000",
        "99999001",
        "9999900190",
        "abcdefghi",
        # other scripts' digits pass str.isdigit: the Arabic-Indic 999990019 once reached the
        # pseudonymizer, whose ASCII encoding raised and redelivered the batch for ever
        "\u0669\u0669\u0669\u0669\u0669\u0660\u0660\u0661\u0669",
        "\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079",  # superscripts: int() raises
    ],
)
def test_other_strings_are_not(candidate: str) -> None:
    assert not is_valid_bsn(candidate)


def test_a_pseudonym_is_stable_per_key_and_differs_between_keys() -> None:
    one, other = Pseudonymizer(b"k" * 32), Pseudonymizer(b"q" * 32)
    assert one.pseudonym("999990019") == one.pseudonym("999990019")
    assert one.pseudonym("999990019") != other.pseudonym("999990019")
    assert "999990019" not in one.pseudonym("999990019")


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Pseudonymizer(b"short")


def test_masking_hides_bsns_and_birth_dates_and_keeps_the_rest() -> None:
    raw = b'{"bsn": "999990019", "birth_date": "2009-03-14", "places": 123456789, "x": 1'
    assert masked(raw) == (
        b'{"bsn": "*********", "birth_date": "**********", "places": 123456789, "x": 1'
    )


def test_masking_leaves_longer_numbers_alone() -> None:
    assert masked(b"9999900190 and 1999990019") == b"9999900190 and 1999990019"


def test_a_bsn_standing_apart_in_a_text_is_masked() -> None:
    assert masked_text("data.999990019 and caf\u00e9") == "data.********* and caf\u00e9"
    assert contains_bsn("case-999990019")


def test_nine_digits_inside_a_uuid_are_part_of_it() -> None:
    uuid = "eef93ebc-dd84-9c00-6c76-703195633b5d"  # 703195633 passes the elfproef
    assert is_valid_bsn("703195633")
    assert masked_text(uuid) == uuid
    assert not contains_bsn(uuid)
