"""A record or check run of ``goldens``, resolved from what was asked: the inputs and the modes the profile
allows, whose goldens and where, what the run may spend and what to say of it first; then the run itself on a
client the caller opened, and what a check leaves behind (diff images, candidates for review)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..client import Budget, UpscaleClient
from ..client.secret import Secret
from ..client.target import is_local
from ..contract import Profile, is_sandbox_key
from ..errors import ConformanceError
from ..records.header import tool_name
from .candidates import keep
from .checking import CheckReport, GoldenCheck, check
from .keys import Combo, combos_for, default_golden_dir, default_inputs_dir, golden_dir_to_read, golden_target_for
from .recording import RecordReport, record, record_calls
from .run import Progress, list_inputs, plan
from .store import GoldenStore
from .thresholds import Thresholds


class GoldensUsage(ConformanceError):
    """What was asked cannot be done as asked (no inputs, no goldens, no candidate): a usage error."""

    code = "UC600"


@dataclass
class Job:
    target: str  # `local` or a base URL
    profile: Profile
    inputs: list[Path]
    combos: list[Combo]
    pairs: list[tuple[Path, Combo]]  # the calls the run makes (inputs x combos the limits allow)
    slug: str  # whose goldens
    golden_dir: Path
    calls: Budget
    said: list[str] = field(default_factory=list)  # what to tell the user before anything is sent
    warning: str = ""  # the budget is below the plan

    def bill(self) -> str:
        """What the run cost: against the paid API, the billable count is the bill."""
        return f"{self.calls.spent} calls, {self.calls.billable} billable"

    def source(self) -> dict[str, str]:
        where = "in-process reference server" if self.target == "local" else self.target
        return {"target": self.slug, "url": where, "profile": self.profile.id, "tool": tool_name()}

    def missing_goldens(self) -> str:
        """Why a check cannot run ("" when the store holds goldens for this target and profile)."""
        if GoldenStore(self.golden_dir).files(self.slug, self.profile.id):
            return ""
        return (f"no goldens for target {self.slug!r}, profile {self.profile.id!r} in {self.golden_dir}; record "
                "them first with `goldens record`")

    def record(self, client: UpscaleClient, update: bool, progress: Progress | None = None) -> RecordReport:
        return record(client, self.inputs, self.golden_dir, self.slug, self.profile, self.combos, update=update,
                      source=self.source(), progress=progress)

    def check(self, client: UpscaleClient, thresholds: Thresholds, export_format: str | None = None,
              progress: Progress | None = None) -> CheckReport:
        return check(client, self.inputs, self.golden_dir, self.slug, self.profile, self.combos,
                     thresholds=thresholds, export_format=export_format, progress=progress)


def prepare(target: str, profile: Profile, key: Secret, *, golden_dir: Path | None = None,
            golden_target: str | None = None, inputs_dir: Path | None = None, combos: list[Combo] | None = None,
            budget: int | None = None, recording: bool = False) -> Job:
    """The job of a record (``recording``) or a check of ``target``, with ``key`` already settled for it.
    Unusable inputs raise :class:`~upscale_conformance.errors.ContractError` or :class:`GoldensUsage`."""
    inputs = list_inputs(inputs_dir)
    if not inputs:
        raise GoldensUsage(f"no input images in {inputs_dir or default_inputs_dir()}")
    combos = combos or combos_for(profile)
    pairs = plan(inputs, profile, combos)
    sandbox = is_sandbox_key(key.reveal())
    slug = golden_target_for(target, golden_target, sandbox=sandbox)
    # Recording writes to the user's store; checking reads it, or the shipped goldens when it has none.
    folder = Path(golden_dir) if golden_dir else (
        default_golden_dir() if recording else golden_dir_to_read(slug, profile.id))
    said = [f"sandbox key: answers carry the vendor's watermark; goldens are kept apart under {slug!r}"] if sandbox \
        else []
    # Recording sends one more answer per mode and model to learn whether the target samples;
    # if it does, every input is sampled twice so the golden knows the target's own spread.
    fewest, most = record_calls(pairs) if recording else (len(pairs), len(pairs))
    warning = ""
    if not is_local(target):  # loopback: calls cost nothing, so nothing is capped unless asked
        planned = f"{fewest} planned calls" if fewest == most else (
            f"{fewest} planned calls ({most} if the target's answers vary from run to run)")
        budget = most if budget is None else budget
        said.append(f"{target}: {planned}, at most {budget} requests (each successful call is billable)")
        if budget < fewest:
            warning = f"the budget is below the {fewest} planned calls: the run will stop when it is spent"
    return Job(target, profile, inputs, combos, pairs, slug, folder, Budget(budget), said, warning)


def write_diffs(report: CheckReport, diff_dir: Path) -> dict[int, Path]:
    """Each warning's or failure's diff image under ``diff_dir``, by the index of its check in the report."""
    written = {}
    for n, c in enumerate(report.checks):
        if c.diff_png:
            path = diff_dir / c.key.target / c.key.profile / c.key.combo.slug / f"{c.key.stem}.diff.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(c.diff_png)
            written[n] = path
    return written


def keep_candidates(report: CheckReport, golden_dir: Path, thresholds: Thresholds,
                    folder: Callable[[], Path]) -> tuple[Path | None, list[GoldenCheck]]:
    """Keep the would-be golden of every answer that differed in ``folder()`` (asked for only when one did),
    for ``goldens review`` and ``goldens approve``: (the folder or None, the checks kept)."""
    differing = [c for c in report.checks if c.candidate is not None]
    if not differing:
        return None, []
    where = folder()
    for c in differing:
        keep(where, c, golden_dir, thresholds)
    return where, differing
