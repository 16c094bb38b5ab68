"""The Locust side of ``upscale-conformance load``: loaded by ``python -m locust -f <this file>`` only.

Locust patches the standard library with gevent when it is imported, so nothing else in the
package imports this module (the root conftest keeps pytest's doctest collection away from it too).

Roles, as Locust runs them:

* every process with users (the local runner, or each worker) takes request indices from its own
  share (worker ``k`` of ``n`` sends ``k``, ``k + n``, ...), sends the mix's request for each,
  judges the answer with :mod:`.judge` and sends the verdict to the master as a message;
* the master (or the local runner) appends each verdict to ``answers.jsonl`` in ``--upscale-out``
  and stops the test once ``--upscale-requests`` verdicts arrived.

Across machines, start workers with ``python -m locust -f <this file> --worker --master-host HOST``
(the key from ``$PHOTOROOM_API_KEY`` on each worker); the master sends them every ``--upscale-*``
option. ``upscale-conformance load --remote-workers N`` is such a master.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from pathlib import Path

import gevent
from locust import HttpUser, constant, events, task
from locust.exception import StopUser
from locust.runners import LocalRunner, MasterRunner, WorkerRunner

from upscale_conformance.client.secret import Secret
from upscale_conformance.client.target import DEFAULT_TIMEOUT
from upscale_conformance.contract import MODEL_HEADER, load_profile
from upscale_conformance.load import judge, mix

MESSAGE = "upscale-answer"
ANSWERS_FILE = "answers.jsonl"


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    group = parser.add_argument_group("upscale-conformance")
    group.add_argument("--upscale-requests", type=int, default=0, help="Stop after this many answers (0: no cap).")
    group.add_argument("--upscale-out", default="", help="Folder for answers.jsonl (master or local runner).")
    group.add_argument("--upscale-profile", default="", help="Contract profile name or path.")
    group.add_argument("--upscale-pixels", default="250000-1000000", help="Input sizes, LO-HI pixels.")
    group.add_argument("--upscale-seed", type=int, default=0, help="Seed of the pictures.")
    group.add_argument("--upscale-timeout", type=float, default=DEFAULT_TIMEOUT,
                       help="Seconds to wait for one answer.")


class _Sink:
    """The master's end: one line per verdict, flushed at once (the front door reads it for progress)."""

    def __init__(self, environment):
        self.environment = environment
        self.count = 0
        self._file = None

    def receive(self, environment, msg, **_kwargs) -> None:
        options = environment.parsed_options
        if self._file is None:
            folder = Path(options.upscale_out or ".")
            folder.mkdir(parents=True, exist_ok=True)
            self._file = (folder / ANSWERS_FILE).open("a", encoding="utf-8")
        self._file.write(json.dumps(msg.data) + "\n")
        self._file.flush()
        self.count += 1
        if options.upscale_requests and self.count >= options.upscale_requests:
            gevent.spawn(environment.runner.quit)  # not from inside the runner's own greenlet


@events.init.add_listener
def _on_init(environment, runner, **_kwargs) -> None:
    # The event loop's clock was last read before our slow imports: a --run-time timer set from it
    # would fire seconds early (seen: a 4 s run stopped after 0.15 s). Read the clock now.
    gevent.get_hub().loop.update_now()
    if isinstance(runner, (MasterRunner, LocalRunner)):
        runner.register_message(MESSAGE, _Sink(environment).receive)


class _Share:
    """This process's request indices: every ``n``-th from its worker index (n: the workers expected)."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._setup: tuple | None = None

    def setup(self, environment):
        if self._setup is None:  # options arrive from the master with the first spawn message
            o = environment.parsed_options
            self._setup = (load_profile(o.upscale_profile or None), mix.parse_pixels(o.upscale_pixels))
        return self._setup

    def next_index(self, environment) -> int | None:
        runner, options = environment.runner, environment.parsed_options
        workers = max(1, int(options.expect_workers or 1)) if isinstance(runner, WorkerRunner) else 1
        index = max(0, runner.worker_index) + next(self._counter) * workers
        return None if options.upscale_requests and index >= options.upscale_requests else index


_share = _Share()
_key = Secret.from_sources()


class UpscaleUser(HttpUser):
    """One concurrent client: sends the mix's requests back to back and judges every answer."""

    wait_time = constant(0)

    @task
    def upscale(self) -> None:
        env = self.environment
        profile, pixels = _share.setup(env)
        index = _share.next_index(env)
        if index is None:
            raise StopUser()
        options = env.parsed_options
        case = mix.case_for(index, options.upscale_seed, pixels, profile)
        started = time.time()
        try:
            answer = self._send(case, profile, options)
        except Exception as exc:  # a bug of ours must not leave the master waiting for this index forever
            answer = judge.judge(case, 0, {}, b"", 0.0, profile, _key.scrub(f"judging failed: {exc!r}"))
        record = answer.to_json() | {"started": started, "finished": time.time(), "pid": os.getpid()}
        env.runner.send_message(MESSAGE, record)

    def _send(self, case: mix.LoadCase, profile, options) -> judge.Answer:
        upload = mix.encode(case)
        headers = {"x-api-key": _key.reveal()} if _key else {}
        if case.version is not None:
            headers[MODEL_HEADER] = case.version
        form = {"referenceBox": "originalImage", "removeBackground": "false", "upscale.mode": case.mode}
        if case.export_format is not None:
            form["export.format"] = case.export_format
        files = {"imageFile": (f"load-{case.index}.{case.input_format}", upload, f"image/{case.input_format}")}
        clock = time.perf_counter()
        with self.client.post("/v2/edit", data=form, files=files, headers=headers, name=case.label,
                              catch_response=True, timeout=options.upscale_timeout) as response:
            seconds = time.perf_counter() - clock
            error = _key.scrub(f"{type(response.error).__name__}: {response.error}") if response.error else ""
            status = response.status_code or 0
            if status == 0:
                content = b""
            else:
                content = response.content or b""
            answer = judge.judge(case, status, dict(response.headers or {}), content, seconds, profile, error)
            if answer.outcome == judge.OK:
                response.success()
            else:
                codes = [v["code"] for v in answer.violations] or [answer.note or answer.outcome]
                response.failure(", ".join(codes))
        return answer
