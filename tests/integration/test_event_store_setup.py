"""Processes of the platform starting at once set up their event store without tripping over
each other (the library creates its tables and functions on every start)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import pytest
from eventsourcing.application import Application

from jeugdketen_shared.eventstore import ServiceApplication, postgres_environment
from tests.conftest import IsolatedPlatform

pytestmark = pytest.mark.integration

PROCESSES = 6
ROUNDS = 5


def start_at_once(application: type[Application[UUID]], env: dict[str, str]) -> None:
    barrier = threading.Barrier(PROCESSES)

    def start() -> None:
        barrier.wait()
        application(env).close()

    with ThreadPoolExecutor(PROCESSES) as pool:
        for started in [pool.submit(start) for _ in range(PROCESSES)]:
            started.result()


def test_applications_starting_at_once_set_up_one_event_store(
    platform: IsolatedPlatform,
) -> None:
    settings = platform.settings()
    env = postgres_environment(settings.database_url, settings.database_schema)
    for _ in range(ROUNDS):
        start_at_once(ServiceApplication, env)
