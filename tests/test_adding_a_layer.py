"""Adding a layer: its rule file, its layer file and one line in nn.py (CONTRIBUTING.md).

A test cannot edit the package, so it plays the three edits: `RULE` is the rule file, run
as the module `typednn._shapes._tile`; `LAYER` is the layer file, run as
`typednn.layers._tile` (a layer class of the package that sets `kind` registers itself
when it is defined: `Layer.__init_subclass__`); and `nn.Tile` is the line in nn.py. Then
the new kind must be found in spec files, exports, codegen and the property tests, with
nothing else edited.

The mypy plugin needs no registration at all: it finds a layer by its class (a subclass
of `tn.Layer` whose `hyper_type` names a `tn.Hyper` dataclass), loads that dataclass
without JAX and runs its rule. `test_the_plugin_checks_the_new_layer` runs mypy on the
same two files as plain modules to show it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import strategies as st

import typednn as tn
from typednn import nn
from typednn.layers import _registry
from typednn.layers._registry import KINDS, kind_of
from typednn.testing import check_layer

ROOT = Path(__file__).resolve().parents[1]

RULE = '''\
"""The rule file: the shape arithmetic, stated once (no JAX)."""

from dataclasses import dataclass
from typing import ClassVar

import typednn as tn


@dataclass(frozen=True, kw_only=True)
class TileHyper(tn.Hyper):
    """Repeats the last axis `times` times: (..., n) -> (..., n * times)."""

    layer: ClassVar[str] = "Tile"
    times: tn.Size

    def __post_init__(self) -> None:
        self.positive("times")

    def rule(self, *inputs: tn.Shape) -> tn.Shape:
        (x,) = inputs
        if x.rank == 0:
            raise tn.ShapeError(self.describe(), "at least one axis", repr(x))
        last, times = x.last, self.times
        return x.with_last(last * times if isinstance(last, int) and isinstance(times, int) else tn.UNKNOWN)
'''

LAYER = '''\
"""The layer file: the typed constructor and the lowering."""

import jax
import jax.numpy as jnp

import typednn as tn
from typednn.layers import P, ParamTree, concrete

from {rule} import TileHyper


class Tile(tn.Layer[*P]):
    """Repeats the last axis `times` times."""

    hyper_type = TileHyper
    kind = "tile"
    hyper: TileHyper

    def __init__(self, times: int, *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        if x.ndim < 2:  # a scalar per example: jnp.tile would tile the batch axis
            raise ValueError(f"Tile needs an axis to tile, not shape {{x.shape}}")
        return jnp.tile(x, (1,) * (x.ndim - 1) + (concrete(self.hyper.times, "times"),))
'''

SPEC = """\
name: tiled
model:
  input: [3]
  layers:
    - tile: 2
    - dense: 4
"""


def _run_as(name: str, source: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Run `source` as the module `name`, as if it were a file of the package."""
    module = ModuleType(name)
    monkeypatch.setitem(sys.modules, name, module)
    exec(compile(source, f"{name.replace('.', '/')}.py", "exec"), module.__dict__)
    return module


@pytest.fixture
def tile(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The new layer's class; afterwards the package's kinds and `nn` are as before."""
    # A copy of typednn's own kinds, so that the registration goes away with the test.
    monkeypatch.setattr(_registry, "_OWN", dict(vars(_registry)["_OWN"]))
    _run_as("typednn._shapes._tile", RULE, monkeypatch)
    layer = _run_as("typednn.layers._tile", LAYER.format(rule="typednn._shapes._tile"), monkeypatch)
    # The one line in nn.py: `from .layers._tile import Tile as Tile` (its __all__ follows).
    monkeypatch.setattr(nn, "Tile", layer.Tile, raising=False)
    monkeypatch.setattr(nn, "__all__", sorted([*nn.__all__, "Tile"]))
    yield layer.Tile
    assert "tile" in KINDS  # still registered inside the test; the monkeypatch then removes it


def model(tile: Any) -> tn.Model[Any, Any]:
    x = tn.Input(3)
    return tn.Model(x, x >> tile(2) >> nn.Dense(4), name="tiled")


def test_defining_the_class_makes_it_a_kind(tile: Any) -> None:
    assert kind_of(tile(2)) is KINDS["tile"]
    assert KINDS["tile"].main_option() == "times"
    assert tile(2).default_name() == "tile"
    assert list(KINDS).count("tile") == 1 and len(KINDS) == len(list(KINDS))
    assert KINDS["tile"].layer is tile  # last: `is` narrows the Any to type[Layer], whose __init__ takes Hyper


def test_spec_files_name_it(tile: Any, tmp_path: Path) -> None:
    path = tmp_path / "tiled.yaml"
    path.write_text(SPEC)
    spec = tn.spec.read(path)
    assert repr(spec.model.outputs.shape) == "(4,)"
    first = spec.model.graph.layers()[0]
    assert isinstance(first, tile) and first.hyper.times == 2
    assert "tile" in str(tn.spec.json_schema()["$defs"]["Layers"])
    # The new rule's shape error, at the entry's line.
    path.write_text(SPEC.replace("input: [3]", "input: []"))
    with pytest.raises(tn.TypednnError, match=r"tiled\.yaml:\d+:\d+"):
        tn.spec.read(path)


def test_exports_save_and_load_it(tile: Any, tmp_path: Path) -> None:
    built = model(tile)
    params = built.init(jax.random.key(0))
    # Keywords: `tn.save` is moving from (model, directory, params) to (model, params, directory).
    tn.save(model=built, params=params, directory=tmp_path / "saved")
    assert '"tile"' in (tmp_path / "saved" / "spec.json").read_text()
    loaded, loaded_params = tn.load(tmp_path / "saved")
    x = jnp.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(loaded.apply(loaded_params, x), built.apply(params, x))


def test_codegen_writes_it_as_nn(tile: Any) -> None:
    built = model(tile)
    source = tn.spec.codegen(built)
    assert "tile = x >> nn.Tile(2)  # (6,)" in source
    namespace: dict[str, Any] = {}
    exec(compile(source, "generated.py", "exec"), namespace)
    rebuilt = namespace["build_model"]()
    params = built.init(jax.random.key(1))
    x = jnp.ones((2, 3))
    np.testing.assert_array_equal(rebuilt.apply(params, x), built.apply(params, x))


def test_the_property_tests_see_it(tile: Any) -> None:
    # The kinds the property tests enumerate (tests/testing/test_testing.py): typednn's own.
    own = [name for name, kind in KINDS.items() if kind.layer.__module__.startswith("typednn.")]
    assert "tile" in own
    # Without a strategy written for it, its cases are drawn from TileHyper's field types,
    # and its rule holds against jax.eval_shape of its lowering.
    check_layer("tile", max_examples=20)
    check_layer(tile, st.builds(vars(sys.modules["typednn._shapes._tile"])["TileHyper"], times=st.integers(1, 3)))


def test_a_layer_outside_the_package_is_a_kind_only_once_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    # A custom layer (or a test's) changes no spec file by being defined: `@tn.register_layer` does it.
    monkeypatch.setattr(_registry, "_CUSTOM", {})
    _run_as("my_rules", RULE, monkeypatch)
    layer = _run_as("my_layers", LAYER.format(rule="my_rules"), monkeypatch)
    assert "tile" not in KINDS
    assert tn.register_layer(layer.Tile) is layer.Tile
    assert KINDS["tile"].layer is layer.Tile and "tile" not in vars(_registry)["_OWN"]


def test_a_layer_of_the_package_with_a_taken_kind_fails_on_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_registry, "_OWN", dict(vars(_registry)["_OWN"]))
    _run_as("typednn._shapes._tile", RULE, monkeypatch)
    source = LAYER.format(rule="typednn._shapes._tile").replace('kind = "tile"', 'kind = "dense"')
    with pytest.raises(tn.TypednnError, match=r"the kind 'dense' is already typednn\.layers\._dense\.Dense's"):
        _run_as("typednn.layers._tile", source, monkeypatch)
    assert KINDS["dense"].layer is nn.Dense


USE = """\
from typing import Literal as L
from typing import assert_type

import typednn as tn
from typednn import nn
from tile_layer import Tile

x = tn.Input(5, 3)
assert_type(x >> Tile(4), tn.Tensor[L[5], L[12]])
y = x >> Tile(2) >> nn.Dense(6, 1)
z = x >> Tile(2) >> nn.Dense(5, 1)
"""


@pytest.mark.slow
def test_the_plugin_checks_the_new_layer(tmp_path: Path) -> None:
    (tmp_path / "tile_rule.py").write_text(RULE)
    (tmp_path / "tile_layer.py").write_text(LAYER.format(rule="tile_rule"))
    (tmp_path / "use.py").write_text(USE)
    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\nstrict = True\nplugins = typednn.mypy\n"
        f"mypy_path = {ROOT / 'stubs'}\ncache_dir = {tmp_path / 'cache'}\n"
        "[mypy-pyarrow.*,orbax.*,tensorboard.*]\nignore_missing_imports = True\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "use.py", "tile_layer.py", "tile_rule.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and errors[0].startswith("use.py:11:"), done.stdout + done.stderr
    assert "Dense" in errors[0] and "[typednn-shape]" in errors[0], errors[0]
