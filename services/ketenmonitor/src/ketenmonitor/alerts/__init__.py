"""The stagnation alerts: the rules and their pure evaluation (`rules`, `alert_rules.toml`), the
Alert aggregate (`domain`) and its event-sourced application (`application`), what of it is
published (`publication`), the stages and deadlines beside the projection's facts (`store`),
the sweeper that raises and resolves them (`sweeper`), the retention of resolved alerts
(`retention`), the werkgroep's HTTP API (`api`) and the open alerts as a metric (`metrics`). It
reads the projection's facts; the login and the audit log it needs come in as parameters, wired
by `main`."""
