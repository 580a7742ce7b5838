"""plaatsing: waiting lists, placement, transfer, end of care, continuity after 18, capacity."""
