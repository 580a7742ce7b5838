"""Keyed pseudonyms: a BSN is replaced before anything is stored or published.

The pseudonym is an HMAC-SHA256 of the BSN under a secret key held only by the ingress
(the environment variable JEUGDKETEN_PSEUDONYM_KEY). Without the key a pseudonym can't be
linked back to a BSN by trying all ~10^9 possible numbers, which a plain hash would allow.
"""

import hashlib
import hmac
import re

BSN_LENGTH = 9
MINIMUM_KEY_BYTES = 32


def is_valid_bsn(candidate: str) -> bool:
    """The elfproef: nine digits whose weighted sum (9..2, -1 for the last) divides by 11.

    Only ASCII digits: `str.isdigit` also holds for other scripts' digits (Arabic-Indic `٩`) and
    for superscripts (`²`, which `int` refuses), and neither is a BSN anyone can pseudonymise."""
    if (
        len(candidate) != BSN_LENGTH
        or not (candidate.isascii() and candidate.isdigit())
        or candidate == "000000000"
    ):
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return (
        sum(int(digit) * weight for digit, weight in zip(candidate, weights, strict=True)) % 11 == 0
    )


class Pseudonymizer:
    def __init__(self, key: bytes) -> None:
        if len(key) < MINIMUM_KEY_BYTES:
            raise ValueError(f"a pseudonym key needs at least {MINIMUM_KEY_BYTES} bytes")
        self._key = key

    def pseudonym(self, bsn: str) -> str:
        if not is_valid_bsn(bsn):
            raise ValueError("not a valid BSN")
        return hmac.new(self._key, bsn.encode("ascii"), hashlib.sha256).hexdigest()


_NINE_DIGITS = re.compile(rb"(?<!\d)\d{9}(?!\d)")
_BIRTH_DATE_VALUE = re.compile(rb'("birth_date"\s*:\s*")([^"]*)(")')


def masked(raw: bytes) -> bytes:
    """Bytes fit to publish: every BSN and every birth_date value masked, all else unchanged.

    Works on any bytes, also on what is not valid JSON, since a refused message is often broken.
    """

    def bsn(match: re.Match[bytes]) -> bytes:
        digits = match.group(0)
        return b"*" * BSN_LENGTH if is_valid_bsn(digits.decode()) else digits

    def birth_date(match: re.Match[bytes]) -> bytes:
        return match.group(1) + b"*" * len(match.group(2)) + match.group(3)

    return _BIRTH_DATE_VALUE.sub(birth_date, _NINE_DIGITS.sub(bsn, raw))


_BSN_WORD = re.compile(r"(?<![0-9A-Za-z])[0-9]{9}(?![0-9A-Za-z])")
"""Nine digits standing apart in a text. Nine digits inside a UUID or a hexadecimal pseudonym
(`...-703195633b5d`) are part of that id, not a BSN: masking them would break the id."""


def contains_bsn(text: str) -> bool:
    return any(is_valid_bsn(match.group(0)) for match in _BSN_WORD.finditer(text))


def masked_text(text: str) -> str:
    """A text taken from a partner's message (an id, a field name) with every BSN in it masked."""
    return _BSN_WORD.sub(
        lambda match: "*" * BSN_LENGTH if is_valid_bsn(match.group(0)) else match.group(0), text
    )
