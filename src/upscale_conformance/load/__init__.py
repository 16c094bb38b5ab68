"""The contract under concurrent load: ``upscale-conformance load``, built on Locust.

``mix`` (the requests, each with a picture of its own), ``judge`` (the suite's checks on one answer,
plus "is this my picture"), ``summary`` (figures and exit code), ``launch`` (runs Locust in a process
group of its own) and ``locustfile`` (the Locust users and master; imported by Locust only, since
Locust patches the standard library with gevent on import).
"""
