"""A failure kept as a test: a plain pytest module, one test per bundle, run by the plugin's options.

The bundles are copied into ``<module stem>_bundles/`` beside the module, which finds them relative to
its own file, so the module and that folder move together (commit both).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .bundle import Bundle

_HEADER = '''"""Failures kept as tests, written by `upscale-conformance replay --export-pytest`.

Each test sends a bundle's request (in {folder}/ beside this file) through the upscale-conformance
plugin's client and calls the same check with the same arguments; it fails while the failure is there.
The target is the plugin's `--upscale-target` (default `local`, the reference server); the key comes
from $PHOTOROOM_API_KEY. A call that gets no answer to judge skips the test as INCONCLUSIVE.

    pytest {module} --upscale-target https://your-upscaler.example.com
"""

from pathlib import Path

from upscale_conformance.replay import try_once

BUNDLES = Path(__file__).parent / "{folder}"

'''

_TEST = '''

def test_{name}(upscale_client, upscale_guarded):
    """{clause}: {message}"""
    found = upscale_guarded(try_once, BUNDLES / "{bundle}", upscale_client)
    assert not found, "\\n".join(str(v) for v in found)
'''


def export_pytest(bundles: list[Bundle], module: Path) -> Path:
    """Write ``module`` and copy the bundles beside it; returns the bundles' folder."""
    module = Path(module)
    folder = module.parent / f"{module.stem}_bundles"
    folder.mkdir(parents=True, exist_ok=True)
    parts = [_HEADER.format(folder=folder.name, module=module.name)]
    for b in bundles:
        shutil.copytree(b.folder, folder / b.name, dirs_exist_ok=True)
        name = re.sub(r"\W", "_", b.name).lower()
        message = b.finding.message.replace("\\", "/").replace('"""', "'''")[:200]
        parts.append(_TEST.format(name=name, clause=b.clause, message=message, bundle=b.name))
    module.write_text("".join(parts))
    return folder
