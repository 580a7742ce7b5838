"""Every figure of the read API, in the order of its OpenAPI document: the read API and the
dashboard loop over these. A new figure is a module of its own, listed here."""

from ketenmonitor.figures import (
    capacity,
    capacity_history,
    care_form_matrix,
    gedwongen_inflow,
    hand_overs,
    home_like_settings,
    inflow,
    kader_changes,
    lead_times,
    measure_durations,
    measures_over_time,
    moves_away_from_home,
    placement_durations,
    placement_locations,
    referrals_by_verwijzer,
    ret_escalations,
    rvdk_to_measure,
    stepping_stones,
    thuis_tenzij,
    time_in_chain,
    turning_eighteen,
    veilig_thuis_onderzoek,
    voorlopige_ots,
    waiting_lists,
)
from ketenmonitor.figures.figure import Figure

FIGURES: tuple[Figure, ...] = (
    lead_times.FIGURE,
    referrals_by_verwijzer.FIGURE,
    stepping_stones.FIGURE,
    moves_away_from_home.FIGURE,
    placement_locations.FIGURE,
    home_like_settings.FIGURE,
    placement_durations.FIGURE,
    capacity.FIGURE,
    waiting_lists.FIGURE,
    capacity_history.FIGURE,
    inflow.FIGURE,
    thuis_tenzij.FIGURE,
    care_form_matrix.FIGURE,
    turning_eighteen.FIGURE,
    time_in_chain.FIGURE,
    hand_overs.FIGURE,
    kader_changes.FIGURE,
    ret_escalations.FIGURE,
    veilig_thuis_onderzoek.FIGURE,
    measures_over_time.FIGURE,
    measure_durations.FIGURE,
    voorlopige_ots.FIGURE,
    rvdk_to_measure.FIGURE,
    gedwongen_inflow.FIGURE,
)

PROTECTED_TOGETHER: tuple[tuple[Figure, ...], ...] = (
    (measures_over_time.FIGURE, measure_durations.FIGURE, voorlopige_ots.FIGURE),
    (placement_locations.FIGURE, home_like_settings.FIGURE),
    (waiting_lists.FIGURE, capacity.FIGURE),
)
"""Figures that show some of the same counts (`suppression.protect`'s `shared`): each group's
answers are protected as one, so that no count one of them hides another shows."""
