"""Field types with the chain's validation rules.

Each refusal raises a `PydanticCustomError` whose type is the machine-readable reason that a
rejected message carries (for example `unknown-gemeente`), so the rule and its reason live in
one place.
"""

from datetime import date, datetime, time
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from jeugdketen_shared.gemeenten import TWENTE_GEMEENTEN
from jeugdketen_shared.privacy import is_valid_bsn

NOW_CONTEXT_KEY = "now"
"""Validation context key holding the moment of validation; inbound checks against it."""

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
"""The chain's calendar: a birthday, and so turning 18, is a date in the Netherlands."""

EARLIEST_BIRTH_DATE = date(1990, 1, 1)
"""No youth of the Jeugdwet (in force since 2015, care up to 23 at most) was born earlier."""


def _known_gemeente(code: str) -> str:
    if code not in TWENTE_GEMEENTEN:
        raise PydanticCustomError(
            "unknown-gemeente",
            "{code} is not the CBS code of a Twente gemeente",
            {"code": code},
        )
    return code


def _between_birth_and_now(moment: datetime, info: ValidationInfo) -> datetime:
    now = (info.context or {}).get(NOW_CONTEXT_KEY)
    if now is None:
        return moment
    if moment > now:
        raise PydanticCustomError(
            "occurred-in-future",
            "occurred_at {moment} lies after the moment of receipt {now}",
            {"moment": moment.isoformat(), "now": now.isoformat()},
        )
    # also keeps year-1 moments out, whose conversion to another timezone overflows
    if moment < datetime.combine(EARLIEST_BIRTH_DATE, time(), AMSTERDAM):
        raise PydanticCustomError(
            "occurred-before-birth",
            "occurred_at {moment} lies before the birth of any youth of the Jeugdwet ({earliest})",
            {"moment": moment.isoformat(), "earliest": EARLIEST_BIRTH_DATE.isoformat()},
        )
    return moment


def _valid_bsn(candidate: str) -> str:
    if not is_valid_bsn(candidate):
        raise PydanticCustomError("invalid-bsn", "the BSN does not pass the elfproef")
    return candidate


GemeenteCode = Annotated[
    str,
    Field(
        pattern=r"^GM\d{4}$",
        description="CBS code of the gemeente where the youth lives (woonplaatsbeginsel)",
        examples=["GM0153"],
        # what _known_gemeente accepts, for a partner that reads only the schema
        json_schema_extra={"enum": sorted(TWENTE_GEMEENTEN)},
    ),
    AfterValidator(_known_gemeente),
]


OccurredAt = Annotated[
    AwareDatetime,
    Field(
        description=(
            "When it happened in the world (event time), as stated by the partner; "
            "lead times are computed from it"
        ),
        examples=["2026-11-02T09:30:00+01:00"],
    ),
    AfterValidator(_between_birth_and_now),
]

Bsn = Annotated[
    str,
    Field(
        min_length=9,
        max_length=9,
        description=(
            "Burgerservicenummer of the youth. Only accepted at the ingress, where it is "
            "replaced by a keyed pseudonym; never stored or published"
        ),
        examples=["999990019"],
    ),
    AfterValidator(_valid_bsn),
]

CaseId = Annotated[
    UUID,
    Field(
        description="The case: one youth's route through the chain, chosen by the referrer",
        examples=["6f1c2b9e-8a51-4a44-9a57-0d2f7c1f4e11"],
    ),
]

YouthPseudonym = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{64}$",
        description=(
            "Pseudonym of the youth, derived from the youth's data key (HMAC-SHA256); stable "
            "across cases, and linked to no BSN once the youth is erased"
        ),
    ),
]


def _ascii_digits(code: str) -> str:
    # JSON Schema's \d means 0-9; pydantic's regex engine also matches other scripts' digits
    if not code.isascii():
        raise PydanticCustomError("string_pattern_mismatch", "only the digits 0-9 are allowed")
    return code


ProviderId = Annotated[
    str,
    Field(
        pattern=r"^\d{8}$",
        description="KvK number of the provider (jeugdhulpaanbieder)",
        examples=["12345678"],
    ),
    AfterValidator(_ascii_digits),
]

LocationGemeenteCode = Annotated[
    str,
    Field(
        pattern=r"^GM\d{4}$",
        description=(
            "CBS code of the gemeente where the place is: any Dutch gemeente, since a youth of "
            "Twente may be placed outside the region (bovenregionaal). Checked for its form "
            "only: the repository holds no official list of every gemeente's code"
        ),
        examples=["GM0164", "GM0193"],
    ),
    AfterValidator(_ascii_digits),
]
"""A place's gemeente, unlike the youth's (`GemeenteCode`), need not be one of Twente's."""
