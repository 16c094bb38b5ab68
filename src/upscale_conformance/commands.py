"""Imports the modules that add commands to the CLI, so cli.py stays short."""
from . import runner  # noqa: F401,E402
from .goldens_cli import goldens_group  # noqa: F401,E402
from .monitor_cli import monitor_cmd  # noqa: F401,E402
from .server import cli as server_cli  # noqa: F401,E402
