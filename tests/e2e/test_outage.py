"""An outage is never a failure (docs/must-audit.md): `run` against servers that go down mid-run; and a
target never reached (refused, name not resolved, TLS failed) is no outage but a wrong URL: exit 2, one line.

The selfcheck catalog holds the same outages at the default patience of 60 s (`outage-503`,
`gateway-502`, `outage-recovers`, `refused-mid-run`); here the patience is a few seconds so the
project's tests stay quick, and the rule is the same."""

from __future__ import annotations

import socket

import pytest

from tests.support import cli
from tests.support.cli import failed
from upscale_conformance.server import serve_in_thread
from upscale_conformance.server.faults import Faults

KEY = "sk_test_outage_0123456789"
SELECT = ("--quick", "--", "-k", "largest_accepted or either_side")  # 10 requests when nothing goes wrong
AFTER = 6  # the outage begins with the 7th request


@pytest.mark.parametrize("faults", [Faults(outage_after=AFTER), Faults(outage_after=AFTER, outage_status=502,
                                                                        outage_html=True),
                                    Faults(die_after=AFTER)], ids=["503", "502-html", "refused"])
def test_a_permanent_outage_ends_inconclusive_and_cheap_naming_it(tmp_path, faults):
    with serve_in_thread("pixel-budget-2026", api_key=KEY, faults=faults) as url:
        ran = cli.run(tmp_path, "--target", url, "--patience", "3", *SELECT, key=KEY)
    assert ran.code == 3, ran.output[-3000:]
    assert not failed(ran.summary)  # nothing is failed for an outage, not SCHEMA-CONFORMS, not ERR-NO-5XX
    (outage,) = ran.summary["outages"]
    assert not outage["recovered"] and outage["answered_before"] == AFTER
    # the request that met it, the known-good request, probes at 1 and 3 s: at most 4 calls after it began
    assert outage["probes"] == 2 and ran.summary["calls_spent"] <= AFTER + 4
    assert "the target is down" in ran.output and "outage from" in ran.output
    assert "The target was down" in (tmp_path / "latest" / "index.html").read_text()


def test_an_outage_shorter_than_the_patience_is_waited_out_and_the_run_concludes(tmp_path):
    with serve_in_thread("pixel-budget-2026", api_key=KEY, faults=Faults(outage_after=AFTER,
                                                                              outage_seconds=2.0)) as url:
        ran = cli.run(tmp_path, "--target", url, "--patience", "20", *SELECT, key=KEY)
    assert ran.code == 0, ran.output[-3000:]
    (outage,) = ran.summary["outages"]
    assert outage["recovered"] and outage["probes"] >= 1


def test_a_503_answered_only_past_the_limit_fails_the_limit_clauses(tmp_path):
    with serve_in_thread("pixel-budget-2026", api_key=KEY, faults=Faults(over_limit_status=503)) as url:
        ran = cli.run(tmp_path, "--target", url, "--patience", "3", "--quick", "--", "-k", "largest_accepted",
                      key=KEY)
    assert ran.code == 1, ran.output[-3000:]
    assert {"LIMIT-FAST-EDGE", "ERR-NO-5XX"} <= failed(ran.summary) and ran.summary["outages"] == []


@pytest.mark.parametrize("bad", ["-1", "soon", "inf"])  # 0 is no wait at all (cli/options.py)
def test_a_bad_patience_is_a_usage_error(tmp_path, bad):
    ran = cli.cli("run", "--target", "local", "--patience", bad, "--plan")
    assert ran.code == 2 and "--patience" in ran.output


def closed_port() -> int:
    """A port nothing listens on: one the system just handed out, closed again."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("target", "says"), [
    (f"http://127.0.0.1:{closed_port()}", "connection refused: nothing listens on 127.0.0.1 port"),
    ("http://no-such-host.invalid:8080", "the name 'no-such-host.invalid' did not resolve"),
], ids=["refused", "unresolved"])
def test_a_target_never_reached_is_a_usage_error_in_one_line_not_an_outage(tmp_path, target, says):
    ran = cli.run(tmp_path, "--target", target, "--quick", key=KEY, timeout=60)
    assert ran.code == 2, ran.output[-3000:]
    lines = [line for line in ran.output.splitlines() if line.strip()]
    assert lines == [f"Error: never reached {target}: {lines[0].split(': ', 2)[2]}"] and says in lines[0], lines
    assert "nothing was sent" in lines[0] and not (tmp_path / "latest").exists()  # no report: nothing was judged


def test_a_target_whose_tls_fails_is_never_reached(tmp_path):
    with serve_in_thread("pixel-budget-2026", api_key=KEY) as url:  # plain http, asked for with https
        target = url.replace("http://", "https://")
        ran = cli.run(tmp_path, "--target", target, "--quick", "--", "-k", "largest_accepted", key=KEY, timeout=60)
    assert ran.code == 2 and f"Error: never reached {target}: TLS failed with 127.0.0.1" in ran.output, ran.output


def test_a_connection_dropped_before_any_answer_is_asked_again_and_the_run_stays_conformant(tmp_path):
    # A balancer dropping one connection in seven (selfcheck: drops-1-in-7): the hostile inputs it drops
    # get their proper 400 when asked again, and each drop is an observation, not ROB-ANSWERED failing.
    with serve_in_thread("pixel-budget-2026", api_key=KEY, faults=Faults(drop_every=7)) as url:
        ran = cli.run(tmp_path, "--target", url, "--quick", "--", "-k", "robustness or faithful", key=KEY)
    assert ran.code == 0, ran.output[-3000:]
    assert ran.summary["drops"] and all(d["dropped"] == 1 for d in ran.summary["drops"])
    assert ran.summary["clauses"]["ROB-ANSWERED"]["verdict"] == "PASS" and not ran.summary["outages"]


def test_a_503_now_and_then_costs_no_billable_health_check(tmp_path):
    # One request in five answered 503: each is followed by the health question (an invalid mode, a free
    # 400) and the request once more, so the bill is the clean run's (it was 137 instead of 94 with a
    # billable known-good upscale after each 503).
    select = ("--quick", "--", "-k", "faithful or largest_accepted or either_side or robustness")
    billed = {}
    for name, faults in (("clean", Faults()), ("503", Faults(unavailable_every=5))):
        with serve_in_thread("pixel-budget-2026", api_key=KEY, faults=faults) as url:
            ran = cli.run(tmp_path / name, "--target", url, *select, key=KEY)
        assert ran.code == 0, ran.output[-3000:]
        billed[name] = ran.summary["calls_billable"]
    assert billed["clean"] > 20 and abs(billed["503"] - billed["clean"]) <= 0.05 * billed["clean"], billed


def test_a_trickling_target_is_degraded_and_ends_the_run_inconclusive_naming_the_rate(tmp_path):
    # Answers at 1 KB/s (selfcheck: trickle-1kbs): the health question's small answer arrives, a 4x PNG
    # never does within --timeout; three in a row and the run ends exit 3 instead of waiting out every test.
    with serve_in_thread("pixel-budget-2026", api_key=KEY, faults=Faults(trickle_bytes_per_second=1024)) as url:
        ran = cli.run(tmp_path, "--target", url, "--timeout", "4", "--quick", "--", "-k", "faithful", key=KEY,
                      timeout=300)
    assert ran.code == 3, ran.output[-3000:]
    assert not failed(ran.summary)
    (degraded,) = ran.summary["outages"]
    assert "the target is degraded: 3 answers in a row did not arrive within 4 s" in degraded["why"]
    assert "bytes/s" in degraded["why"] and "degraded" in ran.output


def test_past_the_run_s_deadline_the_run_ends_inconclusive_with_what_it_judged(tmp_path):
    with serve_in_thread("pixel-budget-2026", api_key=KEY, faults=Faults(slow_seconds=1.0)) as url:
        ran = cli.run(tmp_path, "--target", url, "--deadline", "6", *SELECT, key=KEY, timeout=300)
    assert ran.code == 3, ran.output[-3000:]
    assert not failed(ran.summary) and ran.summary["calls_spent"] >= 1  # judged what it could before
    (deadline,) = ran.summary["outages"]
    assert "the run's deadline of 6 s passed" in deadline["why"] and "deadline of 6 s passed" in ran.output


@pytest.mark.parametrize("bad", ["-1", "soon", "inf"])
def test_a_bad_deadline_is_a_usage_error(bad):
    ran = cli.cli("run", "--target", "local", "--deadline", bad, "--plan")
    assert ran.code == 2 and "--deadline" in ran.output
