"""Opening a target: the one place where a command or the pytest plugin turns what it was asked for
(target, profile, key, budget, timeout, patience) into a :class:`Session`, the one client on a live
target. ``local`` starts the reference server (in a thread or a child process) for as long as the
session is open; any other target needs a key (:func:`key_for`).
"""

from ..client.budget import DEFAULT_VENDOR_BUDGET
from ..client.secret import Secret
from .opening import LOCAL, Session, fresh_local_key, key_for, open_session, reach

# Secret and the default budget too: what a caller hands open_session, for the parts that may not import client/
# (running/).
__all__ = ["DEFAULT_VENDOR_BUDGET", "LOCAL", "Secret", "Session", "fresh_local_key", "key_for", "open_session", "reach"]
