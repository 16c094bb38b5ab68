"""Imports the modules that add commands to the CLI, so cli.py stays short."""
from . import runner  # noqa: F401,E402
