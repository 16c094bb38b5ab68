"""The one pool of image threads a server process has, sized to its cores.

Every strip of every request goes through this pool, first come first served, so N requests in
flight share the cores instead of each starting threads of its own. Its tasks never wait on other
tasks of the pool (a request's own thread submits and waits), so it cannot deadlock however full.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_lock = threading.Lock()
_pool: tuple[int, ThreadPoolExecutor] | None = None  # (the process that made it, the pool)


def cores() -> int:
    """The cores this process may run on (its CPU affinity where the system says, else the count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def shared() -> ThreadPoolExecutor:
    """This process's pool, made on first use (a forked worker process makes its own)."""
    global _pool
    with _lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(cores(), thread_name_prefix="upscale-strip"))
        return _pool[1]
