"""The HTTP door on its own, before any gateway: who gets through, and as whom. (Over the real
Kafka and PostgreSQL, per service: tests/integration/test_http_ingress.py.)"""

import base64
from collections.abc import AsyncIterator, Sequence
from typing import cast

import httpx
import pytest

from jeugdketen_shared.contracts import toegang as toegang_contracts
from jeugdketen_shared.credentials import hash_secret
from jeugdketen_shared.http_ingress import create_http_app
from jeugdketen_shared.inbound import Contracts
from jeugdketen_shared.ingress import InboundGateway
from jeugdketen_shared.partner_credentials import PartnerCredentials
from jeugdketen_shared.permissions import NotPermitted
from jeugdketen_shared.rejections import Arrival, Rejection

CHEAP = 2**4
SECRETS = {"gemeente-enschede": "enschedes-geheim", "aanbieder-de-boerderij": "boerderij-geheim"}
STRUCTURED = {"content-type": "application/cloudevents+json"}


class RecordingGateway:
    """Stands in for the gateway: keeps what reaches it and refuses it (the outcome does not
    matter here, only whether and as whom a message got through)."""

    def __init__(self) -> None:
        self.arrivals: list[Arrival] = []

    async def receive(self, arrivals: Sequence[Arrival]) -> list[Rejection]:
        self.arrivals += arrivals
        return [Rejection(arrival, NotPermitted("not looked at")) for arrival in arrivals]


def basic(partner_id: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{partner_id}:{secret}".encode()).decode()
    return {"authorization": f"Basic {token}"}


@pytest.fixture
def gateway() -> RecordingGateway:
    return RecordingGateway()


@pytest.fixture
async def toegang(gateway: RecordingGateway) -> AsyncIterator[httpx.AsyncClient]:
    credentials = PartnerCredentials({p: hash_secret(s, n=CHEAP) for p, s in SECRETS.items()})
    # the boerderij is a provider: it publishes nothing to toegang
    app = create_http_app(
        "toegang",
        cast(InboundGateway, gateway),
        credentials,
        {"gemeente-enschede"},
        Contracts(toegang_contracts.INBOUND),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://toegang") as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Basic !!!"},
        {"authorization": "Bearer enschedes-geheim"},
        basic("gemeente-enschede", "geraden"),
        basic("gemeente-enschede", SECRETS["aanbieder-de-boerderij"]),
        basic("gemeente-atlantis", SECRETS["gemeente-enschede"]),
    ],
    ids=["none", "unreadable", "bearer", "wrong", "another's", "unknown partner"],
)
async def test_without_a_partner_s_own_credential_nothing_reaches_the_gateway(
    toegang: httpx.AsyncClient, gateway: RecordingGateway, headers: dict[str, str]
) -> None:
    claim = {"jeugdketen-partner": "gemeente-enschede"}
    answer = await toegang.post("/v1/messages", content=b"{}", headers=STRUCTURED | claim | headers)

    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Basic realm="jeugdketen toegang", charset="UTF-8"'
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["reason"] == "unauthenticated"
    assert gateway.arrivals == []


async def test_a_partner_that_publishes_nothing_here_is_refused_at_the_door(
    toegang: httpx.AsyncClient, gateway: RecordingGateway
) -> None:
    boerderij = basic("aanbieder-de-boerderij", SECRETS["aanbieder-de-boerderij"])
    answer = await toegang.post("/v1/messages", content=b"{}", headers=STRUCTURED | boerderij)

    assert (answer.status_code, answer.json()["reason"]) == (403, "not-permitted")
    assert gateway.arrivals == []


async def test_the_sender_is_the_partner_that_logged_in_whatever_the_header_says(
    toegang: httpx.AsyncClient, gateway: RecordingGateway
) -> None:
    enschede = basic("gemeente-enschede", SECRETS["gemeente-enschede"])
    claim = {"jeugdketen-partner": "gemeente-hengelo"}
    await toegang.post("/v1/messages", content=b"{}", headers=STRUCTURED | claim | enschede)

    [arrival] = gateway.arrivals
    assert arrival.partner == "gemeente-enschede"
