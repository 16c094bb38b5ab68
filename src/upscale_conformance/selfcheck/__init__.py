"""``upscale-conformance selfcheck``: the suite run against a catalog of broken and of legitimately
different reference servers, to show which broken ones it catches and that it leaves the others alone.

One job per module: :mod:`.catalog` (the entries), :mod:`.execute` (one suite run against one
entry), :mod:`.scoring` (what each outcome means and the exit code), :mod:`.output` (matrix, JSON,
Markdown), :mod:`.survivors` (the honest list of contract faults the suite is known to miss).
"""
