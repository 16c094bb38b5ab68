"""A golden's history: approve writes a candidate over a golden and keeps the one it replaces; revert
goes back one. Nothing is ever deleted.

Beside ``<stem>.json`` (and its PNGs), ``<stem>.history/<n>/`` holds the baseline that approval ``n``
replaced (1 the oldest), with its PNGs; ``revert`` moves the newest back into place and keeps the golden
it reverts away from in ``<stem>.history/reverted/<n>/``. The store's own listing (:meth:`GoldenStore.files`)
takes only files directly in a mode-and-model folder, so history is never checked nor pruned as unused.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from .candidates import Candidate, matches
from .document import Golden
from .keys import IMAGE_SUFFIXES, Combo, GoldenKey


def _files(folder: Path, stem: str) -> list[Path]:
    return [p for p in (folder / f"{stem}{s}" for s in (".json", *IMAGE_SUFFIXES)) if p.is_file()]


def history_dir(root: Path, key: GoldenKey) -> Path:
    return key.folder(root) / f"{key.stem}.history"


def _numbered(folder: Path) -> list[int]:
    return sorted(int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit()) if folder.is_dir() else []


def _move(files: list[Path], into: Path) -> None:
    into.mkdir(parents=True)
    for path in files:
        shutil.move(str(path), into / path.name)


def approve(root: Path, candidate: Candidate, provenance: dict[str, str]) -> int | None:
    """Write the candidate as the golden of its key, with ``provenance``; the golden it replaces goes to
    history. Returns the history number the old golden got (None: there was none)."""
    key, folder = candidate.key, candidate.key.folder(root)
    old = _files(folder, key.stem)
    kept = None
    if old:
        kept = (_numbered(history_dir(root, key)) or [0])[-1] + 1
        into = history_dir(root, key) / str(kept)
        into.mkdir(parents=True)
        for path in old:
            shutil.copy2(path, into / path.name)
    folder.mkdir(parents=True, exist_ok=True)
    for name in (candidate.golden.thumbnail, *(p["file"] for p in candidate.golden.patches.values())):
        shutil.copy2(candidate.folder / name, folder / name)
    doc = replace(candidate.golden, approved=dict(provenance))
    key.json_path(root).write_text(doc.to_json(), encoding="utf-8")
    return kept


def revert(root: Path, key: GoldenKey) -> int | None:
    """Put the newest baseline of the history back in place; the current golden is kept under
    ``reverted/``. Returns the history number restored (None: no history, nothing changed)."""
    hist = history_dir(root, key)
    numbers = _numbered(hist)
    if not numbers:
        return None
    current = _files(key.folder(root), key.stem)
    if current:
        _move(current, hist / "reverted" / str((_numbered(hist / "reverted") or [0])[-1] + 1))
    back = hist / str(numbers[-1])
    for path in list(back.iterdir()):
        shutil.move(str(path), key.folder(root) / path.name)
    back.rmdir()  # emptied: every file it held is the golden in place now
    return numbers[-1]


def revert_each(root: Path, target: str, profile: str, wanted: tuple[str, ...] = ()) -> list[tuple[GoldenKey, int]]:
    """:func:`revert` every golden of a target and profile (only those ``wanted`` names, if any): the goldens
    put back, each with the history number restored; one without history is left as it is."""
    done = []
    for key in keys(root, target, profile, wanted):
        back = revert(root, key)
        if back is not None:
            done.append((key, back))
    return done


@dataclass
class Baseline:
    label: str  # current | <n> (replaced by approval n... newest first) | reverted/<n>
    golden: Golden
    path: Path


def baselines(root: Path, key: GoldenKey) -> list[Baseline]:
    """The current golden, then the ones it replaced (newest first), then the ones reverted away from."""
    out = []
    current = key.json_path(root)
    if current.is_file():
        out.append(Baseline("current", Golden.from_json(current.read_text(encoding="utf-8"), str(current)), current))
    hist = history_dir(root, key)
    for label, folder in ([(str(n), hist / str(n)) for n in reversed(_numbered(hist))]
                          + [(f"reverted/{n}", hist / "reverted" / str(n))
                             for n in reversed(_numbered(hist / "reverted"))]):
        doc = folder / f"{key.stem}.json"
        if doc.is_file():
            out.append(Baseline(label, Golden.from_json(doc.read_text(encoding="utf-8"), str(doc)), doc))
    return out


def keys(root: Path, target: str, profile: str, wanted: tuple[str, ...] = ()) -> list[GoldenKey]:
    """Every golden key of a target and profile, current or only in history; with ``wanted``, only those it
    names (:func:`.candidates.matches`)."""
    base = Path(root) / target / profile
    found = set()
    for path in base.glob("*/*.json") if base.is_dir() else []:
        found.add(GoldenKey(target, profile, Combo.parse(path.parent.name), _input_name(path)))
    for path in base.glob("*/*.history") if base.is_dir() else []:
        stem = path.name.removesuffix(".history")
        found.add(GoldenKey(target, profile, Combo.parse(path.parent.name), _input_name(path.parent / f"{stem}.json",
                                                                                         fallback=stem)))
    return sorted((k for k in found if matches(wanted, k)), key=lambda k: (k.combo.slug, k.input_name))


def _input_name(doc: Path, fallback: str = "") -> str:
    """The input file a golden belongs to (its document says; the key's stem is all a path tells)."""
    if doc.is_file():
        return Golden.from_json(doc.read_text(encoding="utf-8"), str(doc)).input
    return fallback + ".png"


def provenance_of(golden: Golden) -> str:
    """One line: approved (run, when, reason, tool) or recorded (when, from where, tool)."""
    return provenance(golden.recorded_at, golden.recorded_from, golden.approved)


def provenance(recorded_at: str, recorded_from: dict, approved: dict) -> str:
    """:func:`provenance_of` from a golden's provenance fields alone (a candidate's verdict keeps only them)."""
    if approved:
        a = approved
        return (f"approved {a.get('at', '?')} from run {a.get('run', '?')}: {a.get('reason', '')!r} "
                f"({a.get('tool', '')})")
    src = recorded_from
    return f"recorded {recorded_at} from {src.get('url') or src.get('target', '?')} ({src.get('tool', '')})"
