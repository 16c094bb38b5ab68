"""upscale-conformance: contract tests for Photoroom's AI Upscale (POST /v2/edit)."""

__version__ = "0.1.0"
