"""Audit: a tamper-evident hash chain of every event, signed checkpoints, verify, replay,
rebuild (R-INT-2)."""
