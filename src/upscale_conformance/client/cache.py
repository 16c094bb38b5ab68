"""The opt-in response cache: re-runs against a paid target cost nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .request import UpscaleRequest
from .result import UpscaleResult
from .retry import RETRY_STATUSES
from .secret import Secret


class ResponseCache:
    """Opt-in on-disk cache keyed by request content, so re-runs against a paid target cost nothing."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def key(self, base_url: str, request: UpscaleRequest, key: Secret) -> str:
        h = hashlib.sha256()
        h.update(base_url.rstrip("/").encode())
        h.update(json.dumps([request.form(), sorted(request.headers().items())]).encode())
        h.update(hashlib.sha256(request.image or b"<none>").digest())
        if request.raw is not None or request.params:  # only then, so a seed request's key never changes
            h.update(json.dumps(request.params).encode())
            h.update(hashlib.sha256(b"raw:" + (request.raw.content if request.raw else b"")).digest())
        h.update(request.filename.encode() + request.file_content_type.encode())
        # A fingerprint of the key, so answers for different keys (auth tests) never mix.
        h.update(hashlib.sha256(b"key:" + key.reveal().encode()).digest())
        return h.hexdigest()

    def get(self, digest: str) -> UpscaleResult | None:
        meta = self.folder / f"{digest}.json"
        body = self.folder / f"{digest}.bin"
        if not (meta.is_file() and body.is_file()):
            return None
        info = json.loads(meta.read_text())
        return UpscaleResult(info["status"], info["headers"], body.read_bytes(), info["elapsed"],
                             from_cache=True, request=info.get("request", ""))

    def put(self, digest: str, result: UpscaleResult) -> None:
        if result.status >= 500 or result.status in RETRY_STATUSES:
            return  # transient answers are never worth replaying
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{digest}.bin").write_bytes(result.content)
        info = {"status": result.status, "headers": result.headers, "elapsed": result.elapsed,
                "request": result.request}
        (self.folder / f"{digest}.json").write_text(json.dumps(info))
