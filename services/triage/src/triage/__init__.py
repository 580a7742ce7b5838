"""triage: the gezamenlijke triage decision and escalation to the Regionaal Expertteam."""
