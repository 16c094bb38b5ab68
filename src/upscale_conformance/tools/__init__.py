"""Maintainer tools, run with ``python -m``: ``tools.bench`` (make bench) and ``tools.calibrate`` (the
regression thresholds). No command or suite imports them."""
