"""The figures the region steers on and their read API. One module per figure (`lead_times`,
`stepping_stones`, `capacity`, `inflow`, `thuis_tenzij`, `care_form_matrix`, `turning_eighteen`,
`time_in_chain`, `hand_overs`), each with its SQL, the rows it reads (`Rows`), its pure
computation, its answer's model, its Dutch label and the filters it accepts (`FIGURE`);
`registry.FIGURES` lists them for the read API (`api`) and the dashboard. What they share:
`common` (filters, suppression, durations, SQL fragments), `responses` (the answers' shared
models), `figure` (what a figure is), `source` (`FigureSource`, answered by the projection's
tables through `TableFigures`, or by a fake)."""
