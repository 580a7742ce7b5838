"""Per-youth data keys, so that a youth's personal data can be crypto-shredded.

Every youth gets a random 256-bit data key the first time one of their BSNs reaches an
ingress. Two things hang on that key:

- the youth's pseudonym is derived from it (HMAC-SHA256 of a fixed label under the key), so
  once the key is destroyed nobody, not even an ingress holding the BSN, can find the youth's
  events again;
- the personal attributes that must travel with the events (the month of the 18th birthday)
  are sealed with AES-256-GCM under it, bound to the pseudonym. Destroying the key leaves them
  unreadable in every event store, topic and backup, without rewriting any log.

This module holds only the pure part: the key, sealing and unsealing, and the record by which
keys travel to the services that may read sealed values. Where keys are kept and how they are
destroyed is the key vault's business.
"""

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DATA_KEY_BYTES = 32
NONCE_BYTES = 12
SEALED_PREFIX = "v1."
SEALED_PATTERN = r"^v1\.[A-Za-z0-9_-]{38,200}$"
"""A sealed value: the version, then base64url (no padding) of nonce, ciphertext and tag. The
bounds fit the short attributes sealed here; anything longer is not one of ours."""

KEYS_TOPIC_SUFFIX = "toegang.youth-keys"


def keys_topic(topic_prefix: str) -> str:
    """The compacted topic of the youths' keys (toegang writes it, the ketenmonitor reads it)."""
    return f"{topic_prefix}.{KEYS_TOPIC_SUFFIX}"


_PSEUDONYM_LABEL = b"jeugdketen youth pseudonym v1"
_SEALED = re.compile(SEALED_PATTERN)


class UnreadableSealedValue(ValueError):
    """The value is not sealed under this youth's key: malformed, tampered with, or sealed for
    another youth."""


@dataclass(frozen=True, repr=False)
class YouthKey:
    """A youth's data key. `repr` hides the secret so that it never lands in a log line."""

    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) != DATA_KEY_BYTES:
            raise ValueError(f"a youth's data key has {DATA_KEY_BYTES} bytes")

    @classmethod
    def generate(cls) -> "YouthKey":
        return cls(os.urandom(DATA_KEY_BYTES))

    @property
    def pseudonym(self) -> str:
        """The youth's pseudonym in every event: 64 hexadecimal characters."""
        return hmac.new(self.secret, _PSEUDONYM_LABEL, hashlib.sha256).hexdigest()

    def seal(self, plaintext: str) -> str:
        """`plaintext` encrypted and authenticated; a fresh nonce each time, so sealing the
        same value twice gives two different strings."""
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(self.secret).encrypt(
            nonce, plaintext.encode("utf-8"), self.pseudonym.encode("ascii")
        )
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + ciphertext).decode().rstrip("=")

    def unseal(self, sealed: str) -> str:
        if not _SEALED.match(sealed):
            raise UnreadableSealedValue("not a sealed value")
        encoded = sealed.removeprefix(SEALED_PREFIX)
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            plaintext = AESGCM(self.secret).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], self.pseudonym.encode("ascii")
            )
            return plaintext.decode("utf-8")
        except (InvalidTag, binascii.Error, UnicodeDecodeError) as error:
            raise UnreadableSealedValue("not sealed under this youth's key") from error

    def to_record_value(self) -> bytes:
        """The value of the youth's record on the keys topic (`KeyRecord`)."""
        return base64.urlsafe_b64encode(self.secret)

    @classmethod
    def from_record_value(cls, value: bytes) -> "YouthKey":
        try:
            return cls(base64.urlsafe_b64decode(value))
        except (binascii.Error, ValueError) as error:
            raise ValueError("not a youth key record") from error


class UnusableKeyRecord(ValueError):
    """A record on the keys topic without a pseudonym as key, or whose value is no key."""


@dataclass(frozen=True)
class KeyRecord:
    """A youth's record on the keys topic: its Kafka key is the pseudonym, its value the data
    key; a tombstone (`key` None, a record without value) says the key was destroyed."""

    pseudonym: str
    key: YouthKey | None

    def kafka_key(self) -> bytes:
        return self.pseudonym.encode("ascii")

    def kafka_value(self) -> bytes | None:
        return None if self.key is None else self.key.to_record_value()

    @classmethod
    def from_kafka(cls, key: bytes | None, value: bytes | None) -> "KeyRecord":
        if not key:
            raise UnusableKeyRecord("a record on the keys topic without a pseudonym")
        try:
            pseudonym = key.decode("ascii")
            return cls(pseudonym, None if value is None else YouthKey.from_record_value(value))
        except (UnicodeDecodeError, ValueError) as error:
            raise UnusableKeyRecord(str(error)) from error
