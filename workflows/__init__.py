"""The engagement workflow (deterministic, no I/O), its activities, the working-day calendar, the worker."""
