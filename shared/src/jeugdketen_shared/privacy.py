"""Keyed pseudonyms: a BSN is replaced before anything is stored or published.

The pseudonym is an HMAC-SHA256 of the BSN under a secret key held only by the ingress
(the environment variable JEUGDKETEN_PSEUDONYM_KEY). Without the key a pseudonym can't be
linked back to a BSN by trying all ~10^9 possible numbers, which a plain hash would allow.
"""

import hashlib
import hmac

BSN_LENGTH = 9
MINIMUM_KEY_BYTES = 32


def is_valid_bsn(candidate: str) -> bool:
    """The elfproef: nine digits whose weighted sum (9..2, -1 for the last) divides by 11."""
    if len(candidate) != BSN_LENGTH or not candidate.isdigit() or candidate == "000000000":
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
