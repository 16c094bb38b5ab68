"""Running Locust for ``upscale-conformance load``: in a process group of its own, never in this one.

Locust patches the standard library with gevent on import, so this module only builds its command
line, starts it, reads the verdicts it appends to ``answers.jsonl`` (to print progress), stops it
if it stalls, and writes the figures. The key travels in the environment, never on the command line.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from ..client.health import PROBE_TIMEOUT
from ..client.secret import Secret
from ..client.target import DEFAULT_TIMEOUT
from ..contract import Profile
from ..records import header as run_header
from ..records.load import LoadReport
from ..report.summary import stamped_folder
from . import LOAD_PATIENCE
from . import summary as figures

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
PROGRESS_EVERY = 2.0  # seconds between progress lines
STALL_GRACE = 30.0  # beyond the longest a request can take: no new verdict for this long and the run is stopped


@dataclass
class LoadSettings:
    target: str
    profile: Profile
    concurrency: int = 8
    requests: int | None = 200  # None: run for ``duration``
    duration: int | None = None
    workers: int = 1
    remote_workers: int = 0
    pixels: tuple[int, int] = (250_000, 1_000_000)
    seed: int = 0
    timeout: float = DEFAULT_TIMEOUT
    patience: float = LOAD_PATIENCE
    api_key: Secret = field(default_factory=Secret.from_sources, repr=False)
    name: str = ""  # the target as the results store names it ("local"), when ``target`` is a server of the run's

    def public(self) -> dict:
        """The settings as a report shows them (no key)."""
        return {"target": self.target, "profile": self.profile.id, "concurrency": self.concurrency,
                "requests": self.requests, "duration": self.duration, "workers": self.workers,
                "remote_workers": self.remote_workers, "pixels": list(self.pixels), "seed": self.seed,
                "timeout": self.timeout, "patience": self.patience}

    def longest_request(self) -> float:
        """The longest one request can hold a user: its answer, the known-good request, the patience and
        the last probe (client.health), so the stall guard never stops a run that is waiting out an outage."""
        probe = min(self.timeout, PROBE_TIMEOUT)
        return self.timeout + probe + self.patience + probe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def locust_command(settings: LoadSettings, out: Path) -> list[str]:
    """``python -m locust`` with our locustfile, headless; every user spawned at once."""
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-H", settings.target,
           "-u", str(settings.concurrency), "-r", str(settings.concurrency), "--only-summary",
           "--exit-code-on-error", "0", "--logfile", str(out / "locust.log"), "--csv", str(out / "locust"),
           "--upscale-out", str(out), "--upscale-requests", str(settings.requests or 0),
           "--upscale-profile", settings.profile.path, "--upscale-pixels", "{}-{}".format(*settings.pixels),
           "--upscale-seed", str(settings.seed), "--upscale-timeout", str(settings.timeout),
           "--upscale-patience", str(settings.patience)]
    if settings.duration:
        cmd += ["-t", f"{settings.duration}s"]
    if settings.remote_workers:
        cmd += ["--master", "--expect-workers", str(settings.remote_workers)]
    elif settings.workers > 1:  # a port of our own: two runs on one machine must not meet on 5557
        port = str(free_port())
        cmd += ["--processes", str(settings.workers), "--master-bind-port", port, "--master-port", port]
    return cmd


def reachable(target: str, timeout: float = 5.0) -> str | None:
    """None if a TCP connection to the target opens (no HTTP request: nothing is billed), else why not."""
    url = urlparse(target)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{url.hostname}:{port} refused or did not answer ({type(exc).__name__})"


def _stop(proc: subprocess.Popen) -> None:
    for sig in (signal.SIGINT, signal.SIGKILL):  # SIGINT first: Locust writes its summary on it
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)


def _progress(rows: list[dict], planned: int | None, elapsed: float) -> str:
    statuses = Counter("no answer" if not r["status"] else str(r["status"]) for r in rows)
    bad = sum(1 for r in rows if r["outcome"] == "violation")
    of = f"/{planned}" if planned else ""
    shown = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) or "none yet"
    return f"progress {elapsed:5.0f} s: {len(rows)}{of} answers ({shown}); {bad} with violations"


def report_of(figures_: dict, settings: LoadSettings, started: str) -> LoadReport:
    """The figures under the one header every run record has (``records.header.new_header``)."""
    header = run_header.new_header("load", settings.name or settings.target, settings.profile.id,
                                   started=started, exit_code=figures_["exit_code"], verdict=figures_["verdict"])
    return LoadReport.from_dict(figures_, header)


def run_load(settings: LoadSettings, report_root: Path, say: Callable[[str], None] = print,
             out: Path | None = None) -> int:
    """One load run; returns its exit code (0 kept, 1 violated, 3 inconclusive). ``out``: the run's folder
    (default: a new ``load-<timestamp>`` under ``report_root``)."""
    out = out or stamped_folder(report_root, "load-")
    begun = run_header.now()
    planned = settings.requests
    down = reachable(settings.target)
    if down:
        summary = figures.summarize([], planned, settings.public(), f"the target is down: {down}")
        for line in figures.write(out, report_of(summary, settings, begun)):
            say(line)
        say(f"report: {out}")
        return figures.EXIT_INCONCLUSIVE
    env = {k: v for k, v in os.environ.items() if k != "PHOTOROOM_API_KEY"}
    if settings.api_key:
        env["PHOTOROOM_API_KEY"] = settings.api_key.reveal()
    answers_file = out / "answers.jsonl"
    started = time.monotonic()
    stopped = ""
    with (out / "locust.out").open("w") as log:
        proc = subprocess.Popen(locust_command(settings, out), stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        try:
            last_count, last_change, last_said = 0, started, 0.0
            quiet = settings.longest_request() + STALL_GRACE + (60 if settings.remote_workers else 10)
            while proc.poll() is None:
                time.sleep(0.25)
                now = time.monotonic()
                rows = figures.read_answers(answers_file) if now - last_said >= PROGRESS_EVERY else None
                if rows is not None:
                    if len(rows) != last_count:
                        last_count, last_change = len(rows), now
                    say(_progress(rows, planned, now - started))
                    last_said = now
                if settings.duration and now - started > settings.duration + quiet:
                    stopped = "Locust did not stop at the end of the duration"
                elif now - last_change > quiet:
                    stopped = f"no answer arrived for {now - last_change:.0f} s: the run was stopped"
                if stopped:
                    _stop(proc)
        except KeyboardInterrupt:
            stopped = "interrupted"
            _stop(proc)
        finally:
            _stop(proc)
    rows = figures.read_answers(answers_file)
    if proc.returncode not in (0, None) and not rows:
        stopped = stopped or f"Locust exited with status {proc.returncode} (see {out / 'locust.out'})"
    summary = figures.summarize(rows, planned, settings.public(), stopped)
    for line in figures.write(out, report_of(summary, settings, begun)):
        say(settings.api_key.scrub(line))
    say(f"report: {out}")
    return summary["exit_code"]
