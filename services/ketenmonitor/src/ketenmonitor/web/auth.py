"""Who may read what: users and their roles from a TOML file, passwords as salted scrypt hashes.

Two roles. `dashboard` sees aggregates only: the figures and the live stream of figures.
`werkgroep` also sees the alerts, the case timelines, and acts on alerts.

Browsers log in on `/inloggen` and carry a signed session cookie (Starlette's session
middleware, signed with itsdangerous); API clients send HTTP Basic with the same users. The
`Authentication` middleware lets nothing through without one of the two, except the paths
it is told are public (the login page and the static assets).

The users file (`JEUGDKETEN_USERS_FILE`), one table per user:

    [[users]]
    name = "j.jansen"
    role = "werkgroep"
    password_hash = "scrypt$16384$8$1$<salt, hex>$<hash, hex>"
"""

import argparse
import asyncio
import secrets
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from jeugdketen_shared.credentials import (
    HashedSecrets,
    InvalidHash,
    basic_credentials,
    check_hash_form,
    hash_secret,
)
from jeugdketen_shared.problems import problem

SESSION_KEY = "gebruiker"
LOGIN_PATH = "/inloggen"


class Role(StrEnum):
    DASHBOARD = "dashboard"
    WERKGROEP = "werkgroep"


@dataclass(frozen=True)
class User:
    name: str
    role: Role

    @property
    def is_werkgroep(self) -> bool:
        return self.role is Role.WERKGROEP


class InvalidUsersFile(ValueError):
    """The users file cannot be read as users with a role and a scrypt password hash."""


@dataclass(frozen=True)
class Account:
    user: User
    password_hash: str


class Users:
    """The configured users, by name."""

    def __init__(self, accounts: Iterable[Account]) -> None:
        listed = list(accounts)
        self._users = {account.user.name: account.user for account in listed}
        self._passwords = HashedSecrets({a.user.name: a.password_hash for a in listed})

    def named(self, name: str) -> User | None:
        return self._users.get(name)

    def authenticate(self, name: str, password: str) -> User | None:
        return self._users.get(name) if self._passwords.verify(name, password) else None


def parse_users(text: str) -> Users:
    try:
        entries = tomllib.loads(text).get("users", [])
        accounts = [
            Account(User(str(entry["name"]), Role(entry["role"])), str(entry["password_hash"]))
            for entry in entries
        ]
    except (tomllib.TOMLDecodeError, KeyError, ValueError, TypeError) as error:
        raise InvalidUsersFile(str(error)) from error
    for account in accounts:
        try:
            check_hash_form(account.password_hash)
        except InvalidHash as error:
            raise InvalidUsersFile(f"{account.user.name}: password_hash is {error}") from error
    return Users(accounts)


def load_users(path: Path) -> Users:
    return parse_users(path.read_text(encoding="utf-8"))


def users_toml(accounts: Iterable[Account]) -> str:
    """The users file of these accounts (what `python -m ketenmonitor.web.auth` writes)."""
    return "".join(
        f'[[users]]\nname = "{a.user.name}"\nrole = "{a.user.role}"\n'
        f'password_hash = "{a.password_hash}"\n\n'
        for a in accounts
    )


# --- the middleware ----------------------------------------------------------------------------


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


class Authentication:
    """Pure ASGI (a streaming response passes through untouched): puts the authenticated
    `User` in `request.state.user`, from the session or HTTP Basic, or answers itself: a
    browser is sent to the login page, an API client gets 401 with a Basic challenge.
    Needs Starlette's `SessionMiddleware` outside it."""

    def __init__(self, app: ASGIApp, users: Users, public: Callable[[str], bool]) -> None:
        self.app, self.users, self.public = app, users, public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.public(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        user = await self.authenticated(request)
        if user is None:
            await self.refusal(request)(scope, receive, send)
            return
        scope.setdefault("state", {})["user"] = user
        await self.app(scope, receive, send)

    async def authenticated(self, request: Request) -> User | None:
        credentials = basic_credentials(request.headers.get("authorization"))
        if credentials is not None:
            # scrypt takes tens of milliseconds: not on the event loop
            return await asyncio.to_thread(self.users.authenticate, *credentials)
        name = request.session.get(SESSION_KEY)
        return self.users.named(name) if isinstance(name, str) else None

    def refusal(self, request: Request) -> Response:
        if request.method == "GET" and wants_html(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{LOGIN_PATH}?volgende={quote(target)}", status_code=303)
        return problem(
            401,
            "unauthenticated",
            "Log in: met een sessie (/inloggen) of met HTTP Basic.",
            {"WWW-Authenticate": 'Basic realm="ketenmonitor", charset="UTF-8"'},
        )


# --- roles, as FastAPI dependencies -------------------------------------------------------------


class NotAuthenticated(Exception):
    """No authenticated user on this request (the middleware is missing in front of it)."""


class Forbidden(Exception):
    """Het werkgroep-deel is alleen voor leden van de werkgroep."""


def authenticated_user(request: Request) -> User:
    user = getattr(request.state, "user", None)
    if not isinstance(user, User):
        raise NotAuthenticated
    return user


def werkgroep_member(user: Annotated[User, Depends(authenticated_user)]) -> User:
    if not user.is_werkgroep:
        raise Forbidden
    return user


AuthenticatedUser = Annotated[User, Depends(authenticated_user)]
WerkgroepMember = Annotated[User, Depends(werkgroep_member)]


def new_accounts(names_and_roles: Iterable[tuple[str, Role]]) -> list[tuple[Account, str]]:
    """Accounts with fresh random passwords, and each password (to hand to its user once)."""
    created = []
    for name, role in names_and_roles:
        password = secrets.token_urlsafe(12)
        created.append((Account(User(name, role), hash_secret(password)), password))
    return created


def cli() -> None:
    """`python -m ketenmonitor.web.auth FILE NAME:ROLE...`: write a users file of these users with
    random passwords, and print each user's name, role and password."""
    parser = argparse.ArgumentParser(prog="ketenmonitor.web.auth", description=cli.__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("users", nargs="+", metavar="NAME:ROLE")
    arguments = parser.parse_args()
    wanted = []
    for spec in arguments.users:
        name, _, role = spec.partition(":")
        wanted.append((name, Role(role)))
    created = new_accounts(wanted)
    arguments.file.parent.mkdir(parents=True, exist_ok=True)
    arguments.file.touch(mode=0o600)
    arguments.file.write_text(users_toml(account for account, _ in created), encoding="utf-8")
    for account, password in created:
        print(f"{account.user.name}\t{account.user.role}\t{password}")


if __name__ == "__main__":
    cli()
