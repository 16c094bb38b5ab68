"""The reference server: a local implementation of POST /v2/edit that keeps the whole contract.

Its engines are classical stand-ins (bicubic, Lanczos, back-projection), not AI; see
``docs/reference-server.md``.

>>> from upscale_conformance.server import serve_in_thread
>>> with serve_in_thread("pixel-budget-2026") as url:  # doctest: +SKIP
...     httpx.get(f"{url}/health").json()["status"]
'ok'
"""

from ..lazy import exported, lazy_exports

# Loaded on first use (PEP 562): the fault catalog needs `Faults` only, and a command that lists it
# should not load FastAPI and the image engines.
_FROM = {
    ".app": ("create_app",),
    ".faults": ("Faults",),
    ".runner": ("ServerURL", "run_app_in_thread", "serve_in_subprocess", "serve_in_thread"),
}


__getattr__ = lazy_exports(__name__, _FROM)
__all__ = exported(_FROM)
