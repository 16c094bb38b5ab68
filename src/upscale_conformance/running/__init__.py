"""Running a suite: the plan of a run (measured against the reference server) and the run itself
(the local server, pytest with the plugin, the summary and the report)."""
