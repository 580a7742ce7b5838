"""Composition root of toegang: its wiring and its application, run by the shared service;
and the erasure command."""

import sys

from jeugdketen_shared.batch import ChainApplication
from jeugdketen_shared.clock import Clock, SystemClock
from jeugdketen_shared.contracts import toegang as contracts
from jeugdketen_shared.inbound import Contracts
from jeugdketen_shared.key_relay import KeyRelay
from jeugdketen_shared.key_vault import PostgresKeyVault
from jeugdketen_shared.service import (
    ServiceWiring,
    event_store_environment,
    running_producer,
)
from jeugdketen_shared.service import cli as run_service
from jeugdketen_shared.settings import ServiceSettings
from jeugdketen_shared.youth_keys import keys_topic
from toegang.application import Toegang
from toegang.erasure import erase_youths
from toegang.publication import PUBLISHED_EVENT_CLASSES, as_contract
from toegang.scheduler import VoorlopigeOtsScheduler
from toegang.terms import PostgresTermSchedule

ERASE_COMMAND = "erase-youth"


async def run_key_relay(application: ChainApplication, settings: ServiceSettings) -> None:
    if not isinstance(application, Toegang):
        raise TypeError("the key relay needs toegang's application")
    async with running_producer(settings) as producer:
        await KeyRelay(
            application.keys,
            producer,
            keys_topic(settings.topic_prefix),
            settings.database_url,
            settings.database_schema,
        ).run()


async def run_voorlopige_ots_expiry(
    application: ChainApplication, settings: ServiceSettings
) -> None:
    if not isinstance(application, Toegang):
        raise TypeError("the voorlopige OTS scheduler needs toegang's application")
    await VoorlopigeOtsScheduler(application).run()


WIRING = ServiceWiring(
    name="toegang",
    inbound=Contracts(contracts.INBOUND),
    inbound_description=(
        "Partners' referrals, verklarende analyses, toegang decisions and withdrawals"
    ),
    published=PUBLISHED_EVENT_CLASSES,
    as_contract=as_contract,
    # toegang's process alone publishes the youths' keys (and their tombstones); a voorlopige
    # OTS lapses at the end of its term, also when no message about the case arrives that day
    background=(run_key_relay, run_voorlopige_ots_expiry),
)


def build_application(settings: ServiceSettings, clock: Clock | None = None) -> Toegang:
    return Toegang(
        PostgresKeyVault.of(settings),
        terms=PostgresTermSchedule(settings.database_url, settings.database_schema),
        clock=clock or SystemClock(),
        env=event_store_environment(settings),
    )


def cli() -> None:
    if sys.argv[1:] == [ERASE_COMMAND]:
        vault = PostgresKeyVault.of(ServiceSettings())
        try:
            erase_youths(vault, sys.stdin, sys.stdout)
        finally:
            vault.close()
    else:
        run_service(WIRING, build_application)
