"""Bundles and replay (issue 21, "A failure you can hold").

- :mod:`.bundle`: what a failing check leaves in ``bundles/<clause>-<n>/`` beside ``summary.json``, and
  reading it back;
- :mod:`.engine`: send a bundle's request again through the suite's client and judge the answer with
  the same check and arguments (FIXED, STILL FAILING, FLAKY);
- :mod:`.batch`: many bundles at once, grouped by target, under one budget;
- :mod:`.export`: a plain pytest module, one test per bundle.

``cli/replay.py`` is the front door.
"""

from .bundle import MAX_BUNDLES_PER_CLAUSE, Bundle, find_bundles, load_bundle, new_bundle_folder, write_bundle
from .engine import FIXED, FLAKY, INCONCLUSIVE, STILL_FAILING, Replayed, judge, replay, try_once
from .export import export_pytest

__all__ = ["FIXED", "FLAKY", "INCONCLUSIVE", "MAX_BUNDLES_PER_CLAUSE", "STILL_FAILING", "Bundle", "Replayed",
           "export_pytest", "find_bundles", "judge", "load_bundle", "new_bundle_folder", "replay", "try_once",
           "write_bundle"]
