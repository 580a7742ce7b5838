"""Contracts, messaging, outbox relay and infrastructure wiring of the jeugdketen services."""
