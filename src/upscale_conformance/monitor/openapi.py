"""Reading the vendor's whole OpenAPI document and keeping only what AI Upscale depends on.

The vendor publishes one document for every endpoint; only the ``/v2/edit`` operations matter
here (POST with multipart fields, GET with query parameters). Fields may be written dotted
(``upscale.mode``) or nested (``upscale: {properties: {mode: ...}}``), behind ``$ref``, ``allOf``
or ``oneOf``: :func:`edit_fields` flattens all of those to dotted names.

>>> doc = {"paths": {"/v2/edit": {"post": {"requestBody": {"content": {"multipart/form-data": {"schema":
...        {"properties": {"upscale": {"type": "object", "properties": {"mode": {"enum": ["ai.fast"]}}}}}}}}}}}}
>>> r = Resolver(doc)
>>> enum_values(edit_fields(edit_operations(doc), r)["upscale.mode"].schema, r)
('ai.fast',)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConformanceError

EDIT_PATHS = ("/v2/edit", "/v2/edit/")
METHODS = ("post", "get")


class DocumentError(ConformanceError):
    """An OpenAPI document that cannot be read."""

    code = "UC310"


def load_document(path: Path) -> dict[str, Any]:
    """A JSON or YAML OpenAPI document as a mapping; every failure is one :class:`DocumentError` line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(f"{path}: unreadable ({exc})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" or text.lstrip().startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DocumentError(f"{path}: not valid JSON or YAML ({first})") from None
    if not isinstance(data, dict) or not isinstance(data.get("paths"), dict):
        raise DocumentError(f"{path}: not an OpenAPI document (no paths)")
    return data


class Resolver:
    """Follows local ``$ref``s (``#/components/...``); a cycle or a dangling reference ends in ``{}``."""

    def __init__(self, doc: dict[str, Any]):
        self.doc = doc

    def __call__(self, node: Any, seen: frozenset[str] = frozenset()) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                return {}
            seen = seen | {ref}
            target: Any = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, dict) else None
            node = target if target is not None else {}
        return node


@dataclass(frozen=True)
class Field:
    name: str
    schema: dict[str, Any]
    description: str


def edit_operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    paths = doc.get("paths") or {}
    resolve = Resolver(doc)
    ops = []
    for p in EDIT_PATHS:
        item = resolve(paths.get(p)) or {}
        for method in METHODS:
            op = resolve(item.get(method))
            if isinstance(op, dict) and op:
                shared = [resolve(x) for x in item.get("parameters", []) or []]
                ops.append({**op, "parameters": shared + [resolve(x) for x in op.get("parameters", []) or []]})
    return ops


def _walk(schema: Any, prefix: str, resolve: Resolver, out: dict[str, Field], depth: int = 0) -> None:
    """Flatten object properties to dotted names; ``allOf``/``oneOf``/``anyOf`` branches merge."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or depth > 8:
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(key) or []:
            _walk(branch, prefix, resolve, out, depth + 1)
    for name, sub in (schema.get("properties") or {}).items():
        sub = resolve(sub)
        full = f"{prefix}.{name}" if prefix else name
        if isinstance(sub, dict) and (sub.get("properties") or sub.get("allOf")):
            _walk(sub, full, resolve, out, depth + 1)
        if isinstance(sub, dict):
            _add(out, full, sub, resolve)


def _add(out: dict[str, Field], name: str, schema: dict[str, Any], resolve: Resolver, text: str = "") -> None:
    description = "\n".join(t for t in (text, schema.get("description") or "") if t)
    if name in out:  # the same field in GET and POST: keep both descriptions and both enums
        old = out[name]
        merged = {"enum": list(dict.fromkeys([*enum_values(old.schema, resolve), *enum_values(schema, resolve)]))}
        if not merged["enum"]:
            merged = old.schema
        description = "\n".join(dict.fromkeys(t for t in (old.description, description) if t))
        schema = {**old.schema, **merged}
    out[name] = Field(name, schema, description)


def edit_fields(ops: list[dict[str, Any]], resolve: Resolver) -> dict[str, Field]:
    """Every form field and query parameter of the edit operations, by dotted name."""
    out: dict[str, Field] = {}
    for op in ops:
        for param in op.get("parameters", []):
            if isinstance(param, dict) and param.get("in") in ("query", "formData"):
                schema = resolve(param.get("schema") or {})
                if isinstance(schema, dict) and schema.get("properties"):
                    _walk(schema, param.get("name", ""), resolve, out)
                _add(out, param.get("name", ""), schema if isinstance(schema, dict) else {}, resolve,
                     param.get("description") or "")
        body = resolve(op.get("requestBody") or {})
        for media in (body.get("content") or {}).values() if isinstance(body, dict) else []:
            _walk((media or {}).get("schema"), "", resolve, out)
    return out


def enum_values(schema: Any, resolve: Resolver) -> tuple[str, ...]:
    """Allowed values: ``enum``, ``const``, ``oneOf``/``anyOf`` of those, or an array's items'."""
    schema = resolve(schema)
    if not isinstance(schema, dict):
        return ()
    values = [str(v) for v in schema.get("enum") or []]
    if "const" in schema:
        values.append(str(schema["const"]))
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(key) or []:
            values += enum_values(branch, resolve)
    if schema.get("items"):
        values += enum_values(schema["items"], resolve)
    return tuple(dict.fromkeys(values))


def header(ops: list[dict[str, Any]], name: str, resolve: Resolver) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """The header parameter ``name`` (case-insensitive) and its allowed values, or (None, ())."""
    for op in ops:
        for param in op.get("parameters", []):
            if isinstance(param, dict) and param.get("in") == "header" and str(param.get("name", "")).lower() == name:
                return param, enum_values(param.get("schema") or {}, resolve)
    return None, ()


def shape(schema: Any, resolve: Resolver, depth: int = 0) -> Any:
    """A schema's structure: property names (``!`` when required) and types, nothing else."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or depth > 6:
        return "any"
    merged: dict[str, Any] = {}
    for branch in schema.get("allOf") or []:
        sub = shape(branch, resolve, depth + 1)
        if isinstance(sub, dict):
            merged.update(sub)
    required = set(schema.get("required") or [])
    for name, sub in (schema.get("properties") or {}).items():
        merged[name + ("!" if name in required else "")] = shape(sub, resolve, depth + 1)
    if merged:
        return merged
    if schema.get("type") == "array":
        return [shape(schema.get("items"), resolve, depth + 1)]
    return schema.get("type") or ("object" if schema.get("additionalProperties") is not None else "any")


def error_shapes(ops: list[dict[str, Any]], resolve: Resolver) -> dict[str, str]:
    """Per error status of POST (else GET) /v2/edit: the JSON body's shape."""
    out: dict[str, str] = {}
    for op in ops:
        for status, response in (op.get("responses") or {}).items():
            status = str(status)
            if status in out or not (status[0] in "45" or status == "default"):
                continue
            response = resolve(response)
            content = (response.get("content") or {}) if isinstance(response, dict) else {}
            media = next((v for k, v in content.items() if "json" in k), None)
            out[status] = json.dumps(shape((media or {}).get("schema"), resolve), sort_keys=True) if media else \
                "no JSON body"
    return dict(sorted(out.items()))
