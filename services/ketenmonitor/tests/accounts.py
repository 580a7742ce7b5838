"""Users for tests: the real scrypt hashes at a low cost (tests hash on every request), and
HTTP Basic headers for them."""

import base64
from pathlib import Path

from fastapi import FastAPI

from jeugdketen_shared.credentials import hash_secret
from ketenmonitor.web.auth import Account, Role, User, Users, users_toml
from ketenmonitor.web.pages import Pages, create_templates, secure

PASSWORD = "correct paard batterij nietje"
CHEAP = 2**4
"""scrypt's n in tests: the same code, a fraction of the cost."""

WERKGROEP = User("anna@werkgroep", Role.WERKGROEP)
BERT = User("bert@werkgroep", Role.WERKGROEP)
DASHBOARD = User("dirk@gemeente", Role.DASHBOARD)


def users(*members: User, password: str = PASSWORD) -> Users:
    return Users(Account(user, hash_secret(password, n=CHEAP)) for user in members)


EVERYONE = users(WERKGROEP, BERT, DASHBOARD)


def basic(user: User, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user.name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def secured(app: FastAPI, known: Users = EVERYONE) -> FastAPI:
    """The app behind the login, as the composition root puts it."""
    secure(app, known, Pages(create_templates()), "a session secret for tests only")
    return app


def users_file(folder: Path) -> Path:
    """A users file of WERKGROEP, BERT and DASHBOARD, all with PASSWORD."""
    path = folder / "users.toml"
    path.write_text(
        users_toml(Account(u, hash_secret(PASSWORD, n=CHEAP)) for u in (WERKGROEP, BERT, DASHBOARD))
    )
    return path
