"""From a CloudEvent to a validated message of a known contract, or a refusal with its reason.

A service's input is partner messages (its inbound topic) and other services' domain events.
"""

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import orjson
from pydantic import ValidationError

from jeugdketen_shared.cloudevents import CloudEvent, KafkaRecord, decode, problems_from
from jeugdketen_shared.contracts.base import MessageData, case_of
from jeugdketen_shared.contracts.fields import NOW_CONTEXT_KEY
from jeugdketen_shared.permissions import Partner
from jeugdketen_shared.privacy import contains_bsn
from jeugdketen_shared.refusal import Refusal

MAX_MESSAGE_BYTES = 16 * 1024
"""A partner message's key, headers and value together. The largest valid one is under 2 KiB;
the limit leaves room for trace context and long ids, and keeps a refusal's copy of the
original far below the broker's limit on the rejected topic."""

PARTNER_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
"""A partner message's CloudEvent id: a UUID, ULID or URN fits; a sentence does not. The id is
stored (the receipt) and published (the causation id), so it may carry nothing about a youth."""

# pydantic's own error types that have a name of their own on the rejected topic; the chain's
# rules (unknown-gemeente, occurred-in-future, invalid-bsn) raise their reason as the type
_PYDANTIC_REASONS = {"missing": "missing-field", "extra_forbidden": "unknown-field"}
_CHAIN_REASONS = {
    "unknown-gemeente",
    "occurred-in-future",
    "occurred-before-birth",
    "invalid-bsn",
}


class MessageTooLarge(Refusal):
    """The message is larger than any partner message of the chain needs to be."""

    reason = "message-too-large"


class InvalidId(Refusal):
    """A partner message's id is a code (letters, digits, `.`, `_`, `:`, `-`), with no BSN."""

    reason = "invalid-id"


class PersonalDataInContext(Refusal):
    """A header or context attribute holds a BSN. They carry no personal data (NL GOV profile):
    the trace context travels on with the domain events, onto topics and into the stores."""

    reason = "personal-data-in-context"


class InvalidHeader(Refusal):
    """A header's name is not UTF-8, or a CloudEvents attribute comes in more than one header.
    Kafka's protocol makes a header's name a UTF-8 string, and an attribute has one value."""

    reason = "invalid-header"


def read(record: KafkaRecord) -> CloudEvent:
    """A partner's record as a CloudEvent: its size checked before it is parsed, then its
    headers, its id, and no BSN in its headers or context attributes."""
    size = len(record.value) + len(record.key or b"")
    size += sum(len(name) + len(value) for name, value in record.headers)
    if size > MAX_MESSAGE_BYTES:
        raise MessageTooLarge(f"the message has {size} bytes; at most {MAX_MESSAGE_BYTES}")
    _check_header_names(name for name, _ in record.headers)
    envelope = decode(record)
    if not PARTNER_ID_PATTERN.fullmatch(envelope.id) or contains_bsn(envelope.id):
        raise InvalidId
    context = [value.decode("utf-8", "replace") for _, value in record.headers]
    context += [envelope.tracestate or "", envelope.dataschema or ""]
    if any(contains_bsn(text) for text in context):
        raise PersonalDataInContext
    return envelope


def _check_header_names(names: Iterable[str]) -> None:
    attributes: set[str] = set()
    for name in names:
        if not name.isascii() and not _is_utf8(name):
            # kafka_records gives a name that is not UTF-8 with its bytes as surrogates
            raise InvalidHeader("a header's name is not UTF-8")
        attribute = name.lower()
        if attribute.startswith("ce_"):
            if attribute in attributes:
                raise InvalidHeader(f"the attribute header {attribute} comes more than once")
            attributes.add(attribute)


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class UnknownMessageType(Refusal):
    """This topic takes no message of that CloudEvent type."""

    reason = "unknown-type"


class InvalidData(Refusal):
    """The message's data breaks its contract."""

    reason = "invalid-data"

    def __init__(self, error: ValidationError) -> None:
        problems = problems_from(error, prefix="data")
        super().__init__(
            f"the data breaks the contract: {error.error_count()} problem(s)", problems
        )
        first = problems[0].reason
        self.reason = (
            first if first in _CHAIN_REASONS else _PYDANTIC_REASONS.get(first, self.reason)
        )


@dataclass(frozen=True)
class ReceivedMessage:
    """A CloudEvent whose data passed its contract."""

    envelope: CloudEvent
    data: MessageData
    publisher: Partner | None = None
    """The partner that published it; None for another service's domain event."""

    @property
    def content_digest(self) -> str:
        """Fingerprint of what the message says, to tell a repeat from a reused id."""
        canonical = orjson.dumps(
            {"type": self.envelope.type, "data": self.envelope.data}, option=orjson.OPT_SORT_KEYS
        )
        return hashlib.sha256(canonical).hexdigest()


class Contracts:
    """The message types one input of a service accepts, by CloudEvent type."""

    def __init__(self, contracts: Iterable[type[MessageData]]) -> None:
        self._by_type: Mapping[str, type[MessageData]] = {
            contract.cloudevent_type: contract for contract in contracts
        }

    @property
    def models(self) -> tuple[type[MessageData], ...]:
        return tuple(self._by_type.values())

    def accepts(self, cloudevent_type: str) -> bool:
        return cloudevent_type in self._by_type

    def validate(self, envelope: CloudEvent, now: datetime | None) -> ReceivedMessage:
        """`now` is the moment of receipt, which a partner's `occurred_at` may not pass; None for
        another service's recorded facts, which are checked against their own clock only."""
        contract = self._by_type.get(envelope.type)
        if contract is None:
            raise UnknownMessageType(
                f"{envelope.type} is not accepted here; "
                f"accepted: {', '.join(sorted(self._by_type))}"
            )
        try:
            data = contract.model_validate(
                envelope.data, context={NOW_CONTEXT_KEY: now} if now else None
            )
        except ValidationError as error:
            raise InvalidData(error) from error
        case_id = case_of(data)
        if envelope.caseid is not None and envelope.caseid != case_id:
            raise CaseIdMismatch(
                f"the caseid attribute {envelope.caseid} differs from data.case_id {case_id}"
            )
        return ReceivedMessage(envelope=envelope, data=data)


class CaseIdMismatch(Refusal):
    """The caseid context attribute and data.case_id name different cases."""

    reason = "case-id-mismatch"
