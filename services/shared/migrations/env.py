"""Alembic's environment for every service: the runner (services/shared/migrate.py) hands over
an open connection to the service's own database or schema, inside its transaction."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
