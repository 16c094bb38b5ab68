"""What a target is: local (loopback, free) or remote (may cost money), and how long one answer may take."""

from __future__ import annotations

from urllib.parse import urlparse

# The longest wait for one whole answer, headers and body, unless a run says otherwise
# (`run --timeout`, `--upscale-timeout`, `load --timeout`). The one place this default is written.
DEFAULT_TIMEOUT = 120.0
# The key `serve` accepts when started without --api-key, and the key a run sends to a loopback target when
# given none: the README's `serve` then `run --target http://127.0.0.1:PORT` works as written, and the
# invalid-key clause is still judged for real (that server refuses every other key). Not a secret: a
# stand-in on this machine, which no vendor bills.
LOOPBACK_KEY = "local-reference-key"


def is_local(target: str) -> bool:
    """Whether ``target`` is the reference server (``local``) or a loopback host: calls there cost nothing.

    >>> is_local("local"), is_local("http://127.0.0.1:8000"), is_local("https://sdk.photoroom.com")
    (True, True, False)
    """
    return target == "local" or urlparse(target).hostname in ("127.0.0.1", "localhost", "::1")
