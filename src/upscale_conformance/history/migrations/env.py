"""Alembic's environment for the results store. Run by :func:`upscale_conformance.history.store.upgrade` only,
on the connection it passes (inside its transaction, under its lock), never with an ini file or a URL."""

from alembic import context

from upscale_conformance.history.store import VERSION_TABLE

context.configure(connection=context.config.attributes["connection"], version_table=VERSION_TABLE)
with context.begin_transaction():  # the caller's transaction: a no-op here, committed by the caller
    context.run_migrations()
