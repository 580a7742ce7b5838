"""The alerts' event-sourced application (eventsourcing, PostgreSQL in the ketenmonitor's own
database); what of it is published on `<prefix>.ketenmonitor.alerts` is `publication`'s.

Synchronous, like the library: call it from asyncio through a thread.
"""

from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from jeugdketen_shared.contracts.fields import AMSTERDAM
from jeugdketen_shared.eventstore import ServiceApplication
from jeugdketen_shared.refusal import Refusal
from ketenmonitor.alerts.domain import Alert, ResolutionReason
from ketenmonitor.alerts.rules import Basis, Kind, Rule


class UnknownAlert(Refusal):
    """Er is geen signaal met dit id."""

    reason = "unknown-alert"


def alert_text(rule: Rule, started_at: datetime, deadline_at: datetime) -> str:
    """The alert in one Dutch sentence."""
    if rule.kind is Kind.STEPPING_STONE:
        return (
            f"{rule.title}. De {rule.threshold}e verhuizing binnen {rule.window_months} "
            "maanden (een overplaatsing, of een nieuwe plaatsing uit huis kort na het einde "
            f"van de zorg) was op {_dutch(started_at)} (gekozen grens: {rule.norm_text})."
        )
    if rule.kind is Kind.TURNING_EIGHTEEN:
        return (
            f"{rule.title}. De zorg begon op {_dutch(started_at)}; een continuïteitsplan "
            f"hoorde er {rule.months_before} maanden voor de 18e verjaardag te zijn, uiterlijk "
            f"op {_dutch(deadline_at)}."
        )
    if rule.kind is Kind.MEASURE_TERM:
        return (
            f"{rule.title}. De termijn van de maatregel begon op {_dutch(started_at)}; op "
            f"{_dutch(deadline_at)}, {rule.norm_text} "
            f"({'norm' if rule.basis is Basis.NORM else 'gekozen grens'}), was er geen "
            "verlenging, einde of vervolgmaatregel."
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
