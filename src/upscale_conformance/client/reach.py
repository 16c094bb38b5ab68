"""First contact: is anything at the target's address at all? A wrong URL is not an outage.

Before a run sends anything, the target's name is resolved, a connection is opened and, for https, the TLS
handshake is done with the verification the client uses; then the connection is closed. No HTTP request is
sent, so nothing is billed or counted. A target that fails this never answered anything in this run: the
run ends at once as a usage error naming what failed (docs/must-audit.md, "An outage is never a failure"),
instead of calling every clause inconclusive. A target that accepts the connection and then answers 502,
503 or 504, or one that answered before and then stopped, is a question for :mod:`.health`, as before.

Behind an HTTP(S) proxy (``HTTPS_PROXY`` and the like, which the client honours) the proxy, not the target,
would answer the connection: there the check is skipped and the first request tells.

>>> first_contact("http://127.0.0.1:1")
'connection refused: nothing listens on 127.0.0.1 port 1'
"""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlparse
from urllib.request import getproxies, proxy_bypass

import httpx

CONTACT_TIMEOUT = 10.0  # seconds for the name, the connection and the TLS handshake together, at most


def first_contact(url: str, timeout: float = CONTACT_TIMEOUT) -> str | None:
    """None when ``url``'s host accepted a connection (and, for https, completed the TLS handshake); otherwise
    what failed, in a few words."""
    parsed = urlparse(url)
    host = parsed.hostname or ""
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if _proxied(parsed.scheme, host):
        return None
    try:
        connection = socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror as exc:
        return f"the name {host!r} did not resolve ({exc.strerror or exc})"
    except ConnectionRefusedError:
        return f"connection refused: nothing listens on {host} port {port}"
    except TimeoutError:
        return f"no connection to {host} port {port} within {timeout:g} s"
    except OSError as exc:
        return f"no connection to {host} port {port} ({exc.strerror or exc})"
    with connection:
        if parsed.scheme != "https":
            return None
        try:
            with httpx.create_ssl_context().wrap_socket(connection, server_hostname=host):
                return None
        except ssl.SSLCertVerificationError as exc:
            return f"TLS failed with {host} port {port}: {exc.verify_message or exc.reason}"
        except (ssl.SSLError, OSError) as exc:
            return f"TLS failed with {host} port {port}: {getattr(exc, 'reason', None) or exc}"


def _proxied(scheme: str, host: str) -> bool:
    """Whether the client would reach ``host`` through a proxy (the environment's, as httpx reads it)."""
    proxies = getproxies()
    return bool(proxies.get(scheme) or proxies.get("all")) and not proxy_bypass(host)
