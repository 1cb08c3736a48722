"""The one error every CLI command raises for bad input (exit status 2, the reason printed).

Its own module so that the commands of each service can raise it without importing the CLI
that registers them all (which imports every service: an import circle, issue #20)."""


class UsageError(Exception):
    """Bad input from the user: reported with its reason, exit status 2."""
