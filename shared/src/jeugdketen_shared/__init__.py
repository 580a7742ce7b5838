"""Contracts, messaging, outbox relay and infrastructure wiring shared by the jeugdketen services."""
