"""A package's names loaded on first use (PEP 562), for the packages whose modules are heavy to import.

A package lists where each name it exports lives, once, and sets ``__getattr__ = lazy_exports(__name__, where)``
and ``__all__ = exported(where)``: importing the package stays cheap, and the module behind a name is imported
when the name is first read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, where: Mapping[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``where`` maps a relative module name to the names it
    provides; any other name is an AttributeError, as for a plain module."""
    module_of = {name: module for module, names in where.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in module_of:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module_of[name], package), name)

    return __getattr__


def exported(where: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Every name ``where`` lists, sorted: the package's ``__all__``, so no name is listed twice."""
    return sorted(name for names in where.values() for name in names)
