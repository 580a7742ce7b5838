"""What of the alerts' stored events is published on `<prefix>.ketenmonitor.alerts`, and as
what: through the shared contract mapper, as the three services publish theirs."""

from collections.abc import Mapping

from eventsourcing.domain import DomainEvent

from jeugdketen_shared.contracts import ketenmonitor as contracts
from jeugdketen_shared.outbox import ContractMapper, Publication
from ketenmonitor.alerts.domain import SWEEPER, Alert

PUBLICATION: Publication = {
    Alert.Raised: contracts.AlertRaised,
    Alert.Acknowledged: contracts.AlertAcknowledged,
    # the contract leaves the comment's text out: it stays in the event store, for the werkgroep
    Alert.Commented: contracts.AlertCommented,
    Alert.AssignedToPartner: contracts.AlertAssigned,
    Alert.Resolved: contracts.AlertResolved,
    Alert.AutoResolved: contracts.AlertAutoResolved,
}
PUBLISHED_EVENT_CLASSES = tuple(PUBLICATION)


def named_otherwise(event: DomainEvent) -> Mapping[str, object]:
    """The alert is the aggregate, the moment is the event's `at`, and an event that names
    nobody (raised, resolved by itself) was the sweeper's."""
    return {
        "alert_id": event.originator_id,
        "occurred_at": vars(event)["at"],
        "by": vars(event).get("by", SWEEPER),
    }


as_contract = ContractMapper(PUBLICATION, named_otherwise)
