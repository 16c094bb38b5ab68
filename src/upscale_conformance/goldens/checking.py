"""Check a target against its goldens: both verdicts per input x combo, with evidence for a report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import perceptual as pc
from ..client import UpscaleClient, UpscaleResult
from ..contract import Profile
from .compare import PortableVerdict, RegressionVerdict, portable_check, regression_verdict
from .document import Golden, golden_from, sha256_hex
from .keys import Combo, GoldenKey, combos_for
from .regions import masked, means, regions_from
from .run import Progress, decoded_output, golden_request, plan, unused_goldens
from .store import GoldenStore
from .thresholds import Thresholds, load_thresholds


@dataclass
class GoldenCheck:
    """The outcome of one input x combo: both verdicts, with evidence for a report."""

    key: GoldenKey
    input_path: Path
    regression: RegressionVerdict
    portable: PortableVerdict | None = None
    diff_png: bytes | None = None
    content_type: str = ""
    elapsed: float = 0.0
    # The answer's would-be golden (document and PNGs, as a recording makes) when it differs from the
    # golden: what review shows and approve writes (see .candidates).
    candidate: Golden | None = None
    candidate_images: dict[str, bytes] | None = None
    golden: Golden | None = None  # the baseline it was judged against

    @property
    def status(self) -> str:
        """fail if the regression failed or had nothing to compare; portable failures only warn
        (PERCEPTUAL-PORTABLE is a should clause)."""
        if self.regression.status in ("fail", "missing", "error"):
            return "fail"
        if self.regression.status == "warn" or (self.portable is not None and not self.portable.ok):
            return "warn"
        return "pass"


def check_one(client: UpscaleClient, input_path: Path, golden_dir: Path, target: str, profile: str | Profile,
              mode: str, model_version: str | None = None, *, thresholds: Thresholds | None = None,
              export_format: str | None = None) -> GoldenCheck:
    """Upscale one input on the target and judge the answer: portable and regression verdicts.

    ``target`` is the golden slug (``local`` or :func:`target_slug` of a URL); ``profile`` a
    :class:`Profile` or its id. Budget and connection errors propagate (the caller reports them
    as inconclusive); an unreadable golden raises :class:`ContractError`, before any call is spent.
    """
    input_path = Path(input_path)
    profile_id = profile.id if isinstance(profile, Profile) else profile
    combo = Combo(mode, model_version)
    GoldenStore(golden_dir).read(GoldenKey(target, profile_id, combo, input_path.name))  # unreadable: no call spent
    result = client.send(golden_request(input_path, combo, export_format))
    return judge_answer(result, input_path, golden_dir, target, profile_id, combo, thresholds=thresholds)


def judge_answer(result: UpscaleResult, input_path: Path, golden_dir: Path, target: str, profile_id: str,
                 combo: Combo, *, thresholds: Thresholds | None = None) -> GoldenCheck:
    """Both verdicts on an answer to :func:`golden_request` (sent by whoever holds the client: ``check_one``,
    or the perceptual suite through its recording fixture)."""
    thresholds = thresholds or load_thresholds()
    input_path = Path(input_path)
    key = GoldenKey(target, profile_id, combo, input_path.name)
    stored = GoldenStore(golden_dir).read(key)
    input_bytes = input_path.read_bytes()
    output, problem = decoded_output(result)
    if output is None:
        return GoldenCheck(key, input_path, RegressionVerdict("error", problem), content_type=result.content_type,
                           elapsed=result.elapsed)
    input_image = pc.open_image(input_bytes)
    portable = portable_check(input_image, output, thresholds)
    if stored is None:
        regression = RegressionVerdict("missing", f"no golden at {key.json_path(golden_dir)} (run goldens record)")
    elif stored.golden.input_sha256 != sha256_hex(input_bytes):
        # Distances to the golden of another picture mean nothing.
        regression = RegressionVerdict("fail", "the input changed since the golden was recorded "
                                               "(re-record with --update)", golden_path=str(stored.path))
    else:
        regions = regions_from(stored.golden.regions, str(stored.path))
        candidate = pc.signature(input_image, masked(output, regions))
        # A golden of a target that samples carries its run-to-run spread: drift is judged against it.
        regression = regression_verdict(stored.signature, candidate, thresholds,
                                        stored.golden.output["sha256"], sha256_hex(result.content),
                                        stored.golden.spread,
                                        regions=(regions, means(output, regions)))
        regression.golden_path = str(stored.path)
    diff = None
    if regression.status in ("warn", "fail") or not portable.ok:
        diff = pc.diff_image(input_image, output, stored.signature if stored else None)
    found = GoldenCheck(key, input_path, regression, portable, diff, result.content_type, result.elapsed,
                        golden=stored.golden if stored else None)
    if stored is not None and regression.status in ("warn", "fail") and regression.metrics:
        # The golden's run-to-run spread goes with it: one answer cannot measure a new one, and a
        # sampling target's approved golden without any would fail on its own noise.
        found.candidate, found.candidate_images = golden_from(
            key, input_bytes, result, candidate, {"target": target, "tool": _tool()}, stored.golden.spread,
            stored.golden.samples, [r.to_dict() for r in means(output, regions)])
    return found


def _tool() -> str:
    from ..records.header import tool_name

    return tool_name()


@dataclass
class CheckReport:
    checks: list[GoldenCheck]
    unused: list[Path]

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.checks)


def check(client: UpscaleClient, inputs: list[Path], golden_dir: Path, target: str, profile: Profile,
          combos: list[Combo] | None = None, *, thresholds: Thresholds | None = None,
          export_format: str | None = None, progress: Progress | None = None) -> CheckReport:
    """Check every applicable input x combo against its golden."""
    thresholds = thresholds or load_thresholds()
    combos = combos or combos_for(profile)
    checks = []
    for path, combo in plan(inputs, profile, combos):
        if progress:
            progress(f"{path.name} [{combo.slug}]")
        checks.append(check_one(client, path, golden_dir, target, profile.id, combo.mode, combo.model_version,
                                thresholds=thresholds, export_format=export_format))
    return CheckReport(checks, unused_goldens(golden_dir, target, profile, inputs, combos_for(profile)))
