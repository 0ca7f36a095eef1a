"""Constructor arguments bind by the typed overloads at run time, as mypy binds them."""

from __future__ import annotations

from typing import Any, overload

import pytest

import typednn as tn
from typednn import nn
from typednn.layers._binding import bind_call, forms


def test_dense_binds_a_named_units_after_a_positional_size() -> None:
    # mypy reads this as the second overload, `Dense(in_features, units)`; so does the run time.
    dense = nn.Dense(784, units=128)
    assert dense.hyper.in_features == 784
    assert dense.hyper.units == 128
    assert repr(dense) == "Dense(784 -> 128)"


@pytest.mark.parametrize(
    ("args", "kwargs", "in_features", "units"),
    [
        ((10,), {}, None, 10),
        ((784, 10), {}, 784, 10),
        ((), {"units": 10}, None, 10),
        ((), {"in_features": 784, "units": 10}, 784, 10),
        ((784,), {"units": 10}, 784, 10),
    ],
)
def test_dense_forms_bind_as_the_overloads_say(
    args: tuple[Any, ...], kwargs: dict[str, Any], in_features: int | None, units: int
) -> None:
    hyper = nn.Dense(*args, **kwargs).hyper
    assert (hyper.in_features, hyper.units, hyper.use_bias) == (in_features, units, True)


def test_dense_keyword_options_keep_their_defaults_in_one_place() -> None:
    assert nn.Dense(10, use_bias=False).hyper.use_bias is False
    assert nn.Dense(784, 10, name="head").name == "head"
    assert nn.Dense(10).name is None


def test_no_arguments_names_what_is_missing() -> None:
    with pytest.raises(tn.HyperparameterError) as caught:
        nn.Dense()  # type: ignore[call-overload]
    assert caught.value.message == (
        "Dense needs units: it takes Dense(units) or Dense(in_features, units); given Dense()"
    )
    assert caught.value.hint == "e.g. Dense(128), or Dense(784, 128) to state the input size"


def test_only_in_features_names_units() -> None:
    with pytest.raises(tn.HyperparameterError, match=r"Dense needs units: .* given Dense\(in_features=784\)"):
        nn.Dense(in_features=784)  # type: ignore[call-overload]


def test_too_many_arguments_list_the_forms() -> None:
    with pytest.raises(tn.HyperparameterError) as caught:
        nn.Dense(1, 2, 3)  # type: ignore[call-overload]
    assert caught.value.message == "Dense takes Dense(units) or Dense(in_features, units); given Dense(1, 2, 3)"
    assert isinstance(caught.value, tn.TypednnError)


@pytest.mark.parametrize(
    ("args", "kwargs", "given"),
    [
        ((10,), {"size": 3}, "Dense(10, size=3)"),
        ((10,), {"units": 3, "in_features": 4}, "Dense(10, units=3, in_features=4)"),
        ((1, 2), {"units": 3}, "Dense(1, 2, units=3)"),
    ],
)
def test_calls_that_fit_no_form_are_refused(args: tuple[int, ...], kwargs: dict[str, Any], given: str) -> None:
    with pytest.raises(tn.HyperparameterError) as caught:
        nn.Dense(*args, **kwargs)
    assert caught.value.message.startswith("Dense takes Dense(units) or Dense(in_features, units)")
    assert caught.value.message.endswith(f"; given {given}")


def test_values_are_still_validated_by_the_hyperparameters() -> None:
    with pytest.raises(tn.HyperparameterError, match="units"):
        nn.Dense(0)  # type: ignore[typednn-param]


class _Pad:
    """A constructor with three forms, one of them keyword-only and one starred."""

    @overload
    def __init__(self, width: int, /) -> None: ...
    @overload
    def __init__(self, top: int, bottom: int, *, mode: str) -> None: ...
    @overload
    def __init__(self, *sizes: int, fill: float) -> None: ...
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.given = bind_call(_Pad.__init__, args, kwargs)


def test_other_overloaded_constructors_bind_in_order() -> None:
    assert _Pad(2).given == {"width": 2}
    assert _Pad(1, 2, mode="edge").given == {"top": 1, "bottom": 2, "mode": "edge"}
    assert _Pad(1, 2, 3, fill=0.0).given == {"sizes": (1, 2, 3), "fill": 0.0}
    with pytest.raises(tn.HyperparameterError) as caught:
        _Pad(1, 2)  # type: ignore[call-overload]
    assert caught.value.message == (
        "_Pad needs mode: it takes _Pad(width), _Pad(top, bottom, mode=...) or _Pad(*sizes, fill=...); given _Pad(1, 2)"
    )
    assert caught.value.hint == "see help(_Pad) for what each argument means"


def test_a_function_without_overloads_binds_by_its_own_signature() -> None:
    def scale(factor: float, *, offset: float = 0.0) -> None: ...

    assert len(forms(scale)) == 1
    assert bind_call(scale, (2.0,), {}) == {"factor": 2.0}
    with pytest.raises(tn.HyperparameterError, match=r"scale takes scale\(factor\); given scale\(1, 2\)"):
        bind_call(scale, (1, 2), {})


def test_every_overloaded_layer_constructor_binds_each_of_its_forms() -> None:
    # Each layer class whose constructor has overloads: each form, given by keyword with
    # every required argument, binds to itself.
    constructors = [vars(cls).get("__init__") for cls in vars(nn).values() if isinstance(cls, type)]
    overloaded = [init for init in constructors if init is not None and len(forms(init)) > 1]
    assert nn.Dense.__init__ in overloaded
    for init in overloaded:
        for form in forms(init):
            names = [p.name for p in list(form.parameters.values())[1:] if p.default is p.empty]
            given = {name: 8 for name in names}
            assert bind_call(init, (), given) == given
