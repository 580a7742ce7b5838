"""The platform's message contracts: pydantic models of every CloudEvent's `data`.

Each service's module here (toegang, triage, plaatsing, ...) lists its partner messages in
`INBOUND` and its domain events in `EVENTS`; `ALL_CONTRACTS` gathers them for the schemas.
"""

import importlib
import pkgutil

from jeugdketen_shared.contracts.base import DomainEventData, InboundMessage, MessageData
from jeugdketen_shared.contracts.rejection import MessageRejected


def _service_contracts() -> tuple[type[MessageData], ...]:
    found: list[type[MessageData]] = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        found.extend(getattr(module, "INBOUND", ()))
        found.extend(getattr(module, "EVENTS", ()))
    return tuple(found)


ALL_CONTRACTS: tuple[type[MessageData] | type[MessageRejected], ...] = (
    *_service_contracts(),
    MessageRejected,
)

__all__ = ["ALL_CONTRACTS", "DomainEventData", "InboundMessage", "MessageData", "MessageRejected"]
