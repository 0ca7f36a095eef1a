"""typednn.testing: strategies for every built-in layer kind, check_layer, check_model, inputs."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import typednn as tn
from examples.swiglu import SwiGLU, SwiGLUHyper
from typednn import nn, zoo
from typednn.layers import P, ParamTree, concrete
from typednn.layers._registry import KINDS
from typednn.testing import CASES, Case, check_case, check_layer, check_model, inputs, layers, shapes
from typednn.testing._derived import derived_cases

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = sorted(name for name, kind in KINDS.items() if kind.layer.__module__.startswith("typednn."))


class Seq(tn.Dim):
    """Tokens in a sequence."""


# ---------------------------------------------------------------------------- layers


def test_the_hand_written_strategies_are_of_builtin_kinds() -> None:
    # A kind without one is still tested (below), by cases drawn from its field types.
    assert set(CASES) <= set(BUILTIN), f"strategies for kinds that are not layers: {sorted(set(CASES) - set(BUILTIN))}"
    assert "swiglu" in KINDS and "swiglu" not in BUILTIN  # registered by conftest, a custom kind


@pytest.mark.parametrize("kind", BUILTIN)
def test_check_layer_on_every_builtin_kind(kind: str) -> None:
    check_layer(kind, max_examples=5)


# Every field type of a built-in layer but a free string (an activation's function) can be
# drawn, so a new layer's property test needs no strategy written by hand.
DRAWABLE = [name for name in BUILTIN if KINDS[name].layer is not nn.Activation or KINDS[name].fixed]


@pytest.mark.parametrize("kind", DRAWABLE)
def test_cases_derived_from_the_field_types_hold_for_every_builtin_kind(kind: str) -> None:
    # Drawn blind, some kinds' hyperparameters are mostly invalid (a Permute's dims must be a
    # permutation): the same draws every run, and filtering is expected.
    @settings(
        max_examples=5,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def derived(data: st.DataObject) -> None:
        case = data.draw(derived_cases(KINDS[kind].layer, fixed=KINDS[kind].fixed, accepted=True))
        assert check_case(case, data) is not None

    derived()


def test_a_kind_s_cases_are_of_that_kind_and_accepted_ones_are_accepted() -> None:
    @settings(max_examples=10)
    @given(case=layers(nn.Conv2D, accepted=True))
    def accepted(case: Case) -> None:
        assert isinstance(case.layer, nn.Conv2D)
        assert check_case(case) is not None

    accepted()


def test_layers_names_what_it_has() -> None:
    with pytest.raises(tn.TypednnError, match=r"no layer kind 'swigloo'; it has .*swiglu") as caught:
        layers("swigloo")
    assert "@tn.register_layer" in (caught.value.hint or "")


def test_a_layer_without_a_strategy_gets_one_from_its_field_types() -> None:
    check_layer(SwiGLU, max_examples=10)
    check_layer("swiglu", max_examples=5)  # registered by conftest: by its kind too

    @settings(max_examples=10, deadline=None, database=None)
    @given(case=layers(SwiGLU))
    def drawn(case: Case) -> None:
        assert isinstance(case.layer, SwiGLU) and check_case(case) is not None

    drawn()


def test_check_layer_on_the_custom_layer_of_the_example() -> None:
    check_layer(SwiGLU, st.builds(SwiGLUHyper, units=st.integers(1, 8)), max_examples=20)
    check_layer(SwiGLU, st.builds(SwiGLU, st.integers(1, 8)), inputs=shapes(1, 3), max_examples=5)


def test_check_layer_needs_hyperparameters_of_the_layer() -> None:
    with pytest.raises(tn.TypednnError, match=r"cannot draw NamedHyper.label \(a <class 'str'>\)") as caught:
        check_layer(Named)
    assert "hyper_strategy" in (caught.value.hint or "")
    with pytest.raises(tn.TypednnError, match="neither a SwiGLUHyper nor a SwiGLU"):
        check_layer(SwiGLU, st.just(nn.Dense(3).hyper), max_examples=1)
    with pytest.raises(tn.TypednnError, match="`inputs=` is used with `hyper_strategy=`"):
        check_layer(nn.Dense, inputs=shapes(1, 1))


@dataclass(frozen=True, kw_only=True)
class ProjectHyper(tn.Hyper):
    layer: ClassVar[str] = "Project"
    units: tn.Size
    only_vectors: bool = False

    def rule(self, *inputs: tn.Shape) -> tn.Shape:
        (x,) = inputs
        if x.rank == 0 or (self.only_vectors and x.rank not in (None, 1)):
            raise tn.ShapeError(self.describe(), "a (features,) input", repr(x))
        return x.with_last(self.units)


class OffByOne(tn.Layer[*P]):
    """Its lowering gives one feature more than its rule says."""

    hyper_type = ProjectHyper
    kind = "off_by_one"

    def init(self, key: jax.Array, *inputs: tn.Shape) -> ParamTree:
        (x,) = inputs
        units = concrete(self.hyper.values()["units"], "units")
        return {"kernel": jnp.zeros((concrete(x.last, "features"), units + 1))}

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        return x @ params["kernel"]


class Project(OffByOne[*P]):
    """A correct lowering, whose rule may refuse what it runs (`only_vectors`)."""

    def init(self, key: jax.Array, *inputs: tn.Shape) -> ParamTree:
        (x,) = inputs
        return {"kernel": jnp.zeros((concrete(x.last, "features"), concrete(self.hyper.values()["units"], "units")))}


@dataclass(frozen=True, kw_only=True)
class NamedHyper(tn.Hyper):
    layer: ClassVar[str] = "Named"
    label: str

    def rule(self, *inputs: tn.Shape) -> tn.Shape:
        return inputs[0]


class Named(tn.Layer[*P]):
    """A hyperparameter whose type says nothing to draw from."""

    hyper_type = NamedHyper


@dataclass(frozen=True, kw_only=True)
class NeverHyper(tn.Hyper):
    layer: ClassVar[str] = "Never"

    def rule(self, *inputs: tn.Shape) -> tn.Shape:
        raise tn.ShapeError(self.describe(), "nothing", repr(inputs[0]))


class Never(tn.Layer[*P]):
    """A rule that accepts no input: its property test compares nothing."""

    hyper_type = NeverHyper

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return jnp.zeros(())


def test_check_layer_fails_when_the_rule_accepted_no_case() -> None:
    with pytest.raises(AssertionError, match=r"check_layer\(Never\): the rule rejected the inputs of every case drawn"):
        check_layer(Never, max_examples=5)


def test_check_layer_finds_a_rule_that_is_not_the_lowering() -> None:
    with pytest.raises(AssertionError) as caught:
        check_layer(OffByOne, st.builds(ProjectHyper, units=st.integers(1, 4)), max_examples=20)
    message = str(caught.value)
    assert "Project(units=1) (kind 'off_by_one'; hyperparameters: units=1, only_vectors=False)" in message
    assert "the rule gives (1,), but jax.eval_shape of the lowering gives (2,)" in message


def test_check_layer_finds_a_rule_that_rejects_what_jax_runs() -> None:
    check_layer(Project, st.builds(ProjectHyper, units=st.integers(1, 4)), max_examples=10)
    strict = st.builds(ProjectHyper, units=st.integers(1, 4), only_vectors=st.just(True))
    with pytest.raises(AssertionError, match=r"the rule rejects input\(s\) \(1, 1\), but the lowering runs them"):
        check_layer(Project, strict, inputs=shapes(1, 3), max_examples=30)


# ---------------------------------------------------------------------------- models


def test_check_model_on_zoo_models() -> None:
    check_model(zoo.mlp(), max_examples=3)
    # Abstractly (jax.eval_shape): making and running LeNet's parameters on CPU costs seconds.
    check_model(zoo.lenet5(), max_examples=5, run=False)


def test_check_model_binds_named_dims_and_token_ids() -> None:
    ids = tn.Input(Seq, dtype="int32")
    h = ids >> nn.Embedding(30, 8) >> nn.SinusoidalPositionEmbedding() >> nn.MultiHeadAttention(2)
    model = tn.Model(ids, h >> nn.GlobalAvgPool1D() >> nn.Dense(3))
    check_model(model, max_examples=5)
    check_model(tn.Model(ids, h), max_examples=3, run=False)


def test_check_model_finds_sizes_the_rules_reject() -> None:
    x = tn.Input(Seq, 4)
    model = tn.Model(x, x >> nn.Conv1D(2, kernel=3))
    with pytest.raises(
        AssertionError, match=r"(?s)the rules reject the sizes drawn: .*check_model\(\.\.\., dims=\.\.\.\)"
    ):
        check_model(model, max_examples=20)
    check_model(model, dims={Seq: st.integers(3, 10)}, max_examples=5)


def test_check_model_finds_an_output_the_rules_do_not_give() -> None:
    x = tn.Input(5)
    model = tn.Model(x, x >> OffByOne(ProjectHyper(units=3)), name="wrong")
    with pytest.raises(
        AssertionError,
        match=r"model 'wrong': .* model.apply gives an output of shape \(\d, 4\), but the rules give \(\d, 3\)",
    ):
        check_model(model, max_examples=3)


def test_inputs_are_what_the_model_takes() -> None:
    ids = tn.Input(Seq, 3, dtype="int32")
    model = tn.Model(ids, ids >> nn.Embedding(7, 2) >> nn.Flatten())

    @settings(max_examples=20)
    @given(x=inputs(model, batch=st.integers(2, 3), dims={Seq: st.integers(4, 6)}))
    def each(x: Any) -> None:
        assert isinstance(x, np.ndarray) and x.dtype == np.int32
        assert 2 <= x.shape[0] <= 3 and 4 <= x.shape[1] <= 6 and x.shape[2] == 3
        assert x.min() >= 0 and x.max() < 7

    each()
    with pytest.raises(tn.TypednnError, match="dims names Seq2, which no input of the model has"):

        class Seq2(tn.Dim): ...

        inputs(model, dims={Seq2: st.just(1)})


def test_import_typednn_does_not_import_hypothesis() -> None:
    code = "import sys, typednn, typednn.nn; print('hypothesis' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
