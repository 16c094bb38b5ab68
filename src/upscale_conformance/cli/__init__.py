"""The command line, ``upscale-conformance <command>``: one thin front door per module.

:mod:`.app` builds the root group from them; importing this package alone stays cheap, so the
reference server's own entry point (``python -m upscale_conformance.server``) does not load the
other commands.
"""

from __future__ import annotations


def main() -> None:
    from .app import main as run_main

    run_main()
