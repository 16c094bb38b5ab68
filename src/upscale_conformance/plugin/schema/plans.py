"""Which Schemathesis runs the schema suite makes, with which of its checks, and their configuration."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import schemathesis
from schemathesis import checks as st_checks
from schemathesis.specs.openapi import checks as oas_checks

from ...contract import Profile
from .four_x import exactly_4x

PROBES_ENV = "UPSCALE_SCHEMA_PROBES"
OPERATION = ("/v2/edit", "post")
# Examples per run, at most (the Hypothesis profile chosen by the plugin may ask for fewer).
MAX_POSITIVE_EXAMPLES = 10
MAX_NEGATIVE_EXAMPLES = 6
# Probes sent in economy (suites/test_schema.py): enough to reach SCHEMA-CONFORMS and HTTP-HYGIENE.
ECONOMY_PROBES = {"method": 2, "body": 2}


def probes_enabled(wanted: bool, environ: dict[str, str] | None = None) -> bool:
    """Negative and method probes: on where ``wanted`` (a local target, or economy, which caps them), else
    opt-in with ``UPSCALE_SCHEMA_PROBES=1``; ``UPSCALE_SCHEMA_PROBES=0`` turns them off everywhere."""
    from ..options import switch

    return switch((environ if environ is not None else os.environ).get(PROBES_ENV), wanted)


def _builtin(name: str) -> Callable:
    st_checks.load_all_checks()
    return getattr(oas_checks, name, None) or getattr(st_checks, name)


RESPONSE_CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
                   "response_schema_conformance", "response_headers_conformance")
POSITIVE_CHECKS = (*RESPONSE_CHECKS, "positive_data_acceptance")
PROBE_CHECKS = (*RESPONSE_CHECKS, "negative_data_rejection", "unsupported_method")
# Checks no sentence of the seed or CONTRACT-NOTES justifies (docs/must-audit.md): what they find is
# recorded under HTTP-HYGIENE, never failed. `unsupported_method` wants 405, but RFC 9110 allows 501
# for a method a server does not implement, and the vendor's document declares GET /v2/edit;
# `status_code_conformance` flags any status the document does not list (a 415, a gateway's 404),
# where the contract only promises 400 for bad requests (checked by `negative_data_rejection`).
HYGIENE_CHECKS = ("unsupported_method", "status_code_conformance")
DECLARED_METHOD = OPERATION[1].upper()


def check_functions(names: Iterable[str], *, four_x: bool = True) -> list[Callable]:
    """The Schemathesis check functions by name, plus :func:`exactly_4x`."""
    out = [_builtin(n) for n in names]
    return [*out, exactly_4x] if four_x else out


@dataclass(frozen=True)
class Plan:
    """One Schemathesis run: which phases, which generation mode, how many examples."""

    name: str
    phases: tuple[str, ...]
    mode: str  # "positive" | "negative"
    max_examples: int
    checks: tuple[str, ...]


def positive_plan(profile_examples: int) -> Plan:
    return Plan("positive", ("fuzzing",), "positive", max(1, min(profile_examples, MAX_POSITIVE_EXAMPLES)),
                POSITIVE_CHECKS)


def probe_plan(profile_examples: int) -> Plan:
    return Plan("probes", ("coverage", "fuzzing"), "negative",
                max(1, min(profile_examples, MAX_NEGATIVE_EXAMPLES)), PROBE_CHECKS)


def schemathesis_config(plan: Plan, base_url: str, profile: Profile):
    """A :class:`schemathesis.Config` for ``plan`` (validated by Schemathesis's own config schema)."""
    phases = {name: {"enabled": name in plan.phases} for name in ("examples", "coverage", "fuzzing", "stateful")}
    if "coverage" in plan.phases:
        # Negative scenarios and undeclared methods only: see the module docstring.
        phases["coverage"]["generation"] = {"mode": "negative"}
    rejected = sorted({str(s) for key in ("bad_request", "unknown_mode", "too_large_upload", "over_limit")
                       for s in profile.status(key)} | {"405", "415"})
    data = {
        "base-url": str(base_url),
        "phases": phases,
        "generation": {
            "mode": plan.mode,
            "max-examples": plan.max_examples,
            # The key comes from the run (x-api-key), never from generation.
            "with-security-parameters": False,
            "allow-x00": False,
            "allow-extra-parameters": False,
        },
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["200"]},
            "negative_data_rejection": {"expected-statuses": rejected},
        },
    }
    return schemathesis.Config.from_dict(data)
