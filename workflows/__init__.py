"""The engagement workflow (no I/O), its activities, the working-day calendar, the worker."""
