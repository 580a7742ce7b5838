"""Contracts of the ketenmonitor: the stagnation alerts it publishes on
`jeugdketen.ketenmonitor.alerts`, one CloudEvent per event of an alert.

Keyed by the case, so one case's alerts stay in order. A comment's text is not published (it
stays in the ketenmonitor's event store, for the werkgroep): only that someone commented.
"""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from jeugdketen_shared.contracts.base import CaseMessage, DomainEventData

Actor = str
"""Who acted (a werkgroep member's user name; `ketenmonitor` for the sweeper)."""


class AlertEvent(DomainEventData, CaseMessage):
    alert_id: UUID = Field(description="The alert: one per case and rule")
    by: Actor = Field(description="Who acted; `ketenmonitor` when the sweeper did")


class AlertRaised(AlertEvent):
    """A stage of the case passed its deadline without closing: stagnation."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.ketenmonitor.alert-raised"
    rule: str = Field(description="The rule (alert_rules.toml) whose norm was exceeded")
    severity: Literal["laag", "midden", "hoog"]
    title: str = Field(description="What the werkgroep reads (Dutch)")
    text: str = Field(description="The alert in a sentence (Dutch), with the norm and dates")
    gemeente_code: str | None = Field(description="The case's gemeente, where known")
    started_at: AwareDatetime = Field(description="When the stage started (event time)")
    deadline_at: AwareDatetime = Field(description="When the norm ran out")


class AlertAcknowledged(AlertEvent):
    """A member of the werkgroep took the alert in hand."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.ketenmonitor.alert-acknowledged"


class AlertCommented(AlertEvent):
    """A member of the werkgroep commented on the alert (the text is not published)."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.ketenmonitor.alert-commented"


class AlertAssigned(AlertEvent):
    """The alert was assigned to a chain partner to act on."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.ketenmonitor.alert-assigned"
    partner: str = Field(description="The chain partner the alert is assigned to")


class AlertResolved(AlertEvent):
    """A member of the werkgroep resolved the alert, with a reason."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.ketenmonitor.alert-resolved"
    reason: Literal["opgepakt", "onterecht", "gegevens-onjuist", "anders"]


class AlertAutoResolved(AlertEvent):
    """The stage closed (its closing event arrived), so the alert closed itself."""

    cloudevent_type: ClassVar[str] = "nl.jeugdketen.ketenmonitor.alert-auto-resolved"
    stage_closed_at: AwareDatetime = Field(description="When the stage closed (event time)")


EVENTS: tuple[type[DomainEventData], ...] = (
    AlertRaised,
    AlertAcknowledged,
    AlertCommented,
    AlertAssigned,
    AlertResolved,
    AlertAutoResolved,
)
