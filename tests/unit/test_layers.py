"""The engine's layers (ARCHITECTURE.md, "Which layer may import which"), held to the code: read
every module's imports (lazy ones inside functions too) and check the rules and the absence of
import circles between the engine's parts. No server, no subprocess."""

from __future__ import annotations

import ast
from pathlib import Path

import upscale_conformance

ROOT = Path(upscale_conformance.__file__).parent
PACKAGE = "upscale_conformance"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every upscale_conformance module ``path`` imports, as absolute names."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith(PACKAGE):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(PACKAGE))
    return found


def part(module: str) -> str:
    """The engine part a module belongs to: a top-level module is its own part, a package is one."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else PACKAGE


def _modules() -> dict[str, set[str]]:
    known = {_module_name(p) for p in ROOT.rglob("*.py")}
    return {_module_name(p): {i for i in _imports(p) if i in known}
            for p in ROOT.rglob("*.py")}


def test_nothing_imports_the_command_line_or_the_pytest_plugin():
    wrong = []
    for module, imported in _modules().items():
        for target in imported:
            if part(target) == "cli" and part(module) != "cli" and module != f"{PACKAGE}.server.__main__" \
                    and module != f"{PACKAGE}.__main__":
                wrong.append(f"{module} imports {target}")
            if part(target) == "plugin" and part(module) != "plugin":
                wrong.append(f"{module} imports {target}")
            if part(target) == "tools" and part(module) != "tools":
                wrong.append(f"{module} imports {target}")
    assert not wrong, wrong


def test_the_client_depends_on_the_vocabulary_only():
    allowed = {"client", "contract", "errors"}
    wrong = [f"{m} imports {t}" for m, imported in _modules().items() if part(m) == "client"
             for t in imported if part(t) not in allowed]
    assert not wrong, wrong


def test_no_import_circle_between_the_engine_s_parts():
    graph: dict[str, set[str]] = {}
    for module, imported in _modules().items():
        if module.endswith("__main__"):  # `python -m` entry points are front doors, like cli/
            continue
        graph.setdefault(part(module), set()).update(part(t) for t in imported if part(t) != part(module))
    graph.pop(PACKAGE, None)  # __init__ / __main__: the version and the entry point
    for edges in graph.values():
        edges.discard(PACKAGE)

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    return [*path, start]
                if nxt not in path:
                    stack.append((nxt, [*path, nxt]))
        return None

    circles = [c for c in (cycle_from(n) for n in sorted(graph)) if c]
    assert not circles, circles[0]
