"""Privacy: the youths' keys and the erasure of a youth (`erasure`, `erasure_store`), and the
retention job (`retention`). What other rooms keep of a youth or a case (the alerts, the audit
log) they remove themselves, through the ports wired by `main`."""
