"""The engine's layers (ARCHITECTURE.md, "Which layer may import which"), held to the code: read
every module's imports (lazy ones inside functions too) and check the rules and the absence of
import circles between the engine's parts. No server, no subprocess."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import upscale_conformance

ROOT = Path(upscale_conformance.__file__).parent
PACKAGE = "upscale_conformance"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str | None = None) -> set[str]:
    """Every upscale_conformance module ``path`` (named ``name``, by default from its place) imports."""
    name = name or _module_name(path)
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


ARCHITECTURE = ROOT.parent.parent / "ARCHITECTURE.md"
SUITES = ROOT.parent.parent / "suites"
VOCABULARY = ("errors", "data", "orientation", "findings", "verdicts", "lazy", "contract", "strategies", "checks")


def import_table(text: str) -> dict[str, set[str]]:
    """ARCHITECTURE.md's import table: part -> the parts (``client``) and single modules (``client.secret``) it
    may import, read from the fenced block after the heading "Which layer may import which".

    >>> sorted(import_table("## Which layer may import which\\n```\\nload/ -> client/, x/y  # why\\n```")["load"])
    ['client', 'x.y']
    """
    block = text.split("## Which layer may import which", 1)[1].split("```")[1]
    table: dict[str, set[str]] = {}
    for line in block.splitlines():
        if "->" not in line:
            continue
        left, right = (side.split("#", 1)[0] for side in line.split("->", 1))
        allowed: set[str] = set()
        for token in filter(None, (t.strip().rstrip("/") for t in right.split(","))):
            allowed.update(VOCABULARY if token == "vocabulary" else {token.replace("/", ".")})
        for name in filter(None, (t.strip().rstrip("/") for t in left.split(","))):
            table[name] = allowed
    return table


def _suites() -> dict[str, set[str]]:
    """The suites' imports of the engine (they ship inside the wheel as ``upscale_conformance.suites``)."""
    known = {_module_name(p) for p in ROOT.rglob("*.py")}
    return {f"suites.{p.stem}": {i for i in _imports(p, f"suites.{p.stem}") if i in known}
            for p in SUITES.glob("*.py")}


def _source(module: str) -> str:
    return "suites" if module.startswith("suites.") else part(module)


def _allowed(module: str, target: str, table: dict[str, set[str]]) -> bool:
    source, goal = _source(module), part(target)
    if goal in (source, PACKAGE):  # itself, or the package root (the version)
        return True
    if module in (f"{PACKAGE}.server.__main__", f"{PACKAGE}.__main__") and goal == "cli":  # front doors
        return True
    inner = target.removeprefix(f"{PACKAGE}.")
    return goal in table[source] or any(inner == a or inner.startswith(a + ".") for a in table[source])


def _table() -> dict[str, set[str]]:
    return import_table(ARCHITECTURE.read_text(encoding="utf-8"))


def test_every_import_keeps_the_table_of_architecture_md():
    table, modules = _table(), {**_modules(), **_suites()}
    without_row = sorted({_source(m) for m in modules} - set(table) - {PACKAGE, "__main__"})  # root's own
    assert not without_row, f"parts with no row in ARCHITECTURE.md's import table: {without_row}"
    wrong = sorted(f"{m} imports {t}" for m, imported in modules.items() for t in imported
                   if not _allowed(m, t, table))
    assert not wrong, wrong


def test_the_table_refuses_what_it_must():
    """The rule has teeth: the table read from ARCHITECTURE.md refuses the imports it must refuse."""
    table = _table()
    assert not _allowed(f"{PACKAGE}.client.transport", f"{PACKAGE}.server.app", table)
    assert not _allowed(f"{PACKAGE}.report.html", f"{PACKAGE}.cli.run", table)
    assert not _allowed(f"{PACKAGE}.running.runner", f"{PACKAGE}.plugin.fixtures", table)
    assert not _allowed(f"{PACKAGE}.server.app", f"{PACKAGE}.client.transport", table)  # client/secret only
    assert _allowed(f"{PACKAGE}.server.app", f"{PACKAGE}.client.secret", table)
    assert not _allowed(f"{PACKAGE}.contract", f"{PACKAGE}.checks", table)


def test_nothing_imports_the_command_line_the_pytest_plugin_or_the_tools():
    """Stated apart from the rows because it is the rule a newcomer must not break by adding a row."""
    for source, allowed in _table().items():
        if source not in ("cli", "tools", "suites"):
            assert not allowed & {"cli", "plugin", "tools"}, f"{source}'s row allows cli/, plugin/ or tools/"
        assert not allowed & {"tools"} and (source == "suites" or "plugin" not in allowed), source


def test_the_client_depends_on_the_contract_and_the_errors_only():
    assert _table()["client"] == {"contract", "errors"}


def test_architecture_md_names_every_module():
    """Every module is named in ARCHITECTURE.md on a line that also names its package (``client/`` and
    ``transport.py``, or ``parallel/`` and ``png``), a top-level module as ``name.py``."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    lines = text.splitlines()
    unnamed = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "migrations" in rel.parts or path.name == "__main__.py":
            continue
        if path.name == "__init__.py":
            if len(rel.parts) > 1 and f"{rel.parts[-2]}/" not in text:
                unnamed.append(str(rel))
        elif len(rel.parts) == 1:
            if f"{path.stem}.py" not in text:
                unnamed.append(str(rel))
        else:
            word = re.compile(rf"(?<![\w-]){re.escape(path.stem)}(?![\w-])")
            if not any(f"{rel.parts[-2]}/" in line and word.search(line) for line in lines):
                unnamed.append(str(rel))
    assert not unnamed, f"modules ARCHITECTURE.md does not name: {unnamed}"


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
