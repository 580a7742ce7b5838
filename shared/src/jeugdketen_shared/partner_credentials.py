"""How a partner's system proves who it is to an ingress HTTP API: HTTP Basic, with the partner's
registry id as user name and a random secret of its own as password.

A secret is made by the platform, never chosen by a person (32 random bytes, URL-safe), handed
to the partner once, and stored only as a salted scrypt hash, in the partner credentials file
the ingress services read (`JEUGDKETEN_PARTNER_CREDENTIALS_FILE`), one table per partner:

    [[partner]]
    id = "huisartsenpraktijk-de-linde"
    secret_hash = "scrypt$16384$8$1$<salt, hex>$<hash, hex>"

`python -m jeugdketen_shared.partner_credentials FILE [PARTNER...]` writes such a file with new
secrets (for every partner of the registry when none is named; with `--missing` only for those
the file does not hold yet) and prints each partner's id and secret
(deploy/local/partner-credentials runs it).
"""

import argparse
import secrets
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from jeugdketen_shared.credentials import (
    SCRYPT_N,
    HashedSecrets,
    InvalidHash,
    check_hash_form,
    hash_secret,
)
from jeugdketen_shared.permissions import load_partners


class InvalidPartnerCredentials(ValueError):
    """The partner credentials file cannot be read as partner ids with a scrypt secret hash."""


class PartnerCredentials:
    """The partners that can authenticate over HTTP, by id."""

    def __init__(self, hashes: Mapping[str, str]) -> None:
        self._secrets = HashedSecrets(hashes)

    def authenticate(self, partner_id: str, secret: str) -> str | None:
        """The partner's id when the secret is its own, else None (an unknown id too, taking
        as long as a known one)."""
        return partner_id if self._secrets.verify(partner_id, secret) else None


def parse_partner_credentials(text: str) -> PartnerCredentials:
    return PartnerCredentials(_hashes(text))


def load_partner_credentials(path: Path) -> PartnerCredentials:
    return parse_partner_credentials(path.read_text(encoding="utf-8"))


def _hashes(text: str) -> dict[str, str]:
    """Partner id -> secret hash, of a partner credentials file's text."""
    try:
        entries = tomllib.loads(text).get("partner", [])
        hashes = {str(entry["id"]): str(entry["secret_hash"]) for entry in entries}
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as error:
        raise InvalidPartnerCredentials(str(error)) from error
    for partner_id, encoded in hashes.items():
        try:
            check_hash_form(encoded)
        except InvalidHash as error:
            raise InvalidPartnerCredentials(f"{partner_id}: secret_hash is {error}") from error
    return hashes


def new_secrets(partner_ids: Iterable[str], *, n: int = SCRYPT_N) -> dict[str, tuple[str, str]]:
    """Partner id -> (a fresh secret, its hash): the secret to hand over once, the hash to keep."""
    created = {}
    for partner_id in partner_ids:
        secret = secrets.token_urlsafe(32)
        created[partner_id] = (secret, hash_secret(secret, n=n))
    return created


def partner_credentials_toml(hashes: Mapping[str, str]) -> str:
    """The partner credentials file of these partner ids and secret hashes."""
    return "".join(
        f'[[partner]]\nid = "{partner_id}"\nsecret_hash = "{encoded}"\n\n'
        for partner_id, encoded in hashes.items()
    )


def cli() -> None:
    """`python -m jeugdketen_shared.partner_credentials FILE [PARTNER...]`: write a partner
    credentials file with a new secret for each partner (every partner of the registry when
    none is named), and print each id and secret. With `--missing`, the partners FILE holds
    already keep theirs: only the others get one (and only theirs are printed)."""
    parser = argparse.ArgumentParser(prog="partner_credentials", description=cli.__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("partners", nargs="*", metavar="PARTNER")
    parser.add_argument("--registry", type=Path, default=Path("deploy/partners.toml"))
    parser.add_argument("--missing", action="store_true")
    arguments = parser.parse_args()
    file: Path = arguments.file
    named = arguments.partners or [partner.id for partner in load_partners(arguments.registry)]
    kept = _hashes(file.read_text(encoding="utf-8")) if arguments.missing else {}
    created = new_secrets(partner_id for partner_id in named if partner_id not in kept)
    hashes = kept | {partner_id: encoded for partner_id, (_, encoded) in created.items()}
    file.parent.mkdir(parents=True, exist_ok=True)
    file.touch(mode=0o600)
    file.write_text(partner_credentials_toml(hashes), encoding="utf-8")
    for partner_id, (secret, _) in created.items():
        print(f"{partner_id}\t{secret}")


if __name__ == "__main__":
    cli()
