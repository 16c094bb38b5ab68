"""Fixtures for the project's own tests: reference servers on free ports, requests, test pictures.

``local_server(profile=..., api_key=None, faults=None)`` returns the base URL of a reference
server in a thread of this process. Servers without faults are shared by the whole session (per
xdist worker); ``fresh=True``, a ``die_after`` fault or extra options give a server of the test's
own, stopped when the test ends.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import shutil
from pathlib import Path

import httpx
import numpy as np
import pytest
from _pytest.nodeid import NodeId
from PIL import Image

from upscale_conformance.contract import Profile, contracts_dir, suites_dir
from upscale_conformance.server import Faults, serve_in_thread

DEFAULT_PROFILE = "pixel-budget-2026"
SEED_FORM = {"referenceBox": "originalImage", "removeBackground": "false"}


@pytest.fixture(scope="session")
def _server_pool():
    with contextlib.ExitStack() as stack:
        yield stack, {}


@pytest.fixture
def local_server(_server_pool):
    """Factory fixture: ``local_server(profile, api_key=None, faults=None, fresh=False, **options)``."""
    shared, cache = _server_pool
    with contextlib.ExitStack() as own:

        def start(profile: str | Profile = DEFAULT_PROFILE, api_key: str | None = None,
                  faults: Faults | None = None, *, fresh: bool = False, **options):
            faults = faults or Faults()
            if fresh or options or faults.die_after is not None:
                return own.enter_context(serve_in_thread(profile, api_key, faults, **options))
            key = (profile.path if isinstance(profile, Profile) else str(profile), api_key, faults)
            if key not in cache:
                cache[key] = shared.enter_context(serve_in_thread(profile, api_key, faults))
            return cache[key]

        yield start


@pytest.fixture
def server_url(local_server):
    """The shared server of the default profile."""
    return local_server()


def send_edit(url: str, image: bytes | None, mode: str | None = "ai.fast", *, fields: dict | None = None,
              headers: dict | None = None, key: str | None = "test-key", filename: str = "image.png",
              seed_form: bool = True, timeout: float = 60.0) -> httpx.Response:
    """POST /v2/edit as the seed's curl does; ``fields`` add or override form fields (None drops one)."""
    form = dict(SEED_FORM) if seed_form else {}
    if mode is not None:
        form["upscale.mode"] = mode
    form.update(fields or {})
    form = {k: v for k, v in form.items() if v is not None}
    all_headers = dict(headers or {})
    if key is not None:
        all_headers["x-api-key"] = key
    # Text fields go as file-less parts, so the body is multipart even without an imageFile.
    files = [(k, (None, v)) for k, v in form.items()]
    if image is not None:
        files.insert(0, ("imageFile", (filename, image, "application/octet-stream")))
    return httpx.post(f"{url}/v2/edit", files=files, headers=all_headers, timeout=timeout)


@pytest.fixture
def edit():
    return send_edit


def picture(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A deterministic picture with gradients, a grid and a bright top-left block (asymmetric on
    purpose: a mirror, flip or rotation changes it)."""
    y, x = np.mgrid[0:height, 0:width]
    r = (x * 255 // max(1, width - 1)).astype(np.uint8)
    g = (y * 255 // max(1, height - 1)).astype(np.uint8)
    b = np.where(((x // 4) + (y // 4)) % 2 == 0, 60, 180).astype(np.uint8)
    rgb = np.stack([r, g, b], axis=-1)
    rgb[: max(1, height // 4), : max(1, width // 4)] = (250, 250, 40)
    im = Image.fromarray(rgb, "RGB")
    if mode in ("RGBA", "LA"):
        alpha = np.clip(x * 255 // max(1, width - 1) + 40, 0, 255).astype(np.uint8)
        base = im.convert(mode[:-1])
        base.putalpha(Image.fromarray(alpha, "L"))
        return base
    if mode == "I;16":
        grey = np.asarray(im.convert("L"), dtype=np.uint16) * 257
        return Image.fromarray(grey)  # uint16 gives mode I;16
    return im.convert(mode) if mode != "RGB" else im


def encode(im: Image.Image, fmt: str = "PNG", **params) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


@pytest.fixture
def make_picture():
    return picture


@pytest.fixture
def encode_image():
    return encode


def open_image(content: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(content))
    im.load()
    return im


@pytest.fixture
def decode_image():
    return open_image



def pytest_collection_modifyitems(config, items):
    """Two things for the scheduling of `make test` (``-n 2 --dist loadgroup --no-loadscope-reorder``):

    - The tests of a module that share a module-scoped fixture (one run that several tests assert on) go to one
      worker as one unit, so the fixture runs once, not once per worker.
    - Long runs first: xdist hands out the units in this order as workers free up, so the ``slow`` tests (and the
      units holding one) start at once and the short ones fill in around them, none left alone at the end.
    """
    if config.getoption("loadgroup", False):  # set by xdist, on its workers
        for item in items:
            mark = item.get_closest_marker("xdist_group")
            if mark:
                _join_group(item, str(mark.args[0] if mark.args else mark.kwargs.get("name", "default")))
            elif _shares_a_module_fixture(item):
                _join_group(item, item.nodeid.split("::", 1)[0])
    slow_units = {_unit(item) for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: _unit(item) not in slow_units)  # stable: the collection order otherwise


def pytest_collection_finish(session):
    """What collection loaded (every test module, its imports, the items) lives as long as the session: frozen,
    Python's cycle collector stops walking it again and again (about 5 % of a worker's CPU)."""
    gc.freeze()


def _shares_a_module_fixture(item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    return info is not None and any(d.scope == "module" for defs in info.name2fixturedefs.values() for d in defs)


def _join_group(item, group: str) -> None:
    """What xdist's loadgroup does for an ``xdist_group`` mark: the node id ends in ``@group``, the scheduler's
    unit of work. xdist 3.8 writes ``item._nodeid``, which pytest 9 no longer reads, so it is done here."""
    if "@" not in item.nodeid:
        item._id = NodeId.parse(f"{item.nodeid}@{group}")


def _unit(item) -> str:
    return item.nodeid.rsplit("@", 1)[1] if "@" in item.nodeid else item.nodeid


@pytest.fixture(scope="session", autouse=True)
def _history_store_of_the_session(tmp_path_factory):
    """Every command the tests run records into a store of the session's own (never ./reports/history.sqlite
    of the checkout): the CLI runner passes the environment on."""
    old = os.environ.get("UPSCALE_HISTORY")
    os.environ["UPSCALE_HISTORY"] = f"sqlite:///{tmp_path_factory.mktemp('history') / 'history.sqlite'}"
    yield
    if old is None:
        os.environ.pop("UPSCALE_HISTORY", None)
    else:
        os.environ["UPSCALE_HISTORY"] = old


@pytest.fixture
def contract_copy(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "contracts"
    shutil.copytree(contracts_dir(), folder)
    monkeypatch.setenv("UPSCALE_SUITES_DIR", str(suites_dir()))  # before the contracts move
    monkeypatch.setenv("UPSCALE_CONTRACTS_DIR", str(folder))
    return folder
