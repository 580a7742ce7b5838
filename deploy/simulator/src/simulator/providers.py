"""Providers' places: who offers which care form, how many places, and who waits for them.

A place is a slot taken by one youth at a time; a youth who wants a care form gets the slot
that frees up first, so when demand outruns the places the youth waits (a waiting list).
"""

import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jeugdketen_shared.vocabulary import CareForm

# placed in another gemeente than the youth's own; ambulant help comes to the youth at home
PLACE_BOUND_FORMS = tuple(form for form in CareForm if form is not CareForm.AMBULANT)


@dataclass
class Slot:
    free_at: datetime
    stays: list[tuple[datetime, datetime]] = field(default_factory=list)
    """(start, end) of every stay in this place, the youths from before the period included."""

    def occupied_at(self, moment: datetime) -> bool:
        return any(start <= moment < end for start, end in self.stays)


@dataclass(frozen=True)
class Offer:
    provider: str
    care_form: CareForm
    location_gemeente_code: str
    slots: tuple[Slot, ...]

    @property
    def first_free(self) -> datetime:
        return min(slot.free_at for slot in self.slots)


class Places:
    """All providers' places for the simulated period."""

    def __init__(self, offers: list[Offer]) -> None:
        self.offers = offers

    @classmethod
    def plan(
        cls,
        providers: list[str],
        demand: Mapping[CareForm, float],
        stay_days: Mapping[CareForm, float],
        locations: Mapping[str, str],
        start: datetime,
        rng: random.Random,
    ) -> "Places":
        """Each care form at two providers (ambulant help at all), `demand` places of it in
        all, full at the start with youths from before the period, who leave within a typical
        stay (`stay_days`) of the care form."""
        offerers: dict[CareForm, list[str]] = {CareForm.AMBULANT: list(providers)}
        for index, bound in enumerate(PLACE_BOUND_FORMS):
            offerers[bound] = sorted({providers[(index + i) % len(providers)] for i in range(2)})
        offers = []
        for form, at in offerers.items():
            places = max(1, math.ceil(demand.get(form, 0.0) / len(at)))
            for provider in at:
                slots = tuple(
                    _occupied_since_before(start, stay_days[form], rng) for _ in range(places)
                )
                offers.append(Offer(provider, form, locations[provider], slots))
        return cls(offers)

    def offering(self, care_form: CareForm) -> list[Offer]:
        return [offer for offer in self.offers if offer.care_form is care_form]

    def soonest(self, care_form: CareForm, rng: random.Random, avoid: Offer | None = None) -> Offer:
        """The offer of a care form with a place free first (the triage table looks around)."""
        candidates = [offer for offer in self.offering(care_form) if offer is not avoid]
        if not candidates:
            raise LookupError(f"no other provider offers {care_form}")
        first = min(offer.first_free for offer in candidates)
        return rng.choice([offer for offer in candidates if offer.first_free == first])

    def __iter__(self) -> Iterator[Offer]:
        return iter(self.offers)


def first_place(offer: Offer, wanted_from: datetime) -> tuple[Slot, datetime]:
    """The place that frees up first, and when the youth can have it (not yet taken)."""
    slot = min(offer.slots, key=lambda s: s.free_at)
    return slot, max(wanted_from, slot.free_at)


def occupy(slot: Slot) -> None:
    """The youth holds the place until `leave` says when it left."""
    slot.free_at = datetime.max.replace(tzinfo=slot.free_at.tzinfo)


def leave(slot: Slot, start: datetime, end: datetime) -> None:
    slot.stays.append((start, end))
    slot.free_at = end


def _occupied_since_before(start: datetime, stay_days: float, rng: random.Random) -> Slot:
    leaves = start + timedelta(days=rng.uniform(0, stay_days))
    return Slot(free_at=leaves, stays=[(start - timedelta(days=1), leaves)])
