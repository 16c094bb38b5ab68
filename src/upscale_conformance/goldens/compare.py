"""Verdicts: the regression one against a golden (warn and fail, as reg-suit does), and the
golden-free portable one."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import perceptual as pc
from .regions import region_distances
from .thresholds import Thresholds, load_thresholds

STATUS_ORDER = ("pass", "warn", "fail")


@dataclass(frozen=True)
class MetricVerdict:
    name: str
    value: float
    status: str  # pass | warn | fail | info (measured, not judged)
    warn: float | None = None
    fail: float | None = None

    def describe(self) -> str:
        value = f"{self.value:.4f}".rstrip("0").rstrip(".") if isinstance(self.value, float) else str(self.value)
        if self.fail is None:
            return f"{self.name}={value}"
        return f"{self.name}={value} ({self.status}; warn {self.warn:g}, fail {self.fail:g})"


@dataclass
class RegressionVerdict:
    """Distance to the golden of the same target. status: pass | warn | fail | missing | error."""

    status: str
    message: str
    metrics: list[MetricVerdict] = field(default_factory=list)
    identical: bool = False
    golden_path: str = ""

    @property
    def worst(self) -> MetricVerdict | None:
        judged = [m for m in self.metrics if m.status in STATUS_ORDER]
        return max(judged, key=lambda m: STATUS_ORDER.index(m.status), default=None)


def judge(distances: dict[str, float], thresholds: Thresholds,
          spread: dict[str, float] | None = None) -> tuple[str, list[MetricVerdict]]:
    """Each metric against its warn/fail thresholds (unlisted metrics: info); the worst one decides.

    ``spread``: the golden's run-to-run spread per metric (see :func:`spread_between`); each
    threshold moves by ``thresholds.spread_factor`` times it towards "worse". None or 0: unmoved.
    """
    spread = spread or {}
    metrics = []
    for name, value in distances.items():
        limit = thresholds.regression.get(name)
        if limit is None:
            metrics.append(MetricVerdict(name, value, "info"))
        else:
            limit = limit.widened(thresholds.spread_factor * spread.get(name, 0.0))
            metrics.append(MetricVerdict(name, value, limit.status(value), limit.warn, limit.fail))
    status = max((m.status for m in metrics if m.status in STATUS_ORDER), key=STATUS_ORDER.index, default="pass")
    return status, metrics


def spread_between(samples: list[pc.Signature], thresholds: Thresholds) -> dict[str, float]:
    """The largest distance per metric between any two samples of one request (empty: fewer than two).

    Every value is a distance, 0 for identical samples: similarities (``better: higher``, SSIM)
    count as 1 - value, so the spread of every metric is in its own units, in the direction
    :meth:`Limit.widened` expects. The first sample of a pair plays the golden, as in a check.
    """
    spread: dict[str, float] = {}
    for i, golden in enumerate(samples):
        for candidate in samples[i + 1:]:
            for name, value in pc.signature_distances(golden, candidate).items():
                limit = thresholds.regression.get(name)
                distance = 1.0 - value if limit is not None and limit.higher_is_better else value
                spread[name] = max(spread.get(name, 0.0), float(distance))
    return spread


def regression_verdict(golden: pc.Signature, candidate: pc.Signature, thresholds: Thresholds,
                       golden_sha256: str = "", candidate_sha256: str = "",
                       spread: dict[str, float] | None = None, regions=None) -> RegressionVerdict:
    """Judge a candidate's signature against the golden's: the worst metric decides.

    ``spread``: the golden's recorded run-to-run spread, which widens the thresholds (:func:`judge`).
    ``regions``: (the golden's regions, the candidate's) of goldens/regions.py: the signatures were taken
    with them masked; each region's mean colour is judged against its own threshold.
    """
    if golden_sha256 and golden_sha256 == candidate_sha256:
        return RegressionVerdict("pass", "byte-identical to the golden", identical=True)
    if (golden.width, golden.height) != (candidate.width, candidate.height):
        return RegressionVerdict("fail", f"output is {candidate.width}x{candidate.height}, "
                                         f"the golden {golden.width}x{golden.height}")
    status, metrics = judge(pc.signature_distances(golden, candidate), thresholds, spread)
    if regions:
        own = {f"region:{r.name}": r.max_mean_diff for r in regions[0]}
        for name, value in region_distances(*regions).items():
            limit = own[name]
            metrics.append(MetricVerdict(name, value, "fail" if value > limit else "pass", limit, limit))
        status = max((m.status for m in metrics if m.status in STATUS_ORDER), key=STATUS_ORDER.index, default="pass")
    bad = [m.describe() for m in metrics if m.status in ("warn", "fail")]
    message = "; ".join(bad) if bad else "within thresholds: " + ", ".join(
        m.describe().split(" (")[0] for m in metrics if m.status == "pass")
    if any(v > 0 for v in (spread or {}).values()):
        message += f" (thresholds widened by {thresholds.spread_factor:g} x the recorded run-to-run spread)"
    return RegressionVerdict(status, message, metrics)


@dataclass
class PortableVerdict:
    """Golden-free invariants: the round trip (geometry, colour) and sharpness against bicubic."""

    ok: bool
    message: str
    fidelity: pc.FidelityVerdict
    sharpness: float
    min_sharpness: float

    @property
    def defect(self) -> str | None:
        if not self.fidelity.ok:
            return self.fidelity.defect
        return None if self.sharpness >= self.min_sharpness else "soft"


def portable_check(input_image: pc.ImageSource, output_image: pc.ImageSource,
                   thresholds: Thresholds | None = None) -> PortableVerdict:
    """Would any honest upscaler have produced this? Needs no golden: usable on any new target.

    Takes decoded images, bytes or paths; the input's EXIF orientation is applied first.
    """
    thresholds = thresholds or load_thresholds()
    input_image, output_image = pc.open_image(input_image), pc.open_image(output_image)
    fidelity = pc.fidelity_verdict(pc.roundtrip_distance(input_image, output_image), thresholds.fidelity)
    sharpness = pc.sharpness_ratio(input_image, output_image)
    sharp_ok = sharpness >= thresholds.min_sharpness
    parts = [fidelity.message, f"sharpness x{sharpness:.2f} of bicubic"
             + ("" if sharp_ok else f" (below {thresholds.min_sharpness:g}: softer than a plain bicubic upscale)")]
    return PortableVerdict(fidelity.ok and sharp_ok, "; ".join(parts), fidelity, sharpness, thresholds.min_sharpness)
