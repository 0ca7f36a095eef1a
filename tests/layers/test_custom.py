"""Custom layers: `@tn.register_layer` makes a user's layer work everywhere a built-in one does.

The example layer is `examples/swiglu.py`; its mypy side is in tests/typecheck/ok_custom.py
and bad_custom.py.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import typednn as tn
from examples.swiglu import SwiGLU, SwiGLUHyper  # importable: conftest.py puts the root on the path
from typednn import nn
from typednn.layers import _registry
from typednn.layers._registry import KINDS, kind_of, register_layer

ROOT = Path(__file__).resolve().parents[2]

SPEC = """\
name: custom
model:
  input: [6]
  layers:
    - swiglu: 8
    - swiglu: {units: 4, name: mixer}
    - dense: 2
"""


@pytest.fixture(autouse=True)
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test registers afresh; the rest of the suite sees only typednn's own kinds."""
    monkeypatch.setattr(_registry, "_CUSTOM", {})
    register_layer(SwiGLU)
    yield


def model() -> tn.Model[Any, Any]:
    x = tn.Input(6)
    return tn.Model(x, x >> SwiGLU(8) >> SwiGLU(4, name="mixer") >> nn.Dense(2), name="custom")


def test_a_registered_layer_is_a_kind() -> None:
    assert KINDS["swiglu"].layer is SwiGLU
    assert kind_of(SwiGLU(3)) is KINDS["swiglu"]
    assert KINDS["swiglu"].main_option() == "units"
    assert "swiglu" in set(KINDS) and len(KINDS) == len(list(KINDS))
    assert SwiGLU(3).default_name() == "swiglu"


def test_registering_the_same_class_again_is_allowed() -> None:
    assert register_layer(SwiGLU) is SwiGLU


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Nothing(tn.Hyper):
    layer: ClassVar[str] = "Nothing"

    def rule(self, *inputs: tn.Shape) -> tn.Shape:
        return inputs[0]


def _layer_class(kind: object, hyper: object = _Nothing) -> type[tn.Layer]:
    namespace: dict[str, object] = {"hyper_type": hyper}
    if kind is not None:
        namespace["kind"] = kind
    return type("Nothing", (tn.Layer,), namespace)


@pytest.mark.parametrize(
    ("kind", "hyper", "words"),
    [
        (None, _Nothing, "needs its own `kind`"),
        ("Not Snake", _Nothing, "snake_case name, not 'Not Snake'"),
        ("dense", _Nothing, "the kind 'dense' is already typednn.layers._dense.Dense's"),
        ("swiglu", _Nothing, "already examples.swiglu.SwiGLU's"),
        ("nothing", int, "`hyper_type` must be a `typednn.Hyper` dataclass"),
    ],
)
def test_registration_errors(kind: object, hyper: object, words: str) -> None:
    with pytest.raises(tn.TypednnError) as caught:
        register_layer(_layer_class(kind, hyper))
    assert words in caught.value.message
    assert caught.value.hint


def test_spec_validation_export_and_codegen_pick_it_up(tmp_path: Path) -> None:
    path = tmp_path / "custom.yaml"
    path.write_text(SPEC)
    spec = tn.spec.read(path)
    assert repr(spec.model.outputs.shape) == "(2,)"
    assert [repr(layer) for layer in spec.model.graph.layers()] == ["SwiGLU(8)", "SwiGLU(4)", "Dense(2)"]
    schema = tn.spec.json_schema()
    assert "swiglu" in str(schema["$defs"]["Layers"])
    # Shape errors come from the custom rule, at the entry's line.
    path.write_text(SPEC.replace("input: [6]", "input: []"))
    with pytest.raises(tn.TypednnError, match=r"custom.yaml:\d+:\d+"):
        tn.spec.read(path)
    # Export and load: the same numbers.
    built = model()
    params = built.init(jax.random.key(0))
    tn.save(built, params, tmp_path / "saved")
    loaded, loaded_params = tn.load(tmp_path / "saved")
    x = jnp.arange(12.0).reshape(2, 6)
    np.testing.assert_array_equal(loaded.apply(loaded_params, x), built.apply(params, x))
    # codegen imports the class from its module.
    source = tn.spec.codegen(built)
    assert "from examples.swiglu import SwiGLU" in source
    assert 'x >> SwiGLU(8, name="swiglu")' in source
    namespace: dict[str, Any] = {}
    exec(compile(source, "generated.py", "exec"), namespace)
    rebuilt = namespace["build_model"]()
    np.testing.assert_array_equal(rebuilt.apply(params, x), built.apply(params, x))


def test_an_unregistered_kind_says_how_to_register(tmp_path: Path) -> None:
    _registry._CUSTOM.clear()
    path = tmp_path / "custom.yaml"
    path.write_text(SPEC)
    with pytest.raises(tn.TypednnError, match="unknown layer kind 'swiglu'") as caught:
        tn.spec.read(path)
    assert "--import MODULE" in (caught.value.hint or "")


def test_the_rule_is_checked_against_the_lowering() -> None:
    for shape in [(6,), (3, 5), (2, 3, 4)]:
        layer = SwiGLU(7)
        x = tn.Input(*shape)
        params = layer.init(jax.random.key(1), x.shape)
        out = jax.eval_shape(
            lambda p, a, layer=layer: layer.apply(p, a, key=None, training=False), params, jnp.zeros((2, *shape))
        )
        assert out.shape[1:] == tuple(layer(x).shape.dims)
    with pytest.raises(tn.HyperparameterError, match=r"SwiGLU\(0\): units must be a positive int"):
        SwiGLU(0)  # type: ignore[typednn-param]
    assert SwiGLUHyper(units=3).output_shape(tn.Shape.of(5, 2)) == tn.Shape.of(5, 3)


def typednn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *args], capture_output=True, text=True, cwd=ROOT, check=False, timeout=300
    )


def test_cli_imports_the_module(tmp_path: Path) -> None:
    spec = ROOT / "examples" / "swiglu.yaml"
    for module in ("examples/swiglu.py", "examples.swiglu"):
        done = typednn("summary", "--import", module, str(spec))
        assert done.returncode == 0, done.stderr
        assert "SwiGLU(128)" in done.stdout
    out = tmp_path / "model.py"
    done = typednn("codegen", "--import", "examples/swiglu.py", str(spec), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "from examples.swiglu import SwiGLU" in out.read_text()
    # Without the module the kind is unknown, and the hint says how to import it.
    done = typednn("check", str(spec))
    assert done.returncode == 1
    assert "unknown layer kind 'swiglu'" in done.stderr and "--import MODULE" in done.stderr


def test_cli_import_errors(tmp_path: Path) -> None:
    spec = str(ROOT / "examples" / "swiglu.yaml")
    done = typednn("check", "--import", "no_such_module", spec)
    assert done.returncode == 2
    assert "--import no_such_module: no module named 'no_such_module'" in done.stderr
    done = typednn("check", "--import", str(tmp_path / "elsewhere.py"), spec)
    assert done.returncode == 2
    assert "not under the current directory" in done.stderr
    broken = ROOT / "tests" / "_broken_layers_for_cli_test.py"
    broken.write_text("raise RuntimeError('boom')\n")
    try:
        done = typednn("check", "--import", "tests/_broken_layers_for_cli_test.py", spec)
    finally:
        broken.unlink()
    assert done.returncode == 1
    assert "importing it raised RuntimeError: boom" in done.stderr
    assert "Traceback" not in done.stderr
