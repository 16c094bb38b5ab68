"""Root conftest: what pytest may collect from the project's top level.

`tests/` holds the project's tests of itself (`make test`: `tests/unit` and `tests/e2e`); `suites/` holds
the conformance suites that run against a target (`upscale-conformance run`, which passes the target options).
Run outputs and fixture data are never collected. The load engine's locustfile is never imported
here: Locust patches the standard library with gevent on import, which must not happen in pytest.
"""

collect_ignore_glob = ["reports/*", "fixtures/*", ".venv/*", "src/upscale_conformance/load/locustfile.py",
                     "src/upscale_conformance/history/migrations/*"]
