"""The Locust side of ``upscale-conformance load``: loaded by ``python -m locust -f <this file>`` only.

Locust patches the standard library with gevent when it is imported, so nothing else in the
package imports this module (the root conftest keeps pytest's doctest collection away from it too).

Roles, as Locust runs them:

* every process with users (the local runner, or each worker) takes request indices from its own
  share (worker ``k`` of ``n`` sends ``k``, ``k + n``, ...), sends the mix's request for each,
  judges the answer with :mod:`.judge` and sends the verdict to the master as a message;
* the master (or the local runner) appends each verdict to ``answers.jsonl`` in ``--upscale-out``
  and stops the test once ``--upscale-requests`` verdicts arrived.

Every request goes through the suite's one client layer (:class:`~upscale_conformance.client.UpscaleClient`,
one per user): the same bounded reader (a 200 at most the profile's largest answer, an error body
1 MiB, the whole answer within ``--upscale-timeout``), the same health rule, the same key scrubbing.
What load sets differently, and why:

* no retry (``RetryPolicy(retries=0)``): a 429 is an outcome to count, and a retry would be a call
  the run did not announce;
* health is shared by the users of a process, with a short patience (``--upscale-patience``,
  :data:`~upscale_conformance.load.LOAD_PATIENCE`, 15 s): under load a busy target answers 429 (the
  reference server sheds past its queue that way, never with a 503), so a 502/503/504 or no answer
  whose known-good request fails too means the target is not serving; one user finding it down
  stops the others sending at once, and waiting a suite run's minute would only hold every user;
* the process's share of ``--upscale-requests`` is the client's :class:`Budget`: a known-good
  request or the one resend of a 5xx is spent from it, so the run never sends more calls than it
  announced (a request left without budget is inconclusive, like every other
  :class:`~upscale_conformance.errors.NoAnswer`).

Across machines, start workers with ``python -m locust -f <this file> --worker --master-host HOST``
(the key from ``$PHOTOROOM_API_KEY`` on each worker); the master sends them every ``--upscale-*``
option. ``upscale-conformance load --remote-workers N`` is such a master.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import time
from pathlib import Path

import gevent
from locust import User, constant, events, task
from locust.exception import CatchResponseError, StopUser
from locust.runners import LocalRunner, MasterRunner, WorkerRunner

from upscale_conformance.client import Budget, RetryPolicy, UpscaleClient, UpscaleRequest
from upscale_conformance.client.guard import bounds_for
from upscale_conformance.client.health import TargetHealth
from upscale_conformance.client.secret import Secret
from upscale_conformance.client.target import DEFAULT_TIMEOUT
from upscale_conformance.contract import load_profile
from upscale_conformance.errors import AnswerTooLarge, CreditsExhausted, TargetDown
from upscale_conformance.load import LOAD_PATIENCE, judge, mix

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
    group.add_argument("--upscale-patience", type=float, default=LOAD_PATIENCE,
                       help="Seconds to wait for a target that is down.")


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
    """What the users of this process share: their request indices (every ``n``-th from the worker
    index; n: the workers expected), the profile, the call budget and the target's health."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._setup: tuple | None = None

    def setup(self, environment) -> tuple:
        """``(profile, pixels, budget, health)``, built once the options are known (they arrive from the
        master with the first spawn message)."""
        if self._setup is None:
            o = environment.parsed_options
            workers, index = self._workers(environment)
            budget = Budget(o.upscale_requests or None).split(workers, index)  # exactly this process's indices
            health = TargetHealth(o.upscale_patience, say=lambda line: _log.warning(_key.scrub(line)))
            self._setup = (load_profile(o.upscale_profile or None), mix.parse_pixels(o.upscale_pixels),
                           budget, health)
        return self._setup

    @staticmethod
    def _workers(environment) -> tuple[int, int]:
        runner, options = environment.runner, environment.parsed_options
        workers = max(1, int(options.expect_workers or 1)) if isinstance(runner, WorkerRunner) else 1
        return workers, max(0, runner.worker_index)

    def next_index(self, environment) -> int | None:
        workers, first = self._workers(environment)
        index = first + next(self._counter) * workers
        requests = environment.parsed_options.upscale_requests
        return None if requests and index >= requests else index


_share = _Share()
_key = Secret.from_sources()
_log = logging.getLogger("upscale-conformance")
logging.getLogger("httpx").setLevel(logging.WARNING)  # else a line per request in locust.log
# After these the client sends nothing more (the target given up on, credits spent, an answer past
# any bound): every later request of the user would end at once, without a call.
FINAL = (TargetDown, CreditsExhausted, AnswerTooLarge)


class UpscaleUser(User):
    """One concurrent client: sends the mix's requests back to back through its own
    :class:`UpscaleClient` and judges every answer."""

    wait_time = constant(0)

    def on_start(self) -> None:
        options = self.environment.parsed_options
        profile, _, budget, health = _share.setup(self.environment)
        self.client = UpscaleClient(self.host, _key, budget, retry=RetryPolicy(retries=0),
                                    timeout=options.upscale_timeout, bounds=bounds_for(profile), health=health)

    def on_stop(self) -> None:
        self.client.close()

    @task
    def upscale(self) -> None:
        env = self.environment
        profile, pixels, _, _ = _share.setup(env)
        index = _share.next_index(env)
        if index is None:
            raise StopUser()
        case = mix.case_for(index, env.parsed_options.upscale_seed, pixels, profile)
        started = time.time()
        answer, body, error = self._send(case, profile)
        codes = [v["code"] for v in answer.violations] or [answer.note or answer.outcome]
        env.events.request.fire(request_type="POST", name=case.label, response_time=answer.seconds * 1000,
                                response_length=body, context={},
                                exception=None if answer.outcome == judge.OK else CatchResponseError(", ".join(codes)))
        record = answer.to_json() | {"started": started, "finished": time.time(), "pid": os.getpid()}
        env.runner.send_message(MESSAGE, record)
        if isinstance(error, FINAL) and not env.parsed_options.upscale_requests:
            raise StopUser()  # a duration run: nothing more to send; a counted run goes on (no calls) to its count

    def _send(self, case: mix.LoadCase, profile) -> tuple[judge.Answer, int, Exception | None]:
        """The verdict, the answer's length and the client's error, if any."""
        request = UpscaleRequest(image=mix.encode(case), mode=case.mode, export_format=case.export_format,
                                 model_version=case.version, filename=f"load-{case.index}.{case.input_format}",
                                 file_content_type=f"image/{case.input_format}")
        clock = time.perf_counter()
        try:
            result = self.client.send(request)
            return judge.judge(case, result, profile), len(result.content), None
        except Exception as exc:  # NoAnswer; or a bug of ours, which must not leave the master waiting forever
            return judge.unanswered(case, exc, time.perf_counter() - clock, _key.scrub), 0, exc
