"""What a test leaves for a person: clause labels in JUnit and Allure, pictures of the exchange behind a
violation, the curl reproduction, the request's parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from .state import TEST, scrub


def clause_ids(node) -> list[str]:
    """The clause IDs a test is marked with (``@pytest.mark.clause``)."""
    return [c for m in node.iter_markers("clause") for c in m.args]


@pytest.fixture(autouse=True)
def _clause_labels(request):
    """Every suite test carries its clause IDs into the reports: a `clauses` property of its JUnit test
    case, and tags and a `clause` label in Allure."""
    clauses = clause_ids(request.node)
    if clauses:
        import allure

        from .options import option

        request.node.user_properties.append(("clauses", " ".join(clauses)))
        allure.dynamic.parameter("profile", option(request.config, "upscale_profile") or "default")
        for cid in clauses:
            allure.dynamic.tag(cid)
            allure.dynamic.label("clause", cid)
    yield


def keep_pictures(violation, node, folder) -> None:
    """Thumbnails of the request and the answer behind a violation, beside the summary, for index.html."""
    from ..report.pictures import save_exchange

    state = node.stash.get(TEST, None)
    exchange = state.exchange if state else None
    if exchange is not None and exchange[1] is not None and "input_image" not in violation.evidence:
        violation.evidence.update(save_exchange(*exchange, folder, node.nodeid))
    _attach_to_allure(violation, node.config)


def keep_bundle(violation, node, folder) -> None:
    """The bundle behind a violation (replay/bundle.py): the exact exchange and the finding with its check's
    call, in ``bundles/<clause>-<n>/`` beside the summary, at most MAX_BUNDLES_PER_CLAUSE per clause; its
    folder is named in the violation's evidence (relative to the report folder when there is one). A finding
    no replayable check made (Schemathesis's) still gets one: its exchange, by hand with curl.sh."""
    from ..replay import new_bundle_folder, write_bundle
    from .options import option, target

    state = node.stash.get(TEST, None)
    exchange = state.exchange if state else None
    if exchange is None or "bundle" in violation.evidence:
        return  # nothing answered to keep
    bundle = new_bundle_folder(folder, violation.clause, smallest="smallest_input" in violation.evidence)
    if bundle is None:
        return
    from ..contract import load_profile

    config = node.config
    write_bundle(bundle, *exchange, violation, target=target(config), base_url=state.base_url,
                 profile=load_profile(option(config, "upscale_profile") or None).id,
                 scrub=lambda text: scrub(config, text))
    summary = option(config, "upscale_summary")
    violation.evidence["bundle"] = str(bundle.relative_to(Path(summary).parent) if summary else bundle)


def _attach_to_allure(violation, config) -> None:
    """The pictures and the curl reproduction, as Allure attachments of the running test."""
    import allure

    for key in ("input_image", "output_image", "diff_image"):
        if violation.evidence.get(key):
            allure.attach.file(violation.evidence[key], name=f"{violation.clause} {key.removesuffix('_image')}",
                               attachment_type=allure.attachment_type.PNG)
    if violation.curl:
        allure.attach(scrub(config, violation.curl), name=f"{violation.clause} curl",
                      attachment_type=allure.attachment_type.TEXT)


def allure_parameters(req) -> None:
    """What the test's (last) request asked for, as Allure parameters."""
    import allure

    size = f"{len(req.image):,} B" if req.image is not None else "none"
    for name, value in (("mode", req.mode), ("model header", req.model_version or "none"),
                        ("export format", req.export_format or "png (default)"), ("imageFile", size)):
        allure.dynamic.parameter(name, value)


def describe_request(req) -> str:
    """The input a request sent, read back from its bytes (what the target saw, not what the suite meant):
    ``ai.fast 50x20001 RGB PNG``, the size as a viewer shows it, then the EXIF orientation and options."""
    import io

    from PIL import Image

    from .. import orientation

    parts = [req.mode or "no mode"]
    if req.image is not None:
        try:
            with Image.open(io.BytesIO(req.image)) as im:  # the header only: no pixels are decoded
                turn = orientation.read(im)
                w, h = orientation.shown_size(im.size, turn)
                parts.append(f"{w}x{h} {im.mode} {im.format}" + (f" EXIF {turn}" if turn != 1 else ""))
        except Exception:
            parts.append(f"{len(req.image):,} B that are no image")
    for name, value in (("model", req.model_version), ("export", req.export_format),
                        ("downscaleIfNeeded", req.downscale)):
        if value is not None:
            parts.append(f"{name} {value}")
    return " ".join(parts)
