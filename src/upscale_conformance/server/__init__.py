"""The reference server: a local implementation of POST /v2/edit that keeps the whole contract.

Its engines are classical stand-ins (bicubic, Lanczos, back-projection), not AI; see
``docs/reference-server.md``.

>>> from upscale_conformance.server import serve_in_thread
>>> with serve_in_thread("pixel-budget-2026") as url:  # doctest: +SKIP
...     httpx.get(f"{url}/health").json()["status"]
'ok'
"""

from .app import create_app
from .faults import Faults
from .runner import ServerURL, run_app_in_thread, serve_in_subprocess, serve_in_thread

__all__ = ["Faults", "ServerURL", "create_app", "run_app_in_thread", "serve_in_subprocess", "serve_in_thread"]
