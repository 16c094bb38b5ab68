"""The contract under concurrent load: ``upscale-conformance load``, built on Locust.

``mix`` (the requests, each with a picture of its own), ``judge`` (the suite's checks on one answer,
plus "is this my picture"), ``summary`` (figures and exit code), ``launch`` (runs Locust in a process
group of its own) and ``locustfile`` (the Locust users and master; imported by Locust only, since
Locust patches the standard library with gevent on import).
"""

# Seconds a load run waits for a target that is down (client.health), well under a suite run's 60:
# under load a busy target answers 429 (counted; the reference server sheds past its queue that
# way, never with a 503), so a 502/503/504 or no answer whose known-good request fails too means the
# target is not serving at all. A restart is waited out; a longer outage ends the run inconclusive
# soon, instead of every user holding its request for a minute.
LOAD_PATIENCE = 15.0
