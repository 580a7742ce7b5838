"""After the chaos: what was sent (the simulator's journal) against what the platform recorded
(the services' stores) and published (the topics)."""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRecord
from eventsourcing.utils import get_topic

from jeugdketen_shared.cloudevents import CloudEvent, decode
from jeugdketen_shared.kafka import as_kafka_record
from tests.chaos.platform import DOMAIN_SERVICES, Relayed
from tests.support.kafka import read_all

READ_SECONDS = 300
"""Reading a whole topic of a 100,000-event run on a busy machine."""
Applied = tuple[str, str, str]
"""(service, cause, what was recorded): a message applied once records each thing once. The
cause is the causation id; for what the clock caused (turned-eighteen), the case."""


@dataclass(frozen=True)
class Audit:
    sent: int
    """Partner messages the simulator sent (its journal)."""
    accepted: int
    """... of which it meant to be accepted."""
    published: list[CloudEvent]
    """Every domain event on the topics, once per (source, id)."""
    copies: int
    """Records on the topics that repeat a (source, id): the relay's at-least-once window."""
    stored: int
    """Domain events the services' stores hold to be published."""
    lost: list[str]
    """Accepted partner messages without a domain event on their service's topic."""
    lost_in_stores: list[str]
    doubled: list[Applied]
    """Applications with more than one distinct domain event on the topics."""
    doubled_in_stores: list[Applied]
    alerts: int
    alerts_twice: dict[tuple[str, str], int]
    """(case, rule) raised more than once."""

    def summary(self) -> str:
        return (
            f"events sent {self.sent} partner messages ({self.accepted} to be accepted) and "
            f"{len(self.published)} domain events caused ({self.sent + len(self.published)} in "
            f"all); recorded {self.stored} domain events in the stores, {self.copies} republished "
            f"copies on the topics (deduplicated); lost {len(self.lost)} (stores "
            f"{len(self.lost_in_stores)}), duplicated {len(self.doubled)} (stores "
            f"{len(self.doubled_in_stores)}); {self.alerts} alerts raised, "
            f"{len(self.alerts_twice)} twice"
        )


def cloud_events(records: Sequence[ConsumerRecord[bytes, bytes]]) -> list[CloudEvent]:
    return [decode(as_kafka_record(record)) for record in records]


async def audit(
    bootstrap_servers: str, journal: Sequence[Mapping[str, Any]], relayed: Sequence[Relayed]
) -> Audit:
    on_topics = {
        service: cloud_events(
            await read_all(bootstrap_servers, f"jeugdketen.{service}.events", READ_SECONDS)
        )
        for service in DOMAIN_SERVICES
    }
    published = {(e.source, e.id): e for events in on_topics.values() for e in events}
    applied_on_topics: Counter[Applied] = Counter(
        (service, cause(event.causationid, event.caseid), event.type)
        for service, events in on_topics.items()
        for event in {event.id: event for event in events}.values()
    )
    applied_in_stores: Counter[Applied] = Counter()
    for each in relayed:
        if each.service in DOMAIN_SERVICES:
            applied_in_stores.update(stored_applications(each))
    caused_on_topics = {(service, caused) for service, caused, _ in applied_on_topics}
    caused_in_stores = {(service, caused) for service, caused, _ in applied_in_stores}
    accepted = [(m["service"], m["id"]) for m in journal if m["outcome"] == "accepted"]

    alerts = cloud_events(
        await read_all(bootstrap_servers, "jeugdketen.ketenmonitor.alerts", READ_SECONDS)
    )
    raised = {(a.source, a.id): a for a in alerts if a.type.endswith(".alert-raised")}
    per_case_and_rule = Counter((a.data["case_id"], a.data["rule"]) for a in raised.values())
    return Audit(
        sent=len(journal),
        accepted=len(accepted),
        published=list(published.values()),
        copies=sum(len(events) for events in on_topics.values()) - len(published),
        stored=applied_in_stores.total(),
        lost=[id_ for service, id_ in accepted if (service, id_) not in caused_on_topics],
        lost_in_stores=[id_ for service, id_ in accepted if (service, id_) not in caused_in_stores],
        doubled=doubled(applied_on_topics),
        doubled_in_stores=doubled(applied_in_stores),
        alerts=len(raised),
        alerts_twice={key: n for key, n in per_case_and_rule.items() if n > 1},
    )


def cause(causation: str | None, case: object) -> str:
    return causation if causation is not None else f"the clock, case {case}"


def doubled(applied: Counter[Applied]) -> list[Applied]:
    return [key for key, n in applied.items() if n > 1]


def stored_applications(relayed: Relayed) -> Counter[Applied]:
    """The published domain events a service's store holds, by causation and class."""
    application = relayed.application
    topics = [get_topic(cls) for cls in relayed.published]
    applied: Counter[Applied] = Counter()
    position = 0
    while page := application.recorder.select_notifications(
        position, 10_000, topics=topics, inclusive_of_start=False
    ):
        for notification in page:
            event = application.mapper.to_domain_event(notification)
            caused = cause(
                getattr(event, "causation_id", None),
                getattr(event, "case_id", event.originator_id),
            )
            applied[(relayed.service, caused, notification.topic)] += 1
        position = page[-1].id
    return applied
