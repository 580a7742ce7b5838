"""The figures the region steers on and their read API: each figure's pure computation
(`common`, `chain`, `care`, `route`, `transfers`, `hand_overs`), and the read API (`api`)
that answers them from the projection's tables (`projection.store.TableFigures`) or a fake."""
