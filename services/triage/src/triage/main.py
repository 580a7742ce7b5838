"""Composition root of triage: its wiring and its application, run by the shared service."""

from jeugdketen_shared.contracts import toegang, triage
from jeugdketen_shared.inbound import Contracts
from jeugdketen_shared.service import ServiceWiring, Upstream, event_store_environment
from jeugdketen_shared.service import cli as run_service
from jeugdketen_shared.settings import ServiceSettings
from triage.application import Triage
from triage.publication import PUBLISHED_EVENT_CLASSES, as_contract

WIRING = ServiceWiring(
    name="triage",
    inbound=Contracts(triage.INBOUND),
    inbound_description=(
        "The triage table's decisions and the RET secretary's escalations and advice"
    ),
    published=PUBLISHED_EVENT_CLASSES,
    as_contract=as_contract,
    # triage learns of cases from toegang's events on Kafka, never from toegang's database
    upstream=(Upstream(service="toegang", contracts=Contracts([toegang.ToegangDecided])),),
)


def build_application(settings: ServiceSettings) -> Triage:
    return Triage(env=event_store_environment(settings))


def cli() -> None:
    run_service(WIRING, build_application)
