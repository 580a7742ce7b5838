"""The key relay over Kafka and PostgreSQL: what the vault made or destroyed while no relay ran
is published once one runs (toegang's process in its role `scheduler`, the background tasks
alone), and the vault forgets it only then."""

import pytest

import toegang.main
from jeugdketen_shared.youth_keys import YouthKey, keys_topic
from tests.conftest import IsolatedPlatform
from tests.support.kafka import Records, read_until
from tests.support.services import running_in_process
from tests.support.waiting import wait_until
from tests.support.youth_keys import key_vault

pytestmark = pytest.mark.integration


def latest(records: Records) -> dict[str, bytes | None]:
    return {record.key.decode(): record.value for record in records if record.key is not None}


async def test_keys_and_tombstones_made_while_no_relay_ran_are_published_when_one_runs(
    platform: IsolatedPlatform,
) -> None:
    settings = platform.settings()
    with key_vault(settings) as vault:
        living = vault.key_for_bsn("999990019")
        erased = vault.key_for_bsn("999990020").pseudonym
        vault.erase("999990020")
        assert len(vault.pending()) == 2  # the living youth's key, the erased one's tombstone

        async with running_in_process(
            toegang.main.WIRING, toegang.main.build_application, settings, role="scheduler"
        ):
            published = await read_until(
                platform.infrastructure.kafka_bootstrap_servers,
                keys_topic(platform.prefix),
                lambda seen: {living.pseudonym, erased} <= set(latest(seen)),
            )
            await wait_until(lambda: vault.pending() == [], "the vault forgets what is out")

    on_topic = latest(published)
    assert on_topic[erased] is None  # the key was never published, its tombstone is
    value = on_topic[living.pseudonym]
    assert value is not None
    assert YouthKey.from_record_value(value) == living
