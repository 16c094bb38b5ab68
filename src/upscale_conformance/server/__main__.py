"""``python -m upscale_conformance.server``: the ``serve`` command on its own (used by serve_in_subprocess)."""

from ..cli.serve import serve

if __name__ == "__main__":
    serve.main(prog_name="upscale-conformance serve")
