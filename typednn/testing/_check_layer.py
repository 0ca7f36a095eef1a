"""`check_layer`: a layer's shape rule against `jax.eval_shape` of its lowering."""

from __future__ import annotations

from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import FailedHealthCheck, NoSuchExample, Unsatisfiable

from .._errors import TypednnError
from .._shapes import Hyper
from ._case import AnyLayer, check_case
from ._derived import Inputs, accepts, derived_cases
from ._kinds import layers


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
            layers, e.g. ``st.builds(SwiGLUHyper, units=st.integers(1, 8))``. By default
            a built-in kind's own (see `layers`), or one drawn from the field types of
            `hyper_type` (sizes 1 to 5, booleans, a `Literal`'s choices...).
        inputs: With `hyper_strategy`, a strategy of the input dims (no batch axis):
            one input's (e.g. ``shapes(1, 3)``), or a tuple of them for a layer with
            several inputs. By default, shapes of rank 0 to 4 (several inputs mostly
            share one shape), mostly ones the rule accepts.
        max_examples: How many cases hypothesis tries.

    Raises:
        AssertionError: naming the layer, its hyperparameters and the shapes, when the
            rule and the lowering disagree (after hypothesis has shrunk the case); or
            when the rule accepted no case drawn, so nothing was compared.
        TypednnError: for hyperparameters whose types say too little to draw them
            without `hyper_strategy`, or a strategy that gives another layer's.

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
        cases = derived_cases(layer, hyper=hyper_strategy, inputs=inputs)

    accepted = False

    # One failure, as one AssertionError: what a user's test reports (not an ExceptionGroup).
    @settings(max_examples=max_examples, deadline=None, report_multiple_bugs=False)
    @given(data=st.data())
    def rule_is_the_lowering(data: st.DataObject) -> None:
        nonlocal accepted
        accepted |= check_case(data.draw(cases, label="case"), data) is not None

    try:
        rule_is_the_lowering()
    except (Unsatisfiable, FailedHealthCheck):
        if accepted:
            raise
        # Derived cases draw only accepted inputs, and found none: said below.
    # Rejections alone compare nothing with JAX's shapes: a run that drew no accepted
    # input (few examples of a strategy that also draws rejected ones) looks for one.
    if not accepted:
        try:
            check_case(find(cases, accepts, settings=settings(max_examples=200, database=None)))
        except (NoSuchExample, Unsatisfiable, FailedHealthCheck):
            raise AssertionError(
                f"check_layer({getattr(layer, '__qualname__', layer)}): the rule rejected the inputs of every"
                " case drawn, so none was compared with the lowering; pass `inputs=` (and `hyper_strategy=`)"
                " that the layer takes"
            ) from None
