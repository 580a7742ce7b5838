"""The key vault's contract, on the in-memory fake and on PostgreSQL alike: one key per BSN,
made once even by racing ingresses; found by pseudonym; an outbox of keys and tombstones for
the keys topic; erasure that leaves nothing of the youth once its tombstone is published.
PostgreSQL only: the rows are really gone."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from jeugdketen_shared.key_vault import (
    TABLE,
    TOMBSTONES_TABLE,
    InMemoryKeyVault,
    KeyVault,
    PostgresKeyVault,
)
from jeugdketen_shared.privacy import Pseudonymizer
from jeugdketen_shared.youth_keys import KeyRecord
from plaatsing.domain.youth import Youth
from tests.conftest import IsolatedPlatform

pytestmark = pytest.mark.integration

BSN, OTHER_BSN = "999990019", "999990020"


@pytest.fixture(params=["in-memory", "postgresql"])
def vault(request: pytest.FixtureRequest, platform: IsolatedPlatform) -> Iterator[KeyVault]:
    adapter: KeyVault = (
        InMemoryKeyVault(Pseudonymizer(platform.pseudonym_key.encode()))
        if request.param == "in-memory"
        else PostgresKeyVault.of(platform.settings())
    )
    try:
        yield adapter
    finally:
        adapter.close()


def test_a_bsn_has_one_key_and_its_pseudonym_finds_it(vault: KeyVault) -> None:
    key = vault.key_for_bsn(BSN)
    assert vault.key_for_bsn(BSN) == key
    other = vault.key_for_bsn(OTHER_BSN)
    assert other.pseudonym != key.pseudonym
    assert vault.key_for_pseudonym(key.pseudonym) == key
    assert vault.key_for_pseudonym("0" * 64) is None


def test_ingresses_racing_for_a_new_youth_get_one_key(vault: KeyVault) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        keys = list(pool.map(lambda _: vault.key_for_bsn(BSN), range(16)))
    assert len(set(keys)) == 1
    assert vault.pending() == [KeyRecord(keys[0].pseudonym, keys[0])]


def test_keys_wait_in_the_outbox_until_published(vault: KeyVault) -> None:
    first, second = vault.key_for_bsn(BSN), vault.key_for_bsn(OTHER_BSN)
    pending = vault.pending()
    assert sorted(pending, key=lambda r: r.pseudonym) == sorted(
        [KeyRecord(first.pseudonym, first), KeyRecord(second.pseudonym, second)],
        key=lambda r: r.pseudonym,
    )
    vault.published(pending[:1])
    assert vault.pending() == pending[1:]
    vault.published(pending[1:])
    assert vault.pending() == []


def test_erasure_destroys_the_key_and_leaves_a_tombstone_to_publish(vault: KeyVault) -> None:
    key = vault.key_for_bsn(BSN)
    vault.published(vault.pending())

    assert vault.erase(BSN) == key.pseudonym
    assert vault.key_for_pseudonym(key.pseudonym) is None
    assert vault.pending() == [KeyRecord(key.pseudonym, None)]
    assert vault.erase(BSN) is None  # nothing left to erase
    vault.published(vault.pending())
    assert vault.pending() == []

    again = vault.key_for_bsn(BSN)  # the same BSN again: a new youth to the platform
    assert again.pseudonym != key.pseudonym
    assert vault.pending() == [KeyRecord(again.pseudonym, again)]


def test_a_key_erased_before_it_was_published_goes_out_before_its_tombstone(
    vault: KeyVault,
) -> None:
    key = vault.key_for_bsn(BSN)
    read_by_the_relay = vault.pending()
    vault.erase(BSN)
    vault.published(read_by_the_relay)  # the relay sent the key it had read
    # the tombstone is still to go, after it: the key does not outlive the erasure
    assert vault.pending() == [KeyRecord(key.pseudonym, None)]


def test_the_vault_says_which_youths_still_have_a_key(vault: KeyVault) -> None:
    living, erased = vault.key_for_bsn(BSN).pseudonym, vault.key_for_bsn(OTHER_BSN).pseudonym
    vault.erase(OTHER_BSN)
    assert vault.known([living, erased, "0" * 64]) == {living}
    assert vault.known([]) == set()


def test_unknown_bsns_erase_nothing(vault: KeyVault) -> None:
    assert vault.erase(BSN) is None
    assert vault.pending() == []


def rows_naming(
    platform: IsolatedPlatform, pseudonym: str, tables: tuple[str, ...] = (TABLE, TOMBSTONES_TABLE)
) -> dict[str, int]:
    """How many rows of each of the tables name the pseudonym or its youth."""
    youth_id = Youth.create_id(pseudonym)
    with psycopg.connect(platform.infrastructure.database_url) as connection:
        return {
            table: int(
                connection.execute(
                    f'SELECT count(*) FROM "{platform.schema}".{table} t WHERE t::text LIKE %s'
                    " OR t::text LIKE %s",
                    (f"%{pseudonym}%", f"%{youth_id}%"),
                ).fetchone()[0]  # type: ignore[index]
            )
            for table in tables
        }


def test_in_postgresql_nothing_of_an_erased_youth_stays_once_the_tombstone_is_out(
    platform: IsolatedPlatform,
) -> None:
    vault = PostgresKeyVault.of(platform.settings())
    try:
        pseudonym = vault.key_for_bsn(BSN).pseudonym
        vault.published(vault.pending())
        assert rows_naming(platform, pseudonym) == {TABLE: 1, TOMBSTONES_TABLE: 0}
        vault.erase(BSN)
        assert rows_naming(platform, pseudonym) == {TABLE: 0, TOMBSTONES_TABLE: 1}
        vault.published(vault.pending())
        assert rows_naming(platform, pseudonym) == {TABLE: 0, TOMBSTONES_TABLE: 0}
    finally:
        vault.close()
