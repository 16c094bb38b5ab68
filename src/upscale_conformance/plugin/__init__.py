"""The pytest plugin (entry point ``pytest11``): points the suites in ``suites/`` at a target.

One module a job, state in pytest's stash:

- :mod:`.options`: every option as a flag and an ini key, and their readings (target, economy, quick);
- :mod:`.fixtures`: profile, target, the run's one client, the test's recorder, ``upscale``;
- :mod:`.evidence`: clause labels in JUnit and Allure, pictures and curl lines of a violation;
- :mod:`.reports`: findings carried on test reports, key scrubbing, the tally and ``summary.json``;
- :mod:`.profiles`: the Hypothesis profiles; :mod:`.schema`: the Schemathesis suite's configuration
  and its transport, an adapter over the run's client.

Nothing outside the suites and this package imports it: target helpers such as ``is_local`` belong
to :mod:`upscale_conformance.client`.
"""

pytest_plugins = [
    "upscale_conformance.plugin.options",
    "upscale_conformance.plugin.fixtures",
    "upscale_conformance.plugin.evidence",
    "upscale_conformance.plugin.reports",
    "upscale_conformance.plugin.profiles",
]
