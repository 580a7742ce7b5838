"""Users and passwords: the users file (the hashes themselves: shared/tests/test_credentials.py)."""

from pathlib import Path

import pytest

from ketenmonitor.web.auth import (
    InvalidUsersFile,
    Role,
    User,
    load_users,
    new_accounts,
    parse_users,
    users_toml,
)


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
