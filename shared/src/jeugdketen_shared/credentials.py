"""Secrets stored as salted scrypt hashes, checked in constant time, and HTTP Basic credentials.

Shared by the ketenmonitor's users (passwords) and the ingress services' partners (a random
secret per partner): one way to store and check what a person or a partner's system knows.
A hash is `scrypt$n$r$p$salt$hash`: the cost travels with it, so it can be raised later.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
"""scrypt's cost (16 MiB of memory, tens of milliseconds per check): OWASP's minimum."""


class InvalidHash(ValueError):
    """The stored hash is not `scrypt$n$r$p$salt$hash`."""


def hash_secret(secret: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, maxmem=_maxmem(n, r))
    return f"scrypt${n}${r}${p}${salt.hex()}${derived.hex()}"


def _maxmem(n: int, r: int) -> int:
    return 2 * 128 * n * r  # twice what scrypt needs; OpenSSL's default (32 MiB) is just short


def check_hash_form(encoded: str) -> None:
    """Raise InvalidHash unless `encoded` has the form of a hash `hash_secret` makes, so that
    a broken file is refused when it is read, not at someone's first login."""
    scheme, *parts = encoded.split("$")
    if scheme != "scrypt" or len(parts) != 5:
        raise InvalidHash("not scrypt$n$r$p$salt$hash")


def secret_matches(secret: str, encoded: str) -> bool:
    check_hash_form(encoded)
    _, n, r, p, salt, expected = encoded.split("$")
    derived = hashlib.scrypt(
        secret.encode(),
        salt=bytes.fromhex(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=_maxmem(int(n), int(r)),
    )
    return hmac.compare_digest(derived, bytes.fromhex(expected))


class HashedSecrets:
    """Names and the hashes of their secrets: which name knows its secret."""

    def __init__(self, hashes: Mapping[str, str]) -> None:
        self._hashes = dict(hashes)
        # an unknown name is checked against a hash too, so that timing does not tell it apart
        self._decoy = hash_secret(secrets.token_hex(16))

    def verify(self, name: str, secret: str) -> bool:
        known = self._hashes.get(name)
        matches = secret_matches(secret, known or self._decoy)
        return known is not None and matches


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """The name and secret of an `Authorization: Basic` header, or None for any other."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, colon, secret = decoded.partition(":")
    return (name, secret) if colon else None
