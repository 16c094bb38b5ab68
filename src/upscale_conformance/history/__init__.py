"""Run history: every verdict recorded (:mod:`.records`, :mod:`.store`), and what is read from it."""
