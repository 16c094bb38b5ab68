"""The planted faults the whole-run tests share: each breaks clauses a user would name, and faults
that break different clauses share a server (and one run) to keep the tests short."""

from __future__ import annotations

from upscale_conformance.server.faults import Faults

# (faults, the part of the suite that must react (-k), the clauses it must fail)
PLANTED = [
    (Faults(scale=3, over_limit_status=500), "dimensions or largest_accepted", {"DIM-4X", "LIMIT-FAST-EDGE",
                                                                                "ERR-NO-5XX"}),
    (Faults(limit_offset=1, ignore_model_header=True), "largest_accepted or switches",
     {"LIMIT-FAST-EDGE", "LIMIT-SLOW-EDGE", "MODEL-SWITCH"}),
    (Faults(mirror=True), "faithful", {"FIDELITY-GEOMETRY"}),
]
