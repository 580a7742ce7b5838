"""Secrets as scrypt hashes, HTTP Basic credentials, and the partners' credentials file."""

import subprocess
import sys
from pathlib import Path

import pytest

from jeugdketen_shared.credentials import (
    HashedSecrets,
    InvalidHash,
    basic_credentials,
    hash_secret,
    secret_matches,
)
from jeugdketen_shared.partner_credentials import (
    InvalidPartnerCredentials,
    load_partner_credentials,
    new_secrets,
    parse_partner_credentials,
    partner_credentials_toml,
)

CHEAP = 2**4
"""scrypt's n in tests: the same code, a fraction of the cost."""


def test_a_secret_matches_its_salted_hash_only() -> None:
    first, second = hash_secret("geheim", n=CHEAP), hash_secret("geheim", n=CHEAP)
    assert first != second  # a salt of its own
    assert secret_matches("geheim", first)
    assert not secret_matches("Geheim", first)
    assert first.startswith(f"scrypt${CHEAP}$8$1$")


def test_an_unknown_name_is_refused_like_a_wrong_secret() -> None:
    known = HashedSecrets({"anna": hash_secret("geheim", n=CHEAP)})
    assert known.verify("anna", "geheim")
    assert not known.verify("anna", "fout")
    assert not known.verify("bert", "geheim")


@pytest.mark.parametrize("encoded", ["plain", "bcrypt$1$2$3$4$5", "scrypt$16$8$1$00"])
def test_what_is_no_scrypt_hash_is_refused(encoded: str) -> None:
    with pytest.raises(InvalidHash):
        secret_matches("geheim", encoded)


@pytest.mark.parametrize(
    ("header", "credentials"),
    [
        ("Basic YW5uYTpnZWhlaW06bWV0OmR1YmJlbHB1bnQ=", ("anna", "geheim:met:dubbelpunt")),
        ("basic YW5uYTo=", ("anna", "")),
        ("Basic YW5uYQ==", None),  # no colon
        ("Basic !!!", None),
        ("Bearer abc", None),
        (None, None),
    ],
)
def test_basic_credentials(header: str | None, credentials: tuple[str, str] | None) -> None:
    assert basic_credentials(header) == credentials


def test_the_file_written_for_new_secrets_authenticates_each_partner_with_its_own(
    tmp_path: Path,
) -> None:
    created = new_secrets(["gemeente-enschede", "gemeente-hengelo"], n=CHEAP)
    file = tmp_path / "partner-credentials.toml"
    file.write_text(partner_credentials_toml({p: hashed for p, (_, hashed) in created.items()}))
    partners = load_partner_credentials(file)
    enschede, hengelo = created["gemeente-enschede"][0], created["gemeente-hengelo"][0]

    assert partners.authenticate("gemeente-enschede", enschede) == "gemeente-enschede"
    assert partners.authenticate("gemeente-hengelo", hengelo) == "gemeente-hengelo"
    assert partners.authenticate("gemeente-enschede", hengelo) is None
    assert partners.authenticate("gemeente-almelo", enschede) is None
    assert enschede not in file.read_text()
    assert len(enschede) >= 43  # 32 random bytes


@pytest.mark.parametrize(
    "text",
    [
        '[[partner]]\nid = "gemeente-enschede"\n',
        '[[partner]]\nid = "gemeente-enschede"\nsecret_hash = "plain"\n',
        '[[partner]]\nsecret_hash = "scrypt$16$8$1$00$00"\n',
        "[[partner]\n",
    ],
)
def test_a_file_that_is_not_partners_with_a_hash_is_refused(text: str) -> None:
    with pytest.raises(InvalidPartnerCredentials):
        parse_partner_credentials(text)


def _cli(*arguments: str) -> dict[str, str]:
    """`python -m jeugdketen_shared.partner_credentials`: the partner ids and secrets it prints."""
    command = [sys.executable, "-m", "jeugdketen_shared.partner_credentials", *arguments]
    printed = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(line.split("\t") for line in printed.splitlines())


def test_the_command_gives_only_the_missing_partners_a_secret_when_told(tmp_path: Path) -> None:
    file = tmp_path / "partner-credentials.toml"
    first = _cli(str(file), "gemeente-enschede", "gemeente-hengelo")
    before = file.read_text()
    added = _cli("--missing", str(file), "gemeente-enschede", "gemeente-hengelo", "rechtbank")
    partners = load_partner_credentials(file)

    assert set(first) == {"gemeente-enschede", "gemeente-hengelo"}
    assert set(added) == {"rechtbank"}
    assert file.read_text().startswith(before)  # the others' hashes as they were
    for partner_id, secret in (first | added).items():
        assert partners.authenticate(partner_id, secret) == partner_id
    assert (file.stat().st_mode & 0o777) == 0o600
