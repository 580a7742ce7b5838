"""Crypto-shredding as the ketenmonitor sees it: the youths' keys, sealed months, erasure.

Pure: no I/O. The keys topic (`<prefix>.toegang.youth-keys`, compacted) holds per youth a
record keyed by the pseudonym with the youth's data key as value; a tombstone (no value) says
the key was destroyed: the youth is erased. A placement start's `turns_eighteen_in` arrives
sealed under that key; the fact holds the clear month once the key is known, and until then
(or for good, when it does not unseal) the sealed value under `turns_eighteen_in_sealed`, so
that every figure and rule reading `turns_eighteen_in` sees no month.

An erased youth's facts keep counting, under a random case id per case and a random pseudonym
per youth: what is erased is who they were, not that they were there.
"""

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from uuid import UUID

from jeugdketen_shared.youth_keys import SEALED_PREFIX, UnreadableSealedValue, YouthKey
from ketenmonitor.facts import Fact

MONTH = "turns_eighteen_in"
HELD_SEALED = "turns_eighteen_in_sealed"
"""Where a fact keeps a month it could not unseal (yet)."""


def digest(identifier: UUID | str) -> bytes:
    """What the erasure tables keep of an erased case id or pseudonym: its sha256."""
    return hashlib.sha256(str(identifier).encode("utf-8")).digest()


def anonymous_pseudonym() -> str:
    """A random pseudonym, shaped like a real one, linked to nobody."""
    return secrets.token_hex(32)


def youth_of(fact: Fact) -> str | None:
    youth = fact.data.get("youth_pseudonym")
    return youth if isinstance(youth, str) else None


def is_sealed(data: Mapping[str, Any]) -> bool:
    month = data.get(MONTH)
    return isinstance(month, str) and month.startswith(SEALED_PREFIX)


def opened(data: Mapping[str, Any], key: YouthKey | None) -> dict[str, Any]:
    """`data` with its sealed month unsealed under `key`; without a key, or when it does not
    unseal, with the sealed value held aside (no month)."""
    held = dict(data)
    if not is_sealed(held):
        return held
    sealed = held.pop(MONTH)
    if key is not None:
        try:
            return {**held, MONTH: key.unseal(sealed)}
        except UnreadableSealedValue:
            pass
    return {**held, HELD_SEALED: sealed}


def unsealed_month(sealed: str, key: YouthKey) -> str | None:
    """A held month unsealed once its key arrived; None when it does not unseal."""
    try:
        return key.unseal(sealed)
    except UnreadableSealedValue:
        return None


def anonymised(fact: Fact, case_id: UUID | None, youth: str | None) -> Fact:
    """The fact under its case's anonymous id and its youth's anonymous pseudonym (each when
    given); a month still sealed stays sealed, held aside."""
    data = opened(fact.data, None)
    if case_id is not None and "case_id" in data:
        data["case_id"] = str(case_id)
    if youth is not None and "youth_pseudonym" in data:
        data["youth_pseudonym"] = youth
    return replace(fact, case_id=case_id or fact.case_id, data=data)
