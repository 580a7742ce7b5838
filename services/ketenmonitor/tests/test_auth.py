"""Users and passwords: the users file, scrypt hashes, HTTP Basic credentials."""

from pathlib import Path

import pytest

from ketenmonitor.auth import (
    InvalidUsersFile,
    Role,
    User,
    basic_credentials,
    hash_password,
    load_users,
    new_accounts,
    parse_users,
    password_matches,
    users_toml,
)
from services.ketenmonitor.tests.accounts import CHEAP


def test_a_password_matches_its_salted_hash_only() -> None:
    first, second = hash_password("geheim", n=CHEAP), hash_password("geheim", n=CHEAP)
    assert first != second  # a salt of its own
    assert password_matches("geheim", first)
    assert not password_matches("Geheim", first)
    assert first.startswith(f"scrypt${CHEAP}$8$1$")


def test_the_users_file_written_for_new_accounts_authenticates_them(tmp_path: Path) -> None:
    created = new_accounts([("j.jansen", Role.WERKGROEP), ("p.pietersen", Role.DASHBOARD)])
    file = tmp_path / "users.toml"
    file.write_text(users_toml(account for account, _ in created))
    users = load_users(file)
    (_, jansen_password), (pietersen, pietersen_password) = created
    assert users.authenticate("j.jansen", jansen_password) == User("j.jansen", Role.WERKGROEP)
    assert users.authenticate("p.pietersen", pietersen_password) == pietersen.user
    assert users.authenticate("j.jansen", pietersen_password) is None
    assert users.authenticate("onbekend", jansen_password) is None
    assert users.named("p.pietersen") == pietersen.user
    assert jansen_password not in file.read_text()


@pytest.mark.parametrize(
    "text",
    [
        '[[users]]\nname = "a"\nrole = "beheerder"\npassword_hash = "scrypt$16$8$1$00$00"\n',
        '[[users]]\nname = "a"\nrole = "dashboard"\n',
        '[[users]]\nname = "a"\nrole = "dashboard"\npassword_hash = "plain"\n',
        "[[users]\n",
    ],
)
def test_a_users_file_that_is_not_users_with_a_role_and_a_hash_is_refused(text: str) -> None:
    with pytest.raises(InvalidUsersFile):
        parse_users(text)


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
