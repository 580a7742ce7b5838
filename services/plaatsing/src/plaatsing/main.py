"""Composition root of plaatsing: its wiring and its application, run by the shared service."""

from jeugdketen_shared.contracts import plaatsing as contracts
from jeugdketen_shared.inbound import Contracts
from jeugdketen_shared.privacy import Pseudonymizer
from jeugdketen_shared.service import ServiceWiring, Upstream, event_store_environment
from jeugdketen_shared.service import cli as run_service
from jeugdketen_shared.settings import ServiceSettings
from plaatsing.application import Plaatsing
from plaatsing.publication import PUBLISHED_EVENT_CLASSES, as_contract

WIRING = ServiceWiring(
    name="plaatsing",
    inbound=Contracts(contracts.INBOUND),
    inbound_description=(
        "Providers' waiting-list entries, placement starts, transfers, ends of care, "
        "continuity plans and capacity"
    ),
    published=PUBLISHED_EVENT_CLASSES,
    as_contract=as_contract,
    # the case and the advice in force come from triage's events only
    upstream=(Upstream(service="triage", contracts=Contracts(contracts.UPSTREAM)),),
)


def build_application(settings: ServiceSettings) -> Plaatsing:
    return Plaatsing(
        Pseudonymizer(settings.pseudonym_key.get_secret_value().encode()),
        env=event_store_environment(settings),
    )


def cli() -> None:
    run_service(WIRING, build_application)
