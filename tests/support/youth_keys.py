"""The youths' keys of a test's platform: the pseudonym toegang gives a BSN, and what a sealed
value says, read from the platform's key vault (toegang and plaatsing share it)."""

from collections.abc import Iterator
from contextlib import contextmanager

from jeugdketen_shared.key_vault import PostgresKeyVault
from jeugdketen_shared.settings import ServiceSettings


@contextmanager
def key_vault(settings: ServiceSettings) -> Iterator[PostgresKeyVault]:
    vault = PostgresKeyVault.of(settings)
    try:
        yield vault
    finally:
        vault.close()


def youth_pseudonym(settings: ServiceSettings, bsn: str) -> str:
    """The youth's pseudonym, from the key toegang made for the BSN (made now if it has not:
    a test that plays triage names the youth as toegang would have)."""
    with key_vault(settings) as vault:
        return vault.key_for_bsn(bsn).pseudonym


def unsealed(settings: ServiceSettings, pseudonym: str, sealed: str) -> str:
    """A value sealed under the youth's key, read with the key in the vault."""
    with key_vault(settings) as vault:
        key = vault.key_for_pseudonym(pseudonym)
    if key is None:
        raise LookupError("the youth has no key (any more)")
    return key.unseal(sealed)
