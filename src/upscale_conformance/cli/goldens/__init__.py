"""``upscale-conformance goldens record|check|review|approve|history|revert``: perceptual goldens from the
command line, one module per subcommand (``history`` holds ``revert`` too); ``shared`` has their options.

Exit codes: 0 ok, 1 a regression failed (or a record could not be made), 2 usage error,
3 inconclusive (target unreachable, rate limited, or the call budget ran out).
"""

from __future__ import annotations

import click

from .approve import approve_cmd
from .check import check_cmd
from .history import history_cmd, revert_cmd
from .record import record_cmd
from .review import review_cmd


@click.group("goldens")
def goldens_group() -> None:
    """Record perceptual goldens from a trusted target, then check targets against them.

    A golden is a small JSON (hashes, band energies, sha256) plus small PNGs under
    GOLDEN_DIR/<target>/<profile>/<mode-and-model>/; no full-size output is stored.
    """


for _command in (record_cmd, check_cmd, review_cmd, approve_cmd, history_cmd, revert_cmd):
    goldens_group.add_command(_command)
