"""The rule the placement case and the provider capacity share: nothing a provider reports is
dated before what it follows."""

from datetime import datetime

from jeugdketen_shared.refusal import Refusal


class OccurredOutOfOrder(Refusal):
    """The event is dated before the previous event it follows."""

    reason = "occurred-out-of-order"


def check_in_order(occurred_at: datetime, previous: datetime | None) -> None:
    if previous is not None and occurred_at < previous:
        raise OccurredOutOfOrder
