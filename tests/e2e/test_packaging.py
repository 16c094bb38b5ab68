"""The package as a user gets it: the wheel of the standard build front end, installed into a fresh
virtual environment that cannot see this checkout, used from empty directories (issue 15).

To stay fast the wheel goes in with ``--no-deps`` and the new environment borrows the dependencies
of the one running these tests through a ``.pth`` line naming its site-packages. A ``.pth`` found
that way is not a site directory, so the editable install's own ``.pth`` there (which points at
``src/``) is not read: the probe below checks that the package, its data and its plugin all come
from the new environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

import upscale_conformance

ROOT = Path(__file__).resolve().parents[2]
MAX_WHEEL_BYTES = 5 * 1024 * 1024
# What a run, a build or a tool leaves in a working tree; none of it may ship.
LEFTOVERS = ("__pycache__", ".pyc", ".venv", ".pytest_cache", ".hypothesis", ".ruff_cache", ".upscale-cache",
             "reports/", "dist/", ".egg-info")
# The checkout's folder -> where the wheel carries it (pyproject.toml, [tool.hatch.build.targets.wheel.sources]).
SHIPPED = {"contracts": "upscale_conformance/_data/contracts", "fixtures": "upscale_conformance/_data/fixtures",
           "suites": "upscale_conformance/suites"}
PROFILE = "pixel-budget-2026"


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The wheel and the sdist, built once for this module (hatchling from the dev extra, no index)."""
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--sdist", "--wheel", "--no-isolation", "--outdir",
                           str(out), str(ROOT)], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return out


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {folder}: {found}"
    return found[0]


def _data_files(folder: str) -> list[str]:
    """The checkout's files in ``folder`` that belong in a distribution (byte code aside)."""
    tracked = subprocess.run(["git", "ls-files", "-z", "--", folder], cwd=ROOT, capture_output=True)
    if tracked.returncode == 0:  # a checkout: what git holds, not what a local run left (.hypothesis/, caches)
        return sorted(Path(p).relative_to(folder).as_posix() for p in tracked.stdout.decode().split("\0") if p)
    base = ROOT / folder
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def test_the_wheel_carries_every_data_file_and_nothing_a_run_or_a_build_leaves(dist):
    wheel = _one(dist, "*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, inside in SHIPPED.items():
        missing = [f for f in _data_files(folder) if f"{inside}/{f}" not in names]
        assert not missing, f"{folder}/ files missing from the wheel: {missing}"
    assert "upscale_conformance/data.py" in names
    # the store's schema is built by these on first open: without them an installed tool cannot record
    migrations = Path(upscale_conformance.__file__).parent / "history" / "migrations"
    missing = [str(p.relative_to(migrations.parent.parent)) for p in migrations.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts
               and f"upscale_conformance/{p.relative_to(migrations.parent.parent)}" not in names]
    assert not missing, f"migration scripts missing from the wheel: {missing}"
    leftovers = [n for n in names if any(mark in n for mark in LEFTOVERS)]
    assert not leftovers, leftovers
    assert wheel.stat().st_size < MAX_WHEEL_BYTES, f"{wheel.name}: {wheel.stat().st_size} bytes"
    assert f"-{upscale_conformance.__version__}-" in wheel.name  # the version has one source

    with tarfile.open(_one(dist, "*.tar.gz")) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    for folder in SHIPPED:  # the wheel is built from the sdist by `make dist`: it must hold the same data
        missing = [f for f in _data_files(folder) if f"{folder}/{f}" not in members]
        assert not missing, f"{folder}/ files missing from the sdist: {missing}"
    for required in ("pyproject.toml", "src/upscale_conformance/data.py", "tests/e2e/test_packaging.py"):
        assert required in members, f"{required} missing from the sdist"
    assert not [n for n in members if any(mark in n for mark in LEFTOVERS)]


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory) -> Path:
    """A fresh environment holding the wheel alone; the dependencies come from this one's site-packages."""
    env = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    python = env / "bin" / "python"
    target_site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                      capture_output=True, text=True, check=True).stdout.strip())
    ours = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (target_site / "_upscale_test_deps.pth").write_text("".join(f"{p}\n" for p in ours))
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                           "--no-index", str(_one(dist, "*.whl"))], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return env


def _environ() -> dict[str, str]:
    """This process's environment without what could point the installed copy back at the checkout."""
    dropped = ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "UPSCALE_CONTRACTS_DIR", "UPSCALE_SUITES_DIR",
               "UPSCALE_SERVER_FAULTS", "PHOTOROOM_API_KEY", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in dropped} | {"COLUMNS": "200"}


PROBE = """
import json, sys
import upscale_conformance, upscale_conformance.plugin as plugin
from upscale_conformance import data, goldens
print(json.dumps({"package": upscale_conformance.__file__, "plugin": plugin.__file__, "path": sys.path,
                  "checkout": str(data.checkout()), "contracts": str(data.contracts_dir()),
                  "suites": str(data.suites_dir()), "record_to": str(goldens.default_golden_dir()),
                  "read_from": str(goldens.golden_dir_to_read("local", sys.argv[1]))}))
"""


@pytest.mark.slow
def test_the_installed_wheel_works_from_an_empty_directory(venv, tmp_path):
    bin_dir, env = venv / "bin", _environ()
    tool = str(bin_dir / "upscale-conformance")

    # The commands are independent: they run side by side, each from an empty directory of its own.
    python = str(bin_dir / "python")
    commands = {
        # where the package, its plugin and its data come from, and where a user's goldens would go
        "probe": [python, "-c", PROBE, PROFILE],
        "version": [tool, "--version"],
        "validate": [tool, "contract", "validate"],
        "run": [tool, "run", "--target", "local", "--quick"],
        # one mode and model is enough to show the shipped goldens and inputs are found and judged
        "goldens": [tool, "goldens", "check", "--target", "local", "--mode", "ai.fast"],
        # the README's plain-pytest invocation; -k keeps it to one cheap group, every module is still collected
        "pytest": [python, "-m", "pytest", "--pyargs", "upscale_conformance.suites", "--upscale-target", "local",
                   "--upscale-quick", "1", "--upscale-summary", "summary.json", "-q",
                   "-k", "test_model_switching"],
        # and with a bad profile: a usage error (pytest's exit 4), not a traceback per module; only our plugin
        # is loaded (no other plugin takes part in the check, and loading them all costs seconds)
        "bad-profile": [python, "-m", "pytest", "--pyargs", "upscale_conformance.suites", "-p",
                        "upscale_conformance.plugin", "--upscale-profile", "no-such-profile", "--collect-only", "-q",
                        "-p", "no:cacheprovider"],
    }
    expected = {"bad-profile": pytest.ExitCode.USAGE_ERROR}
    extra_env = {"bad-profile": {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}}
    for name in commands:
        (tmp_path / name).mkdir(exist_ok=True)
    procs = {name: subprocess.Popen(cmd, cwd=tmp_path / name, env=env | extra_env.get(name, {}),
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for name, cmd in commands.items()}
    try:
        out = {name: proc.communicate(timeout=400)[0] for name, proc in procs.items()}
    finally:  # a timeout leaves nothing of ours running
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for name, proc in procs.items():
        assert proc.returncode == expected.get(name, 0), f"{name} exited {proc.returncode}:\n{out[name][-4000:]}"

    seen = json.loads(out["probe"].strip().splitlines()[-1])
    site = Path(seen["package"]).parents[1]
    assert site.is_relative_to(venv), f"imported from {seen['package']}, not the new environment"
    assert Path(seen["plugin"]).is_relative_to(venv)
    assert seen["checkout"] == "None"
    assert not [p for p in seen["path"] if p and Path(p).resolve() in (ROOT, ROOT / "src")]
    assert all(Path(seen[k]).is_relative_to(site) for k in ("contracts", "suites", "read_from"))
    assert Path(seen["record_to"]) == (tmp_path / "probe").resolve() / "goldens"  # a user's goldens go to their cwd

    assert upscale_conformance.__version__ in out["version"]  # the version has one source
    assert "contract valid" in out["validate"]
    assert "profile not found" in out["bad-profile"] and "Traceback" not in out["bad-profile"], out["bad-profile"]
    summary = json.loads((tmp_path / "run" / "reports" / "latest" / "summary.json").read_text())
    assert summary["exit_code"] == 0
    # the regression clause passes only if the shipped goldens of the reference server were found
    assert summary["clauses"]["PERCEPTUAL-REGRESSION"]["verdict"] == "PASS", out["run"][-3000:]
    assert " 0 fail" in out["goldens"] and str(site) in out["goldens"].replace("\n", "")

    plain = json.loads((tmp_path / "pytest" / "summary.json").read_text())
    verdicts = {cid: c["verdict"] for cid, c in plain["clauses"].items()}
    assert verdicts.get("MODEL-SWITCH") == "PASS" and "FAIL" not in verdicts.values(), verdicts
    assert not (tmp_path / "goldens" / "goldens").exists()  # checking never writes a store


@pytest.mark.slow
def test_an_exported_failure_runs_under_plain_pytest_with_the_installed_wheel(venv, tmp_path):
    """Issue 21: `replay --export-pytest` keeps a run's failures as a plain pytest module that, run from an
    empty directory with the installed wheel (its plugin, its options), fails on the faulty server and passes
    on the reference server."""
    from upscale_conformance.server import serve_in_subprocess
    from upscale_conformance.server.faults import Faults

    bin_dir, key = venv / "bin", "sk_test_export_7c1d2e9a"
    env = _environ() | {"PHOTOROOM_API_KEY": key}
    tool, python = str(bin_dir / "upscale-conformance"), str(bin_dir / "python")
    work, empty, module = tmp_path / "work", tmp_path / "empty", tmp_path / "kept" / "test_kept_failures.py"
    work.mkdir()
    empty.mkdir()

    def pytest_(target: str):
        return subprocess.run([python, "-m", "pytest", str(module), "-p", "no:cacheprovider", "--upscale-target",
                               target], cwd=empty, env=env, capture_output=True, text=True, timeout=300)

    with serve_in_subprocess(api_key=key, faults=Faults(mirror=True)) as url:
        ran = subprocess.run([tool, "run", "--target", str(url), "--quick", "--", "-k", "faithful"], cwd=work,
                             env=env, capture_output=True, text=True, timeout=300)
        assert ran.returncode == 1, (ran.stdout + ran.stderr)[-3000:]
        exported = subprocess.run([tool, "replay", str(work / "reports" / "latest"), "--export-pytest", str(module)],
                                  cwd=work, env=env, capture_output=True, text=True, timeout=120)
        assert exported.returncode == 0, (exported.stdout + exported.stderr)[-3000:]
        faulty = pytest_(str(url))
    assert faulty.returncode == 1 and "fidelity_mirrored" in faulty.stdout, faulty.stdout[-3000:]
    reference = pytest_("local")
    assert reference.returncode == 0 and " passed" in reference.stdout, reference.stdout[-3000:]
    assert key not in module.read_text()

