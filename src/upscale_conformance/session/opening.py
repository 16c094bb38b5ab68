"""The session: the client built once for a target, its budget, the key it sends, and the reference
server started for ``local``; closing it closes the client and stops the server.

>>> with open_session("https://vendor.example", key=Secret("sk_live_42"), budget=10) as s:
...     s.url, s.budget.limit, s.server is None, "sk_live_42" in repr(s)
('https://vendor.example', 10, True, False)
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..client import Budget, ResponseCache, Secret, UpscaleClient, is_local
from ..client.guard import bounds_for
from ..client.health import DEFAULT_PATIENCE, TargetHealth
from ..client.reach import first_contact
from ..client.target import DEFAULT_TIMEOUT, LOOPBACK_KEY
from ..contract import Profile, load_profile
from ..errors import KeyMissing, NeverReached, TargetUnreachable

LOCAL = "local"  # the target name that starts the reference server


def fresh_local_key() -> Secret:
    """A key of this session's own for the reference server, which pins it: the invalid-key clause is then
    checked for real, and no user's key ever reaches a server we start."""
    return Secret("local-" + secrets.token_hex(8))


def key_for(target: str, key: Secret | None, flag: str = "--api-key") -> Secret:
    """The key sent to ``target``; a target that may cost money (any host but loopback) is refused without one.
    A loopback target given none gets :data:`LOOPBACK_KEY`, the one `serve` accepts by default. ``flag`` names
    the option the user would give the key with.

    >>> key_for("http://127.0.0.1:8000", None).reveal()
    'local-reference-key'
    >>> key_for("https://vendor.example", Secret(""))
    Traceback (most recent call last):
    upscale_conformance.errors.KeyMissing: https://vendor.example is not on this machine, so every call may be \
billed: a paid target needs --api-key or PHOTOROOM_API_KEY (a loopback address needs none)
    """
    key = key if key is not None else Secret(None)
    if not key and not is_local(target):
        raise KeyMissing(flag, target)
    return key if key else Secret(LOOPBACK_KEY)


def reach(target: str) -> None:
    """Raise :class:`NeverReached` when ``target`` (a base URL; ``local`` is started, not reached) cannot be
    reached at all: its name, its port or its TLS. Nothing is sent (``client.reach``); within seconds."""
    if target == LOCAL:
        return
    failed = first_contact(target)
    if failed is not None:
        raise NeverReached(f"never reached {target}: {failed}; nothing was sent (is the URL right?)")


@dataclass
class Session:
    """One opened target: send through ``client``; ``server`` is the reference server when ``target`` is
    ``local`` (None otherwise). A context manager: leaving it closes the client and stops the server."""

    target: str  # as asked: `local` or a base URL
    url: str  # where the client sends: the started server's URL for `local`
    profile: Profile
    key: Secret = field(repr=False)  # the key actually sent (the server's own for `local`)
    budget: Budget
    client: UpscaleClient
    server: str | None = None  # the reference server's URL (a ServerURL: kill(), alive()) when one was started
    _stack: ExitStack = field(default_factory=ExitStack, repr=False)

    @property
    def local(self) -> bool:
        return self.server is not None

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_session(target: str, profile: Profile | str | None = None, key: Secret | None = None,
                 budget: int | Budget | None = None, timeout: float | None = None, patience: float | None = None,
                 *, server: Literal["thread", "subprocess"] = "thread", local_key: Secret | None = None,
                 share: tuple[int, int] | None = None, say: Callable[[str], None] | None = None,
                 cache: Path | str | None = None, key_flag: str = "--api-key", faults=None) -> Session:
    """Open ``target`` (``local`` or a base URL) for ``profile``; the caller closes the session (``with``).

    ``key`` is the user's (refused missing for a paid target, :func:`key_for`); for ``local`` the server pins
    ``local_key`` or a fresh one. ``budget`` is a cap (None: unlimited) or a Budget shared with other
    sessions; ``share`` = (workers, index) takes this process's part of it, so a run spread over processes
    stays within the cap. ``timeout`` and ``patience`` default to the client's defaults; ``say`` gets the
    lines the client writes while it waits; ``cache`` is a response cache folder; ``faults`` (a
    ``server.Faults``) plants misbehaviours in the local server (maintainer tools).
    """
    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    calls = budget if isinstance(budget, Budget) else Budget(budget)
    if share is not None:
        calls = calls.split(*share)
    stack = ExitStack()
    try:
        started = None
        if target == LOCAL:
            key = local_key or fresh_local_key()
            started = url = _serve(server, profile, key, faults, stack)
        else:
            key, url = key_for(target, key, key_flag), target.rstrip("/")
        client = stack.enter_context(UpscaleClient(
            url, key, calls, cache=ResponseCache(cache) if cache else None,
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout, bounds=bounds_for(profile), say=say,
            health=TargetHealth(DEFAULT_PATIENCE if patience is None else patience, say=say)))
    except BaseException:
        stack.close()
        raise
    return Session(target, str(url), profile, key, calls, client, started, stack)


def _serve(how: str, profile: Profile, key: Secret, faults, stack: ExitStack) -> str:
    """Start the reference server inside ``stack``; one that does not start is an unreachable target."""
    from ..server import serve_in_subprocess, serve_in_thread

    start = serve_in_subprocess if how == "subprocess" else serve_in_thread
    try:
        return stack.enter_context(start(profile=profile, api_key=key.reveal(), faults=faults))
    except (RuntimeError, OSError) as exc:
        raise TargetUnreachable(f"the reference server did not start: {exc}") from None
