"""ketenmonitor: the chain's live projection, its figures and its read API."""
