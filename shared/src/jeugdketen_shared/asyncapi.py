"""What a topic carries, declared on a service's FastStream broker for its AsyncAPI document.

The ingress subscribers read raw records (the gateway validates each one itself, so that a bad
one becomes a rejection, not an error), and the outbox relay and the rejections publish with
aiokafka. So the CloudEvents a topic carries are declared here, from the same contracts the
service validates and publishes with: each contract as a CloudEvent whose `type` is that
contract's and whose `data` is the contract.
"""

import functools
import operator
from collections.abc import Iterable
from typing import Annotated, Any, Literal, cast

from faststream.kafka import KafkaBroker
from pydantic import Field, GetJsonSchemaHandler, TypeAdapter, create_model
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts import MessageData, MessageRejected

Contract = type[MessageData] | type[MessageRejected]


def cloudevents_of(contracts: Iterable[Contract]) -> Any:
    """One CloudEvent model per contract, told apart by `type`, as one type for FastStream."""
    envelopes = [_cloudevent_of(contract) for contract in contracts]
    if len(envelopes) == 1:
        return envelopes[0]
    return Annotated[functools.reduce(operator.or_, envelopes), Field(discriminator="type")]


def _cloudevent_of(contract: Contract) -> type[CloudEvent]:
    return create_model(
        f"{contract.__name__}CloudEvent",
        __base__=CloudEvent,
        __doc__=f"{contract.cloudevent_type}: {contract.__doc__}",
        type=(cast(Any, Literal)[contract.cloudevent_type], ...),
        data=(contract, ...),
    )


class DocumentedAs:
    """Annotates a handler's parameter with the JSON Schema of another type, for the document
    only: the parameter is still validated as its own type."""

    def __init__(self, documented: Any) -> None:
        self._documented = TypeAdapter(documented)

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(self._documented.core_schema)


def declare_publisher(
    broker: KafkaBroker, topic: str, contracts: Iterable[Contract], description: str
) -> None:
    """A topic the service writes to with its own producer, on the broker for the document."""
    broker.publisher(
        topic, title=f"{topic}:send", description=description, schema=cloudevents_of(contracts)
    )
