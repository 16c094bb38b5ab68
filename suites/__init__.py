"""The conformance suites, a package so that an installed copy is found by module name:
``pytest --pyargs upscale_conformance.suites --upscale-target URL`` (the wheel maps this folder to
``upscale_conformance/suites``; in the checkout ``pytest suites`` works as before)."""
