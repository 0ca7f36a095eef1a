"""The public face: every exported name resolves, and no private name leaks (style.md)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import typednn
from typednn._model import Model
from typednn._shapes import ShapeError
from typednn.layers import Input

EXPORTING = [
    "typednn",
    "typednn.nn",
    "typednn.layers",
    "typednn.data",
    "typednn.spec",
    "typednn.cli",
    "typednn._shapes",
]


def public_modules() -> list[str]:
    """Every module of the package whose dotted path has no private part."""
    names = ["typednn"]
    for info in pkgutil.walk_packages(typednn.__path__, "typednn."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def exported(module: ModuleType) -> list[str]:
    names: list[str] = getattr(module, "__all__", [])
    return names


@pytest.mark.parametrize("name", EXPORTING)
def test_every_exported_name_resolves(name: str) -> None:
    module = importlib.import_module(name)
    assert exported(module), f"{name} has no __all__"
    assert len(set(exported(module))) == len(exported(module)), f"{name}.__all__ lists a name twice"
    for item in exported(module):
        assert getattr(module, item) is not None, f"{name}.{item}"


@pytest.mark.parametrize("name", public_modules())
def test_no_private_name_in_all(name: str) -> None:
    module = importlib.import_module(name)
    private = [item for item in exported(module) if item.startswith("_")]
    assert not private, f"{name}.__all__ exposes {private}"
    for item in exported(module):
        getattr(module, item)


def test_public_modules_are_found() -> None:
    assert {"typednn.nn", "typednn.layers", "typednn.data", "typednn.mypy"} <= set(public_modules())


def test_dir_of_the_package_has_no_private_names() -> None:
    dunder = [name for name in dir(typednn) if name.startswith("__") and name.endswith("__")]
    private = [name for name in dir(typednn) if name.startswith("_") and name not in dunder]
    assert not private, private
    assert set(typednn.__all__) <= set(dir(typednn))


def test_lazy_names_are_the_real_objects() -> None:
    assert typednn.Model is Model
    assert typednn.ShapeError is ShapeError
    assert typednn.Input is Input
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        typednn.nope  # noqa: B018
