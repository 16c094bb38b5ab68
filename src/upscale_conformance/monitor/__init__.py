"""Vendor-change monitoring: behavioural probes of a live target, and a diff of vendor documents.

One module per job:

* :mod:`.search` — the largest accepted value of a monotone answer (hint, gallop, round guess, bisect);
* :mod:`.fit` — which limit (pixel budget, per-axis, irregular) explains a set of answers;
* :mod:`.discover` — the plan that finds one mode's limit in at most 24 calls;
* :mod:`.pictures`, :mod:`.calls`, :mod:`.probes`, :mod:`.signatures` — what is sent, the call
  log, the behavioural probes, and perceptual signatures inside a record;
* :mod:`.plan`, :mod:`.run`, :mod:`.record`, :mod:`.digest`, :mod:`.finish` — one run, its budget said
  first, into ``record.json``, ``digest.md`` and ``index.html``;
* :mod:`.limits`, :mod:`.compare` — drift between two records, breaking or notable;
* :mod:`.openapi`, :mod:`.prose`, :mod:`.docdiff` — ``contract diff`` of two vendor documents.

The commands are in :mod:`upscale_conformance.cli.monitor`; ``docs/monitoring.md`` explains them.
"""
