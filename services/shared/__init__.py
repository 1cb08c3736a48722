"""Plumbing shared by every service, written once: settings, database, event log, outbox relay,
inbox, consumer, telemetry."""
