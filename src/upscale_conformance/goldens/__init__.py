"""The golden store: record what a trusted target answered, then judge later answers against it.

Small pieces with one job each, in the spirit of syrupy:

* **layout** (:mod:`.keys`) — :class:`Combo`, :func:`target_slug`, :class:`GoldenKey`: where a
  golden lives, ``<golden_dir>/<target>/<profile>/<mode-and-model>/<input stem>.json`` plus three
  small PNGs beside it (an overview thumbnail, and two native-resolution patches: detail and flat);
* **serialize** (:mod:`.document`) — :class:`Golden`: the JSON document, to and from text;
* **store** (:mod:`.store`) — :class:`GoldenStore`: read, write only what changed, list, delete;
* **compare** (:mod:`.compare`, :mod:`.thresholds`) — :func:`regression_verdict` (two thresholds,
  warn and fail, as reg-suit does, widened by the golden's run-to-run spread if the target samples)
  and :func:`portable_check` (golden-free invariants), with thresholds read from
  ``contracts/perceptual.yaml``;
* **run** (:mod:`.run`, :mod:`.recording`, :mod:`.checking`) — :func:`record` (which probes each
  combo for determinism and samples the ones that vary), :func:`check_one`,
  :func:`check` and :func:`unused_goldens`, which call the target through an
  :class:`~upscale_conformance.client.UpscaleClient`, so its budget applies.

No full-size output is ever written: only its sha256, hashes, band energies and the small PNGs.
Callers import this package, so the split into modules stays an internal matter.
"""

from __future__ import annotations

from ..lazy import exported, lazy_exports

# Names are loaded on first use (PEP 562): a command that needs only the layout (`.keys`) does not load
# scipy and scikit-image, which the comparisons need; every CLI process starts faster.
_FROM = {
    ".checking": (
        "CheckReport", "GoldenCheck", "check", "check_one", "judge_answer",
    ),
    ".compare": (
        "STATUS_ORDER", "MetricVerdict", "PortableVerdict", "RegressionVerdict", "judge", "portable_check",
        "regression_verdict", "spread_between",
    ),
    ".document": (
        "SCHEMA", "Golden", "golden_from", "sha256_hex",
    ),
    ".keys": (
        "IMAGE_SUFFIXES", "Combo", "GoldenKey", "combos_for", "default_golden_dir", "default_inputs_dir",
        "golden_dir_to_read", "golden_stem", "golden_target_for", "golden_target_name", "target_slug",
    ),
    ".recording": (
        "SAMPLES", "RecordOutcome", "RecordReport", "record", "record_calls", "record_one",
    ),
    ".run": (
        "INPUT_SUFFIXES", "Progress", "applicable", "golden_request", "input_picture", "list_inputs", "plan",
        "unused_goldens", "upscale",
    ),
    ".store": (
        "GoldenStore", "StoredGolden",
    ),
    ".thresholds": (
        "SPREAD_FACTOR", "Limit", "Thresholds", "load_thresholds", "thresholds_path",
    ),
}


__getattr__ = lazy_exports(__name__, _FROM)
__all__ = exported(_FROM)
