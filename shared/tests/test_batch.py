"""Recording a poll's messages in one transaction, and falling back when it conflicts."""

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from pydantic import ConfigDict

from jeugdketen_shared.batch import Accepted, BatchRecorder, Refused, UnitOfWork
from jeugdketen_shared.cloudevents import CloudEvent
from jeugdketen_shared.contracts.base import CaseMessage, InboundMessage, case_of
from jeugdketen_shared.inbound import ReceivedMessage
from jeugdketen_shared.refusal import Refusal

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Full(Refusal):
    """The tally is full."""

    reason = "full"


class Tally(Aggregate):
    """A counter that takes two marks at most: the simplest aggregate with a guard."""

    @event("Opened")
    def __init__(self, tally_id: UUID) -> None:
        self.marks = 0

    @staticmethod
    def create_id(tally_id: UUID) -> UUID:
        return tally_id

    def mark(self) -> None:
        if self.marks >= 2:
            raise Full
        self._marked()

    @event("Marked")
    def _marked(self) -> None:
        self.marks += 1


class MarkTally(InboundMessage, CaseMessage):
    model_config = ConfigDict(frozen=True, extra="forbid")
    cloudevent_type = "nl.jeugdketen.test.mark-tally"


def mark(tally_id: UUID) -> ReceivedMessage:
    envelope = CloudEvent(
        id=str(uuid4()),
        source="urn:nld:oin:00000001001234567000:systeem:test",
        type=MarkTally.cloudevent_type,
        time=NOW,
        data={"case_id": str(tally_id), "occurred_at": NOW.isoformat()},
    )
    return ReceivedMessage(envelope, MarkTally.model_validate(envelope.data))


def mark_tally(unit: UnitOfWork, message: ReceivedMessage) -> None:
    assert isinstance(message.data, MarkTally)
    tally = unit.get(message.data.case_id, Tally) or Tally(message.data.case_id)
    tally.mark()
    unit.add(tally)


@pytest.fixture
def application() -> Iterator[Application[UUID]]:
    app: Application[UUID] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def test_a_refusal_keeps_no_pending_event_for_the_rest_of_the_batch(
    application: Application[UUID],
) -> None:
    tally_id = uuid4()
    outcomes = BatchRecorder(application, mark_tally).record([mark(tally_id) for _ in range(3)])
    assert [type(outcome) for outcome in outcomes] == [Accepted, Accepted, Refused]
    tally = application.repository.get(tally_id)
    assert isinstance(tally, Tally)
    assert tally.marks == 2


def test_a_batch_that_conflicts_with_a_concurrent_writer_is_recorded_one_by_one(
    application: Application[UUID],
) -> None:
    raced, untouched = uuid4(), uuid4()
    application.save(Tally(raced))

    def mark_while_another_writer_marks_too(unit: UnitOfWork, message: ReceivedMessage) -> None:
        mark_tally(unit, message)
        if case_of(message.data) == raced:
            competitor = application.repository.get(raced)
            assert isinstance(competitor, Tally)
            if competitor.marks == 0:
                competitor.mark()
                competitor.mark()
                application.save(competitor)

    recorder = BatchRecorder(application, mark_while_another_writer_marks_too)
    outcomes = recorder.record([mark(raced), mark(untouched)])

    assert isinstance(outcomes[0], Refused)
    assert outcomes[0].refusal.reason == "full"
    assert isinstance(outcomes[1], Accepted)
    assert application.repository.get(untouched).marks == 1
    assert application.repository.get(raced).marks == 2
