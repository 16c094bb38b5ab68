"""Imports the modules that add commands to the CLI, so cli.py stays short."""
