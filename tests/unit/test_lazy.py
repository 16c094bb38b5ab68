"""``lazy.lazy_exports``: a package's names are imported when first read, and only the names it lists exist."""

from __future__ import annotations

import types

import pytest

from upscale_conformance.lazy import exported, lazy_exports


def test_a_name_is_loaded_from_its_module_when_first_read(monkeypatch):
    module = types.ModuleType("pkg_for_lazy_test.heavy")
    module.answer = 42
    imported = []

    def fake_import(name, package):
        imported.append((name, package))
        return module

    monkeypatch.setattr("importlib.import_module", fake_import)
    getattr_ = lazy_exports("pkg_for_lazy_test", {".heavy": ("answer",)})
    assert imported == []  # nothing is imported until a name is read
    assert getattr_("answer") == 42
    assert imported == [(".heavy", "pkg_for_lazy_test")]


def test_a_name_the_package_does_not_list_is_an_attribute_error():
    getattr_ = lazy_exports("pkg_for_lazy_test", {".heavy": ("answer",)})
    with pytest.raises(AttributeError, match="has no attribute 'other'"):
        getattr_("other")




def test_a_package_s_all_is_every_name_it_lists_once():
    assert exported({".a": ("b", "A"), ".c": ("a",)}) == ["A", "a", "b"]
