"""Partner referrals, pre-encoded, each for another youth (a BSN that passes the elfproef)."""

import random
from datetime import UTC, datetime, timedelta
from uuid import UUID

from tests.support.partners import ENSCHEDE, as_kafka, referral

Message = tuple[bytes | None, bytes, list[tuple[str, bytes]]]
"""(key, value, headers), as Enschede's lokaal team would publish it, on its own topic."""

PARTNER = ENSCHEDE
"""Whose inbound topic the referrals go to: `<prefix>.toegang.inbound.<PARTNER>`."""


def bsns(count: int, seed: int = 18) -> list[str]:
    """Distinct test BSNs: 9 digits whose weighted sum (9..2, then -1) divides by 11."""
    rng = random.Random(seed)
    found: set[str] = set()
    while len(found) < count:
        digits = [rng.randrange(10) for _ in range(8)]
        last = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if last < 10 and digits[0] != 0:
            found.add("".join(map(str, digits)) + str(last))
    return sorted(found)


def referrals(count: int, seed: int = 18) -> list[tuple[UUID, Message]]:
    """`count` referrals of as many youths, each with its case id."""
    rng = random.Random(seed)
    found = []
    occurred_at = datetime.now(UTC) - timedelta(hours=1)
    for bsn in bsns(count, seed):
        case = UUID(int=rng.getrandbits(128), version=4)
        key, value = as_kafka(referral(case, bsn=bsn, occurred_at=occurred_at))
        found.append((case, (key, value, [])))
    return found
