"""`check_layer`: a layer's shape rule against `jax.eval_shape` of its lowering."""

from __future__ import annotations

from typing import Any, TypeAlias, cast

from hypothesis import given, settings
from hypothesis import strategies as st

from .._errors import TypednnError
from .._shapes import Hyper
from ..layers import Layer
from ._case import AnyLayer, Case, check_case
from ._kinds import layers
from ._sizes import Dims, mutated, shapes

Inputs: TypeAlias = Dims | tuple[Dims, ...]
"""One input's dims, or a tuple of them for a layer with several inputs."""


def check_layer(
    layer: type[AnyLayer] | str,
    hyper_strategy: st.SearchStrategy[Hyper | AnyLayer] | None = None,
    *,
    inputs: st.SearchStrategy[Inputs] | None = None,
    max_examples: int = 50,
) -> None:
    """Check a layer's shape rule against its lowering, for random hyperparameters and inputs.

    The property typednn checks for each of its own layers: for input shapes the rule
    accepts, the lowering (`init`, then `apply`) runs and `jax.eval_shape` gives
    ``(batch, *rule_output)``; for shapes it rejects (with a `ShapeError` naming the
    layer), JAX cannot run the input either (it raises, or the output would be empty);
    and unknown sizes never turn an accepted input into a rejected one. "JAX raises"
    means a `TypeError`, `ValueError`, `IndexError`, `ZeroDivisionError`, `TypednnError`
    or `AssertionError` from the lowering: a bug in the layer's own code that raises
    one of those on exactly the inputs the rule rejects is not told apart. Nothing is
    computed: shapes go through `jax.eval_shape`. Parameters are made for the input
    shapes drawn; the layer is applied both as while training and not.

    Call it from a plain test function (not from inside another `@given` test).

    Args:
        layer: The layer class (a custom one, or a built-in such as `nn.Conv2D`), or a
            built-in kind as spec files name it (``"conv2d"``).
        hyper_strategy: A strategy of its hyperparameters (its `hyper_type`), or of
            layers, e.g. ``st.builds(SwiGLUHyper, units=st.integers(1, 8))``. Needed for
            a custom layer; a built-in one has its own (see `layers`).
        inputs: With `hyper_strategy`, a strategy of the input dims (no batch axis):
            one input's (e.g. ``shapes(1, 3)``), or a tuple of them for a layer with
            several inputs. By default, shapes of rank 0 to 4 (several inputs mostly
            share one shape).
        max_examples: How many cases hypothesis tries.

    Raises:
        AssertionError: naming the layer, its hyperparameters and the shapes, when the
            rule and the lowering disagree (after hypothesis has shrunk the case).
        TypednnError: for a custom layer without `hyper_strategy`, or a strategy that
            gives another layer's hyperparameters.

    Example:
        >>> from hypothesis import strategies as st
        >>> from typednn import nn
        >>> from typednn._shapes import DenseHyper
        >>> check_layer(nn.Dense, max_examples=5)
        >>> check_layer(nn.Dense, st.builds(DenseHyper, units=st.integers(1, 8)), max_examples=5)
    """
    if hyper_strategy is None:
        if inputs is not None:
            raise TypednnError(
                "check_layer: `inputs=` is used with `hyper_strategy=`",
                hint="a built-in layer's own strategy draws its inputs too; pass both to choose them",
            )
        cases = layers(layer)
    elif isinstance(layer, str):
        raise TypednnError(
            f"check_layer: with `hyper_strategy=`, pass the layer class, not the kind {layer!r}",
            hint="e.g. check_layer(SwiGLU, st.builds(SwiGLUHyper, units=st.integers(1, 8)))",
        )
    else:
        cases = _cases(layer, hyper_strategy, inputs if inputs is not None else _default_inputs(layer))

    # One failure, as one AssertionError: what a user's test reports (not an ExceptionGroup).
    @settings(max_examples=max_examples, deadline=None, report_multiple_bugs=False)
    @given(data=st.data())
    def rule_is_the_lowering(data: st.DataObject) -> None:
        check_case(data.draw(cases, label="case"), data)

    rule_is_the_lowering()


@st.composite
def _cases(
    draw: st.DrawFn, cls: type[AnyLayer], hyper: st.SearchStrategy[Any], inputs: st.SearchStrategy[Inputs]
) -> Case:
    drawn = draw(hyper, label="hyperparameters")
    if isinstance(drawn, Layer) and isinstance(drawn, cls):
        layer = drawn
    elif type(drawn) is cls.hyper_type:
        layer = cls.from_hyper(drawn)
    else:
        raise TypednnError(
            f"check_layer({cls.__qualname__}): hyper_strategy gave {drawn!r}, which is neither"
            f" a {cls.hyper_type.__qualname__} nor a {cls.__qualname__}",
            hint=f"draw the hyperparameters with st.builds({cls.hyper_type.__qualname__}, ...)",
        )
    dims = draw(inputs, label="inputs")
    # One input's dims are ints; several inputs' are a tuple of tuples. `()` is one rank-0 input.
    several = bool(dims) and all(isinstance(d, tuple) for d in dims)
    shapes_in = cast("tuple[Dims, ...]", dims) if several else (cast(Dims, dims),)
    return Case(layer, shapes_in, training=draw(st.booleans(), label="training"))


def _default_inputs(cls: type[AnyLayer]) -> st.SearchStrategy[Inputs]:
    arity = cls.hyper_type.arity
    if arity == 1:
        return shapes(0, 4)
    return _related(st.just(arity) if arity is not None else st.integers(2, 3))


@st.composite
def _related(draw: st.DrawFn, count: st.SearchStrategy[int]) -> tuple[Dims, ...]:
    """Several inputs, mostly of one shape: what merges and other multi-input layers take."""
    base = draw(shapes(0, 3), label="base")
    n = draw(count, label="inputs")
    return tuple(draw(mutated(base)) if draw(st.integers(0, 2)) == 0 else base for _ in range(n))
