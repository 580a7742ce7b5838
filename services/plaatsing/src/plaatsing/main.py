"""Composition root of plaatsing: its wiring and its application, run by the shared service."""

from jeugdketen_shared.batch import ChainApplication
from jeugdketen_shared.clock import Clock, SystemClock
from jeugdketen_shared.contracts import plaatsing as contracts
from jeugdketen_shared.inbound import Contracts
from jeugdketen_shared.key_vault import KeyVaultSettings, PostgresKeyVault
from jeugdketen_shared.service import ServiceWiring, Upstream, event_store_environment
from jeugdketen_shared.service import cli as run_service
from jeugdketen_shared.settings import ServiceSettings
from plaatsing.application import Plaatsing
from plaatsing.birthdays import PostgresBirthdaySchedule
from plaatsing.publication import PUBLISHED_EVENT_CLASSES, as_contract
from plaatsing.scheduler import TurningEighteenScheduler


async def run_turning_eighteen(application: ChainApplication, settings: ServiceSettings) -> None:
    if not isinstance(application, Plaatsing):
        raise TypeError("the turning-eighteen scheduler needs plaatsing's application")
    await TurningEighteenScheduler(application).run()


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
    # youths turn 18 on their birthday, also when no message about them arrives that day
    background=(run_turning_eighteen,),
)


def build_application(settings: ServiceSettings, clock: Clock | None = None) -> Plaatsing:
    return Plaatsing(
        # toegang's vault: in toegang's database where each service has its own
        PostgresKeyVault.of(settings, KeyVaultSettings()),
        birthdays=PostgresBirthdaySchedule(settings.database_url, settings.database_schema),
        clock=clock or SystemClock(),
        env=event_store_environment(settings),
    )


def cli() -> None:
    run_service(WIRING, build_application)
