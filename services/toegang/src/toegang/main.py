"""Composition root of toegang: its wiring and its application, run by the shared service."""

from jeugdketen_shared.contracts import toegang as contracts
from jeugdketen_shared.inbound import Contracts
from jeugdketen_shared.privacy import Pseudonymizer
from jeugdketen_shared.service import ServiceWiring, event_store_environment
from jeugdketen_shared.service import cli as run_service
from jeugdketen_shared.settings import ServiceSettings
from toegang.application import Toegang
from toegang.publication import PUBLISHED_EVENT_CLASSES, as_contract

WIRING = ServiceWiring(
    name="toegang",
    inbound=Contracts(contracts.INBOUND),
    inbound_description=(
        "Partners' referrals, verklarende analyses, toegang decisions and withdrawals"
    ),
    published=PUBLISHED_EVENT_CLASSES,
    as_contract=as_contract,
)


def build_application(settings: ServiceSettings) -> Toegang:
    return Toegang(
        Pseudonymizer(settings.pseudonym_key.get_secret_value().encode()),
        env=event_store_environment(settings),
    )


def cli() -> None:
    run_service(WIRING, build_application)
