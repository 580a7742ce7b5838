"""A provider's places for one care form, as it reports them."""

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from jeugdketen_shared.refusal import Refusal
from jeugdketen_shared.vocabulary import CareForm
from plaatsing.domain.reporting_order import check_in_order

_CAPACITY_NAMESPACE = UUID("a41f5e27-0b8c-4d2e-9f63-5c7d8e1b2a94")


class CapacityExceeded(Refusal):
    """More places occupied than the provider offers."""

    reason = "capacity-exceeded"


class ProviderCapacity(Aggregate):
    """A provider's places for one care form, as it reports them."""

    # the topics stored before the domain was split per aggregate (see plaatsing.domain)
    TOPIC = "plaatsing.domain:ProviderCapacity"

    # the library's default creation event, which plaatsing never records, needs one too
    class Created(Aggregate.Created):
        TOPIC = "plaatsing.domain:ProviderCapacity.Created"

    class Registered(Aggregate.Created):
        TOPIC = "plaatsing.domain:ProviderCapacity.Registered"

        provider: str
        care_form: CareForm
        causation_id: str

    class CapacityRecorded(Aggregate.Event):
        TOPIC = "plaatsing.domain:ProviderCapacity.CapacityRecorded"

        # repeated from the aggregate, so the published event is read from this one alone
        provider: str
        care_form: CareForm
        places: int
        occupied: int
        occurred_at: datetime
        causation_id: str

    @staticmethod
    def create_id(provider: str, care_form: CareForm) -> UUID:
        return uuid5(_CAPACITY_NAMESPACE, f"{provider}/{care_form}")

    @event(Registered)
    def __init__(self, *, provider: str, care_form: CareForm, causation_id: str) -> None:
        self.provider = provider
        self.care_form = CareForm(care_form)
        self.places = 0
        self.occupied = 0
        self.reported_at: datetime | None = None

    def report(self, places: int, occupied: int, occurred_at: datetime, causation_id: str) -> None:
        """A report older than the last one is stale: it would overwrite newer figures."""
        if occupied > places:
            raise CapacityExceeded
        check_in_order(occurred_at, self.reported_at)
        self._capacity_recorded(
            provider=self.provider,
            care_form=self.care_form,
            places=places,
            occupied=occupied,
            occurred_at=occurred_at,
            causation_id=causation_id,
        )

    @event(CapacityRecorded)
    def _capacity_recorded(
        self,
        provider: str,
        care_form: CareForm,
        places: int,
        occupied: int,
        occurred_at: datetime,
        causation_id: str,
    ) -> None:
        self.places = places
        self.occupied = occupied
        self.reported_at = occurred_at
