"""Portal: the Thai-first web UI for every role and the public HTTP API (issue #9)."""
