"""Limits stated in prose: the vendor writes them in descriptions, not in schema keywords.

A **limit sentence** has a size (``1000x1000``, ``1,000,000 input pixels``, ``1 megapixel``) and
a limiting word (exceed, maximum, limit, up to, at most...), or is a bullet under a line such as
"limited to images with a maximum resolution of:". It is about AI Upscale when it names a mode,
a model or upscaling, or sits under a line or heading that names a mode. Each such sentence is
either parsed into ``(mode, model) -> Limit`` or kept verbatim as unparsed, never dropped.

>>> found = parse_limits("Input limits depend on the model selected. With the default model: "
...                      "maximum 1,000,000 input pixels.", context_mode="ai.fast")
>>> found.limits
{('ai.fast', None): Limit(kind='pixels', max_pixels=1000000, max_width=0, max_height=0)}
>>> parse_limits("The image must not exceed 1000x1000 pixels in dimensions when using `ai.fast` mode, "
...              "and 512x512 pixels when using `ai.slow` mode.").limits[("ai.slow", None)].describe()
'512x512 per axis'
>>> parse_limits("`ai.slow`: up to half a megapixel.").unparsed
['`ai.slow`: up to half a megapixel.']
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from ..contract import MODES, Limit

NUM = r"\d{1,3}(?:[,\u202f\u00a0']\d{3})+|\d+"
DIMS = re.compile(rf"(?<![\w.])({NUM})\s*(?:x|×|by)\s*({NUM})(?![\w.])", re.I)
COUNT = re.compile(rf"(?<![\w.])({NUM}(?:\.\d+)?)\s*(million|M)?\s*(?:input\s+|total\s+)?"
                   r"(pixels?|px|megapixels?|MP)\b", re.I)
VAGUE = re.compile(r"\b(pixels?|megapixels?|MP|resolution|dimensions?)\b", re.I)
LIMITING = re.compile(r"exceed|maximum|\bmax\b|limit|at most|up to|no more than|no larger|larger than|"
                      r"greater than|bigger than|must be (?:smaller|less)|cannot be", re.I)
ABOUT_UPSCALE = re.compile(r"upscal|\bmodel\b", re.I)
MODE_RE = re.compile(r"ai\.[a-z][a-z0-9_]*", re.I)
VERSION_RE = re.compile(r"ai-upscale-\d{4}-\d{2}-\d{2}")
BULLET = re.compile(r"^\s*(?:[*\-•+]|\d+[.)])\s+")
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)")


@dataclass
class ProseLimits:
    limits: dict[tuple[str, str | None], Limit] = field(default_factory=dict)
    sentences: dict[tuple[str, str | None], str] = field(default_factory=dict)
    unparsed: list[str] = field(default_factory=list)

    def merge(self, other: ProseLimits) -> None:
        for key, limit in other.limits.items():
            if key in self.limits and self.limits[key] != limit:
                self.unparsed.append(f"conflicting statements for {key[0]}: {self.sentences[key]!r} and "
                                     f"{other.sentences[key]!r}")
                continue
            self.limits[key], self.sentences[key] = limit, other.sentences[key]
        self.unparsed += [u for u in other.unparsed if u not in self.unparsed]


def _number(text: str) -> int:
    return int(re.sub(r"[,\u202f\u00a0']", "", text))


def sizes(sentence: str) -> list[Limit]:
    """The sizes a sentence states, in order: ``WxH`` per axis, counts as pixel budgets."""
    found: list[tuple[int, Limit]] = []
    taken: list[tuple[int, int]] = []
    for m in DIMS.finditer(sentence):
        found.append((m.start(), Limit("per_axis", max_width=_number(m[1]), max_height=_number(m[2]))))
        taken.append(m.span())
    for m in COUNT.finditer(sentence):
        if any(a <= m.start() < b for a, b in taken):
            continue  # "1000x1000 pixels": the unit belongs to the dimensions
        value = float(re.sub(r"[,\u202f\u00a0']", "", m[1]))
        mega = bool(m[2]) or m[3].lower().startswith("mega") or m[3].upper() == "MP"
        found.append((m.start(), Limit("pixels", max_pixels=round(value * 1_000_000) if mega else round(value))))
    return [limit for _, limit in sorted(found, key=lambda x: x[0])]


def _modes(text: str, known: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(m.lower() for m in MODE_RE.findall(text) if m.lower() in known))


def parse_limits(text: str, context_mode: str | None = None, about_upscale: bool = False,
                 known_modes: tuple[str, ...] = MODES) -> ProseLimits:
    """Every limit sentence of one description. ``context_mode``: the mode the description belongs
    to; ``about_upscale``: the description is an upscale field's, so every limit sentence counts."""
    out = ProseLimits()
    heading_mode, list_intro = context_mode, False
    for raw in html.unescape(text).splitlines():  # docs pages carry entities such as &#x20;
        line = raw.strip()
        if not line:
            continue
        bullet = bool(BULLET.match(line))
        body = BULLET.sub("", line)
        line_modes = _modes(body, known_modes)
        if not bullet:
            list_intro = line.endswith(":") and bool(LIMITING.search(line))
            if len(line_modes) == 1 and (line.startswith("#") or line.endswith(":") or line.startswith("**")) \
                    and not sizes(body):
                heading_mode = line_modes[0]
        for sentence in SENTENCE_END.split(body):
            _sentence(out, sentence.strip(), line_modes[0] if line_modes else heading_mode,
                      limiting=bool(bullet and list_intro), about=about_upscale, known=known_modes)
    return out


def _sentence(out: ProseLimits, sentence: str, inherited: str | None, limiting: bool, about: bool,
              known: tuple[str, ...]) -> None:
    if not (limiting or LIMITING.search(sentence)):
        return
    found = sizes(sentence)
    modes = _modes(sentence, known)
    related = about or bool(modes) or bool(inherited) or bool(ABOUT_UPSCALE.search(sentence) or
                                                               VERSION_RE.search(sentence))
    if not related:
        return
    if not found:
        if VAGUE.search(sentence) and re.search(r"\d|half|quarter|double", sentence, re.I):
            out.unparsed.append(sentence)  # a limit in words this parser does not read
        return
    versions = list(dict.fromkeys(VERSION_RE.findall(sentence)))
    if len(versions) > 1:
        out.unparsed.append(sentence)
        return
    model = versions[0] if versions else None
    if len(found) == 1:
        mode = modes[0] if len(modes) == 1 else (inherited if not modes else None)
        pairs = [(mode, found[0])] if mode else []
    elif len(found) == len(modes):
        pairs = list(zip(modes, found, strict=True))
    else:
        pairs = []
    if not pairs:
        out.unparsed.append(sentence)
        return
    for mode, limit in pairs:
        key = (mode, model)
        if key in out.limits and out.limits[key] != limit:
            out.unparsed.append(f"conflicting statements for {mode}: {out.sentences[key]!r} and {sentence!r}")
        out.limits[key], out.sentences[key] = limit, sentence
