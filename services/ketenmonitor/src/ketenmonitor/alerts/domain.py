"""The Alert aggregate: one stagnation alert of one case and rule, worked by the werkgroep.

Pure: no I/O. Its events are the audit: each records who (`by`) and when (`at`, from the
clock). Commands check their guards first and raise a named `Refusal`.
"""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from jeugdketen_shared.refusal import Refusal
from ketenmonitor.alerts.rules import alert_id

MAX_COMMENT_LENGTH = 2_000
SWEEPER = "ketenmonitor"
"""Who raises and auto-resolves alerts."""


class ResolutionReason(StrEnum):
    OPGEPAKT = "opgepakt"
    """The partners have taken the case up."""
    ONTERECHT = "onterecht"
    """The alert was not justified (the stage was in fact closed, say)."""
    GEGEVENS_ONJUIST = "gegevens-onjuist"
    """The events behind the alert were wrong."""
    ANDERS = "anders"


class AlertClosed(Refusal):
    """Het signaal is al afgehandeld; er kan niets meer aan worden toegevoegd."""

    reason = "alert-resolved"


class AlertAlreadyAcknowledged(Refusal):
    """Het signaal is al in behandeling genomen."""

    reason = "alert-already-acknowledged"


class EmptyComment(Refusal):
    """Een opmerking mag niet leeg zijn en is hoogstens 2000 tekens lang."""

    reason = "invalid-comment"


class NoActor(Refusal):
    """Elke actie noemt wie haar uitvoert."""

    reason = "actor-missing"


class InvalidPartner(Refusal):
    """Een signaal wordt toegewezen aan een ketenpartner met een naam."""

    reason = "invalid-partner"


class Status(StrEnum):
    OPEN = "open"
    IN_BEHANDELING = "in-behandeling"
    AFGEHANDELD = "afgehandeld"
    VANZELF_AFGEHANDELD = "vanzelf-afgehandeld"


class Alert(Aggregate):
    class Raised(Aggregate.Created):
        case_id: UUID
        rule: str
        severity: str
        title: str
        text: str
        gemeente_code: str | None
        started_at: datetime
        deadline_at: datetime
        at: datetime

    class Acknowledged(Aggregate.Event):
        case_id: UUID
        by: str
        at: datetime

    class Commented(Aggregate.Event):
        case_id: UUID
        by: str
        at: datetime
        comment: str

    class AssignedToPartner(Aggregate.Event):
        case_id: UUID
        by: str
        at: datetime
        partner: str

    class Resolved(Aggregate.Event):
        case_id: UUID
        by: str
        at: datetime
        reason: ResolutionReason
        explanation: str | None

    class AutoResolved(Aggregate.Event):
        case_id: UUID
        at: datetime
        stage_closed_at: datetime

    @staticmethod
    def create_id(case_id: UUID, rule: str) -> UUID:
        return alert_id(case_id, rule)

    @event(Raised)
    def __init__(
        self,
        *,
        case_id: UUID,
        rule: str,
        severity: str,
        title: str,
        text: str,
        gemeente_code: str | None,
        started_at: datetime,
        deadline_at: datetime,
        at: datetime,
    ) -> None:
        self.case_id = case_id
        self.rule = rule
        self.severity = severity
        self.title = title
        self.text = text
        self.gemeente_code = gemeente_code
        self.started_at = started_at
        self.deadline_at = deadline_at
        self.raised_at = at
        self.status = Status.OPEN
        self.assigned_to: str | None = None
        self.history: list[dict[str, object]] = [{"action": "raised", "by": SWEEPER, "at": at}]

    @property
    def is_closed(self) -> bool:
        return self.status in {Status.AFGEHANDELD, Status.VANZELF_AFGEHANDELD}

    def acknowledge(self, by: str, at: datetime) -> None:
        self._check_open(by)
        if self.status is Status.IN_BEHANDELING:
            raise AlertAlreadyAcknowledged
        self._acknowledged(case_id=self.case_id, by=by, at=at)

    @event(Acknowledged)
    def _acknowledged(self, case_id: UUID, by: str, at: datetime) -> None:
        self.status = Status.IN_BEHANDELING
        self.history.append({"action": "acknowledged", "by": by, "at": at})

    def comment(self, by: str, at: datetime, comment: str) -> None:
        self._check_open(by)
        comment = comment.strip()
        if not comment or len(comment) > MAX_COMMENT_LENGTH:
            raise EmptyComment
        self._commented(case_id=self.case_id, by=by, at=at, comment=comment)

    @event(Commented)
    def _commented(self, case_id: UUID, by: str, at: datetime, comment: str) -> None:
        self.history.append({"action": "commented", "by": by, "at": at, "comment": comment})

    def assign(self, by: str, at: datetime, partner: str) -> None:
        self._check_open(by)
        partner = partner.strip()
        if not partner or len(partner) > 200:
            raise InvalidPartner
        self._assigned(case_id=self.case_id, by=by, at=at, partner=partner)

    @event(AssignedToPartner)
    def _assigned(self, case_id: UUID, by: str, at: datetime, partner: str) -> None:
        self.assigned_to = partner
        self.history.append({"action": "assigned", "by": by, "at": at, "partner": partner})

    def resolve(
        self, by: str, at: datetime, reason: ResolutionReason, explanation: str | None
    ) -> None:
        self._check_open(by)
        if explanation is not None and len(explanation) > MAX_COMMENT_LENGTH:
            raise EmptyComment
        self._resolved(
            case_id=self.case_id,
            by=by,
            at=at,
            reason=ResolutionReason(reason),
            explanation=explanation,
        )

    @event(Resolved)
    def _resolved(
        self,
        case_id: UUID,
        by: str,
        at: datetime,
        reason: ResolutionReason,
        explanation: str | None,
    ) -> None:
        self.status = Status.AFGEHANDELD
        self.history.append(
            {"action": "resolved", "by": by, "at": at, "reason": ResolutionReason(reason).value}
            | ({"explanation": explanation} if explanation else {})
        )

    def auto_resolve(self, at: datetime, stage_closed_at: datetime) -> bool:
        """Closes the alert because its stage closed; False (nothing happens) when the
        werkgroep already resolved it."""
        if self.is_closed:
            return False
        self._auto_resolved(case_id=self.case_id, at=at, stage_closed_at=stage_closed_at)
        return True

    @event(AutoResolved)
    def _auto_resolved(self, case_id: UUID, at: datetime, stage_closed_at: datetime) -> None:
        self.status = Status.VANZELF_AFGEHANDELD
        self.history.append(
            {"action": "auto-resolved", "by": SWEEPER, "at": at, "stage_closed_at": stage_closed_at}
        )

    def _check_open(self, by: str) -> None:
        if not by.strip():
            raise NoActor
        if self.is_closed:
            raise AlertClosed
