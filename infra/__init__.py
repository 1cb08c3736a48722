"""Local stack launcher and server configuration for the embedded (one-machine) setup."""
