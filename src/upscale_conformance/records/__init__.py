"""What a run leaves behind, typed: one header for every command's record (``header``) and one dataclass per
file beside its JSON Schema: ``summary.json`` (``run``), ``record.json`` (``monitor``), ``load.json``
(``load``), ``selfcheck.json`` (``selfcheck``); ``legacy`` reads files written before these types.

Vocabulary: the writers (report, monitor, load, selfcheck) and the results store (history) import it; it
imports nothing of the engine but the package's version."""
