"""plaatsing: waiting lists, placements, transfers, end of care, turning 18, provider capacity."""
