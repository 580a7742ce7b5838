"""The one outcome of a refused inbound message: a rejection on `jeugdketen.<service>.rejected`."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class FieldError(BaseModel):
    model_config = ConfigDict(frozen=True)

    location: str = Field(description="Dotted path of the offending field, e.g. data.gemeente_code")
    reason: str = Field(description="Machine-readable reason, e.g. unknown-gemeente, missing")
    message: str


class RejectedOriginal(BaseModel):
    """Where the refused message came from, with its original bytes (personal data masked)."""

    model_config = ConfigDict(frozen=True)

    topic: str | None = Field(description="Inbound topic; null when it came over HTTP")
    partition: int | None
    offset: int | None
    key_base64: str | None
    value_base64: str = Field(
        description=(
            "The message value as received, base64, except that every BSN (nine digits passing "
            "the elfproef) is replaced by nine asterisks and every birth_date value by asterisks; "
            "only the first 16 KiB of a larger value"
        )
    )
    truncated: bool = Field(
        default=False,
        description="The value (or key) was larger than a partner message may be, and was cut",
    )
    id: str | None = Field(description="The CloudEvent id, when it could be read")
    source: str | None = Field(description="The CloudEvent source, when it could be read")
    type: str | None = Field(description="The CloudEvent type, when it could be read")


class MessageRejected(BaseModel):
    """A partner message was refused; nothing was recorded for it."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    cloudevent_type: ClassVar[str] = "nl.jeugdketen.message-rejected"

    reason: str = Field(
        description="Machine-readable reason, the same as in an HTTP problem response",
        examples=["malformed-json", "unknown-gemeente", "case-already-referred"],
    )
    detail: str = Field(description="What was wrong, for the partner's developers (English)")
    errors: tuple[FieldError, ...] = ()
    original: RejectedOriginal
