"""The alerts' event-sourced application (eventsourcing, PostgreSQL in the ketenmonitor's own
database) and what of it is published on `<prefix>.ketenmonitor.alerts`.

Synchronous, like the library: call it from asyncio through a thread.
"""

from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import IntegrityError

from jeugdketen_shared.contracts import ketenmonitor as contracts
from jeugdketen_shared.contracts.base import DomainEventData
from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.eventstore import ServiceApplication
from jeugdketen_shared.refusal import Refusal
from ketenmonitor.alerts.domain import SWEEPER, Alert, ResolutionReason
from ketenmonitor.alerts.rules import Kind, Rule


class UnknownAlert(Refusal):
    """Er is geen signaal met dit id."""

    reason = "unknown-alert"


def alert_text(rule: Rule, started_at: datetime, deadline_at: datetime) -> str:
    """The alert in one Dutch sentence."""
    if rule.kind is Kind.STEPPING_STONE:
        return (
            f"{rule.title}. De {rule.threshold}e overplaatsing binnen {rule.window_months} "
            f"maanden was op {_dutch(started_at)} (gekozen grens: {rule.norm_text})."
        )
    if rule.kind is Kind.TURNING_EIGHTEEN:
        return (
            f"{rule.title}. De zorg begon op {_dutch(started_at)}; een continuïteitsplan "
            f"hoorde er {rule.months_before} maanden voor de 18e verjaardag te zijn, uiterlijk "
            f"op {_dutch(deadline_at)}."
        )
    return (
        f"{rule.title}. De fase begon op {_dutch(started_at)}; de "
        f"{'norm' if rule.basis == 'norm' else 'gekozen termijn'} van {rule.norm_text} "
        f"liep af op {_dutch(deadline_at)}."
    )


def _dutch(moment: datetime) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


class Alerts(ServiceApplication):
    name = "ketenmonitor_alerts"

    def raise_alert(
        self,
        *,
        case_id: UUID,
        rule: Rule,
        gemeente_code: str | None,
        started_at: datetime,
        deadline_at: datetime,
        at: datetime,
    ) -> bool:
        """Raise the case's alert for the rule; False when it was raised before (one alert per
        case and rule: the event store's unique key refuses a second)."""
        alert = Alert(
            case_id=case_id,
            rule=rule.name,
            severity=rule.severity.value,
            title=rule.title,
            text=alert_text(rule, started_at, deadline_at),
            gemeente_code=gemeente_code,
            started_at=started_at,
            deadline_at=deadline_at,
            at=at,
        )
        try:
            self.save(alert)
        except IntegrityError:
            return False
        return True

    def get(self, alert_id: UUID) -> Alert:
        try:
            alert: object = self.repository.get(alert_id)
        except AggregateNotFoundError as error:
            raise UnknownAlert from error
        if not isinstance(alert, Alert):
            raise UnknownAlert
        return alert

    def auto_resolve(self, alert_id: UUID, at: datetime, stage_closed_at: datetime) -> bool:
        alert = self.get(alert_id)
        if alert.auto_resolve(at, stage_closed_at):
            self.save(alert)
            return True
        return False

    def acknowledge(self, alert_id: UUID, by: str, at: datetime) -> Alert:
        alert = self.get(alert_id)
        alert.acknowledge(by, at)
        self.save(alert)
        return alert

    def comment(self, alert_id: UUID, by: str, at: datetime, comment: str) -> Alert:
        alert = self.get(alert_id)
        alert.comment(by, at, comment)
        self.save(alert)
        return alert

    def assign(self, alert_id: UUID, by: str, at: datetime, partner: str) -> Alert:
        alert = self.get(alert_id)
        alert.assign(by, at, partner)
        self.save(alert)
        return alert

    def resolve(
        self,
        alert_id: UUID,
        by: str,
        at: datetime,
        reason: ResolutionReason,
        explanation: str | None,
    ) -> Alert:
        alert = self.get(alert_id)
        alert.resolve(by, at, reason, explanation)
        self.save(alert)
        return alert


PUBLISHED_EVENT_CLASSES = (
    Alert.Raised,
    Alert.Acknowledged,
    Alert.Commented,
    Alert.AssignedToPartner,
    Alert.Resolved,
    Alert.AutoResolved,
)


def as_contract(event: DomainEvent) -> DomainEventData:
    """The public contract of a stored alert event."""
    alert_id = event.originator_id
    match event:
        case Alert.Raised():
            return contracts.AlertRaised(
                case_id=event.case_id,
                alert_id=alert_id,
                by=SWEEPER,
                occurred_at=event.at,
                rule=event.rule,
                severity=event.severity,
                title=event.title,
                text=event.text,
                gemeente_code=event.gemeente_code,
                started_at=event.started_at,
                deadline_at=event.deadline_at,
            )
        case Alert.Acknowledged():
            return contracts.AlertAcknowledged(
                case_id=event.case_id,
                alert_id=alert_id,
                by=event.by,
                occurred_at=event.at,
            )
        case Alert.Commented():
            return contracts.AlertCommented(
                case_id=event.case_id,
                alert_id=alert_id,
                by=event.by,
                occurred_at=event.at,
            )
        case Alert.AssignedToPartner():
            return contracts.AlertAssigned(
                case_id=event.case_id,
                alert_id=alert_id,
                by=event.by,
                occurred_at=event.at,
                partner=event.partner,
            )
        case Alert.Resolved():
            return contracts.AlertResolved(
                case_id=event.case_id,
                alert_id=alert_id,
                by=event.by,
                occurred_at=event.at,
                reason=ResolutionReason(event.reason).value,
            )
        case Alert.AutoResolved():
            return contracts.AlertAutoResolved(
                case_id=event.case_id,
                alert_id=alert_id,
                by=SWEEPER,
                occurred_at=event.at,
                stage_closed_at=event.stage_closed_at,
            )
    raise TypeError(f"{type(event).__name__} is not published")
