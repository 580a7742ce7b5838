"""HTTP ingress for small partners without a Kafka client (a huisarts practice, a small gemeente).

`POST /v1/messages` takes one CloudEvent (`application/cloudevents+json`, structured mode of the
CloudEvents HTTP binding) or a batch (`application/cloudevents-batch+json`). The messages pass
the very gateway that Kafka's do: the same validation, permissions and outcomes, and a refused
message lands on the rejected topic too. Following the API Design Rules: the version in the
path, plural nouns, the OpenAPI document at `/v1/openapi.json`, errors as
`application/problem+json` (RFC 9457) with the rejected topic's machine-readable reason.

Every request is authenticated: HTTP Basic with the partner's registry id as user name and its
own secret as password (`jeugdketen_shared.partner_credentials`). The sender is the
authenticated partner, whatever the message says; a partner that may publish nothing to this
service is refused at the door (403), as its Kafka principal may not write here either. Without
a valid credential: 401, nothing read further and nothing recorded. The OpenAPI document and
its page are open: they describe the API and tell nothing about anyone.
"""

import asyncio
import contextlib
import json
from collections.abc import Collection, Iterator
from typing import Annotated, Any, Literal

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field, TypeAdapter
from starlette.requests import HTTPConnection

from jeugdketen_shared.asyncapi import cloudevents_of
from jeugdketen_shared.batch import Accepted, Repeated
from jeugdketen_shared.cloudevents import STRUCTURED_CONTENT_TYPE, KafkaRecord
from jeugdketen_shared.contracts.rejection import FieldError
from jeugdketen_shared.credentials import basic_credentials
from jeugdketen_shared.inbound import MAX_MESSAGE_BYTES, Contracts
from jeugdketen_shared.ingress import InboundGateway
from jeugdketen_shared.partner_credentials import PartnerCredentials
from jeugdketen_shared.problems import install_problem_handlers, problem, problem_responses
from jeugdketen_shared.rejections import Arrival, Rejection
from jeugdketen_shared.response_headers import install_response_headers
from jeugdketen_shared.telemetry import TRACE_FIELDS

BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"
MAX_MESSAGES_PER_REQUEST = 500
MAX_REQUEST_BYTES = MAX_MESSAGES_PER_REQUEST * MAX_MESSAGE_BYTES
"""A full batch of the largest messages; a request is not read past it."""


class MessageOutcome(BaseModel):
    id: str | None = Field(
        description=(
            "The CloudEvent id, when it could be read: the domain events an accepted message "
            "causes carry it as `causationid`"
        )
    )
    outcome: Literal["accepted", "repeated", "rejected"] = Field(
        description="accepted: recorded; repeated: recorded before, nothing new; rejected: refused"
    )
    reason: str | None = Field(default=None, description="Why it was rejected (machine-readable)")
    detail: str | None = None
    errors: tuple[FieldError, ...] = ()


class BatchOutcome(BaseModel):
    results: list[MessageOutcome] = Field(description="One per message, in the order sent")


class PartnerBasic(HTTPBasic):
    """HTTP Basic as the OpenAPI document declares it, but a missing or unreadable header is
    None here, so that every refusal is the API's own problem+json (FastAPI's raises its own)."""

    async def __call__(self, request: HTTPConnection) -> HTTPBasicCredentials | None:  # type: ignore[override]
        credentials = basic_credentials(request.headers.get("authorization"))
        if credentials is None:
            return None
        username, password = credentials
        return HTTPBasicCredentials(username=username, password=password)


def create_http_app(
    service: str,
    gateway: InboundGateway,
    credentials: PartnerCredentials,
    publishers: Collection[str],
    accepted: Contracts,
) -> FastAPI:
    """The API of `service`, for the partners `credentials` authenticates; of those, the
    `publishers` (the partners whose kind may publish to the service) may post the `accepted`
    messages."""
    realm = f"jeugdketen {service}"
    partner_basic = PartnerBasic(
        scheme_name="partner",
        realm=realm,
        description="User name: your partner id (deploy/partners.toml); password: your secret",
        auto_error=False,
    )
    app = FastAPI(
        title=f"jeugdketen {service}: partner messages over HTTP",
        version="1.0.0",
        description=__doc__,
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    install_problem_handlers(app)
    install_response_headers(app)
    message_schema = _described_messages(app, accepted)

    @app.post(
        "/v1/messages",
        summary="Publish one partner message, or a batch",
        response_model=MessageOutcome | BatchOutcome,
        status_code=202,
        responses={
            200: {"model": MessageOutcome | BatchOutcome, "description": "Repeated, or a batch"},
            **problem_responses(
                400,
                413,
                415,
                422,
                described={
                    401: "No credential, or not a partner's own: nothing was recorded",
                    403: "The partner's kind may publish nothing to this service",
                },
            ),
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": (
                    "One of the CloudEvents this service takes, told apart by `type`. Which of "
                    "them your kind of partner may post, and the `source` you must post as: "
                    "your channel in docs/asyncapi/ (the same messages as on Kafka)"
                ),
                "content": {
                    STRUCTURED_CONTENT_TYPE: {"schema": message_schema},
                    BATCH_CONTENT_TYPE: {"schema": {"type": "array", "items": message_schema}},
                },
            }
        },
    )
    async def publish_messages(
        request: Request,
        basic: Annotated[HTTPBasicCredentials | None, Depends(partner_basic)],
    ) -> JSONResponse:
        partner = None
        if basic is not None:
            # scrypt takes tens of milliseconds: not on the event loop
            partner = await asyncio.to_thread(
                credentials.authenticate, basic.username, basic.password
            )
        if partner is None:
            return problem(
                401,
                "unauthenticated",
                "send HTTP Basic: your partner id and your secret",
                {"WWW-Authenticate": f'Basic realm="{realm}", charset="UTF-8"'},
            )
        if partner not in publishers:
            return problem(403, "not-permitted", f"{partner} publishes nothing to {service}")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in {STRUCTURED_CONTENT_TYPE, "application/json", BATCH_CONTENT_TYPE}:
            return problem(415, "unsupported-media-type", f"send {STRUCTURED_CONTENT_TYPE}")
        body = await _body_within(request, MAX_REQUEST_BYTES)
        if body is None:
            return problem(413, "request-too-large", f"at most {MAX_REQUEST_BYTES} bytes")
        values = [body]
        if content_type == BATCH_CONTENT_TYPE:
            try:
                values = list(_batch_members(body))
            except (ValueError, RecursionError) as error:
                # RecursionError: an array nested deeper than the parser goes is as malformed
                return problem(400, "malformed-json", f"the batch is not a JSON array: {error}")
            if len(values) > MAX_MESSAGES_PER_REQUEST:
                return problem(413, "batch-too-large", f"at most {MAX_MESSAGES_PER_REQUEST}")
        # the W3C trace context of the request continues as a Kafka message's would
        headers = tuple(
            (name, value.encode())
            for name in TRACE_FIELDS
            if (value := request.headers.get(name)) is not None
        )
        outcomes = await gateway.receive(
            [
                Arrival(KafkaRecord(key=None, value=value, headers=headers), partner=partner)
                for value in values
            ]
        )
        if content_type == BATCH_CONTENT_TYPE:
            results = [_as_outcome(outcome) for outcome in outcomes]
            return JSONResponse(BatchOutcome(results=results).model_dump(mode="json"))
        [outcome] = outcomes
        if isinstance(outcome, Rejection):
            return _rejected(outcome)
        status = 202 if isinstance(outcome, Accepted) else 200
        return JSONResponse(_as_outcome(outcome).model_dump(mode="json"), status_code=status)

    return app


def _described_messages(app: FastAPI, accepted: Contracts) -> dict[str, Any]:
    """The schema of one accepted CloudEvent, whose envelopes and data contracts the app's
    OpenAPI document gets among its components (FastAPI adds only the models it validates)."""
    schema = TypeAdapter(cloudevents_of(accepted.models)).json_schema(
        ref_template="#/components/schemas/{model}"
    )
    contracts = schema.pop("$defs")
    describe = app.openapi

    def described() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = describe()
            document["components"]["schemas"] = {**contracts, **document["components"]["schemas"]}
        return app.openapi_schema or {}

    app.openapi = described  # type: ignore[method-assign]
    return schema


async def _body_within(request: Request, limit: int) -> bytes | None:
    """The request's body, or None when it is larger than `limit` (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _batch_members(body: bytes) -> Iterator[bytes]:
    members = json.loads(body)
    if not isinstance(members, list):
        raise ValueError("expected an array")
    # each member's own bytes, as the rejected topic keeps a refused message's original
    return (json.dumps(member).encode() for member in members)


def _as_outcome(outcome: Accepted | Repeated | Rejection) -> MessageOutcome:
    if isinstance(outcome, Rejection):
        return MessageOutcome(
            id=outcome.envelope.id if outcome.envelope else None,
            outcome="rejected",
            reason=outcome.refusal.reason,
            detail=outcome.refusal.detail,
            errors=tuple(
                FieldError(location=p.location, reason=p.reason, message=p.message)
                for p in outcome.refusal.problems
            ),
        )
    kind: Literal["accepted", "repeated"] = (
        "accepted" if isinstance(outcome, Accepted) else "repeated"
    )
    return MessageOutcome(id=outcome.message.envelope.id, outcome=kind)


def _rejected(rejection: Rejection) -> JSONResponse:
    outcome = _as_outcome(rejection)
    return problem(
        422,
        outcome.reason or "",
        outcome.detail or "",
        title="The message was rejected",
        errors=outcome.errors,
    )


class EmbeddedServer(uvicorn.Server):
    """uvicorn inside the service's own event loop: the service, not uvicorn, handles signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
