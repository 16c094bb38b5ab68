"""``make bench``: timings that matter to the project, each section measured side by side in one run.

A section is a function returning a :class:`~.base.Section` (a title, rows, and a verdict line), in
the module of its subject: :mod:`.server` (one request against one core, where strips start to
pay), :mod:`.load` (the server against the machine's limit, and judged load), :mod:`.suite` (the
suite's own cost), :mod:`.history` (the results store). ``python -m upscale_conformance.tools.bench
[--only NAME]`` prints them as tables (``--only`` matches part of a function's name).
"""
