"""Properties of every service's partner door, over thousands of generated messages: each one is
accepted or refused with its reason, never an exception; every hostile one is refused, every
valid one recorded once; a refused one writes nothing, and its rejection can be published.

The real contracts, partner registry, batch recorder and applications, on the `eventsourcing`
library's in-memory store; only Kafka is replaced (the rejected topic by a list).
"""

import asyncio
from collections.abc import Sequence
from datetime import datetime

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import plaatsing.main
import toegang.main
import triage.main
from jeugdketen_shared.batch import Accepted, ChainApplication
from jeugdketen_shared.clock import ControllableClock
from jeugdketen_shared.cloudevents import KafkaRecord, encode
from jeugdketen_shared.ingress import InboundGateway
from jeugdketen_shared.key_vault import InMemoryKeyVault
from jeugdketen_shared.permissions import PartnerRegistry
from jeugdketen_shared.privacy import Pseudonymizer
from jeugdketen_shared.rejections import Arrival, Rejection, RejectionPublisher
from plaatsing.application import Plaatsing
from plaatsing.birthdays import InMemoryBirthdaySchedule
from tests.fuzz.hostile import NOW, SERVICES, Sent, hostile, valid
from tests.support.partners import PARTNERS_FILE
from toegang.application import Toegang
from toegang.terms import InMemoryTermSchedule
from triage.application import Triage

IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
# one vault for every application, as one platform has: a BSN gets the same pseudonym in each
KEYS = InMemoryKeyVault(Pseudonymizer(b"fuzz" * 8))
PARTNERS = PartnerRegistry.load(PARTNERS_FILE)
WIRINGS = {"toegang": toegang.main.WIRING, "triage": triage.main.WIRING}
WIRINGS["plaatsing"] = plaatsing.main.WIRING
REJECTED_SOURCE = "urn:nld:oin:00000000000000000000:systeem:jeugdketen-fuzz"


def application(service: str) -> ChainApplication:
    if service == "toegang":
        return Toegang(
            KEYS, terms=InMemoryTermSchedule(), clock=ControllableClock(NOW), env=IN_MEMORY
        )
    if service == "triage":
        return Triage(env=IN_MEMORY)
    return Plaatsing(
        KEYS,
        birthdays=InMemoryBirthdaySchedule(),
        clock=ControllableClock(NOW),
        env=IN_MEMORY,
    )


class ListedRejections(RejectionPublisher):
    """The rejected topic as a list; each rejection encoded as the real publisher would."""

    def __init__(self) -> None:
        self.published: list[Rejection] = []

    async def publish(self, rejections: list[Rejection], now: datetime) -> None:
        for rejection in rejections:
            encode(rejection.as_cloudevent(REJECTED_SOURCE, now))
        self.published.extend(rejections)


def stored(app: ChainApplication) -> list[tuple[object, int, str]]:
    """What the store holds, without its timestamps: (aggregate, version, event topic)."""
    return sorted(
        (str(n.originator_id), n.originator_version, n.topic)
        for n in app.recorder.select_notifications(None, 10_000)
    )


def receive(
    service: str, sent: Sequence[Sent]
) -> tuple[list[object], ListedRejections, ChainApplication]:
    app = application(service)
    rejections = ListedRejections()
    gateway = InboundGateway(
        WIRINGS[service].inbound,
        PARTNERS,
        app.record,
        rejections,
        ControllableClock(NOW),
        service=service,
    )
    arrivals = [
        Arrival(
            KafkaRecord(s.key, s.value, s.headers),
            topic=f"{service}.inbound.{s.partner}",
            offset=i,
            partner=s.partner,
        )
        for i, s in enumerate(sent)
    ]
    outcomes: list[object] = list(asyncio.run(gateway.receive(arrivals)))
    return outcomes, rejections, app


def flattened(groups: list[list[Sent]]) -> list[Sent]:
    return [sent for group in groups for sent in group]


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(
        st.one_of(valid().map(lambda sent: [sent]), hostile()),
        min_size=1,
        max_size=8,
        # one case (or provider) per message: two valid messages of one case may conflict
        unique_by=lambda group: group[0].key,
    )
)
def test_hostile_messages_are_refused_and_valid_ones_recorded_once(
    groups: list[list[Sent]],
) -> None:
    messages = flattened(groups)
    for service in SERVICES:
        sent = [s for s in messages if s.service == service]
        outcomes, rejections, app = receive(service, sent)

        assert len(outcomes) == len(sent)
        for message, outcome in zip(sent, outcomes, strict=True):
            event(message.kind)  # --hypothesis-show-statistics: how often each kind ran
            if message.hostile:
                assert isinstance(outcome, Rejection), (message, outcome)
                assert outcome.refusal.reason not in ("", "refused"), message
            else:
                assert isinstance(outcome, Accepted), (message, outcome)
        assert len(rejections.published) == sum(s.hostile for s in sent)
        # no partial write: the store holds exactly what the valid messages alone make
        _, _, valid_only = receive(service, [s for s in sent if not s.hostile])
        try:
            assert stored(app) == stored(valid_only)
        finally:
            app.close()
            valid_only.close()


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SERVICES), st.binary(max_size=400), st.binary(max_size=40))
def test_any_bytes_at_all_are_refused(service: str, value: bytes, key: bytes) -> None:
    [outcome], rejections, app = receive(service, [Sent(service, key, value, (), "random-bytes")])
    app.close()
    assert isinstance(outcome, Rejection)
    assert rejections.published == [outcome]
