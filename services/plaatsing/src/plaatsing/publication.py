"""What of plaatsing's stored events is published on `jeugdketen.plaatsing.events`, and as what.

Not published: how plaatsing learnt triage's advice (triage published that itself), the
youth's bookkeeping across cases (but for turning 18), and the aggregates' creation events.
"""

from jeugdketen_shared.contracts import plaatsing as contracts
from jeugdketen_shared.outbox import Publication, contract_mapper
from plaatsing.domain.placement_case import PlacementCase
from plaatsing.domain.provider_capacity import ProviderCapacity
from plaatsing.domain.youth import Youth

PUBLICATION: Publication = {
    PlacementCase.PlacementRequested: contracts.PlacementRequested,
    PlacementCase.PlacementRequestWithdrawn: contracts.PlacementRequestWithdrawn,
    PlacementCase.PlacementStarted: contracts.PlacementStarted,
    PlacementCase.Transferred: contracts.Transferred,
    PlacementCase.PlacementEnded: contracts.PlacementEnded,
    PlacementCase.ContinuityPlanRecorded: contracts.ContinuityPlanRecorded,
    Youth.TurnedEighteen: contracts.TurnedEighteen,
    ProviderCapacity.CapacityRecorded: contracts.CapacityRecorded,
}
PUBLISHED_EVENT_CLASSES = tuple(PUBLICATION)
as_contract = contract_mapper(PUBLICATION)
