"""Each layer constructor states its hyperparameters once: the names and defaults are its Hyper's."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

import typednn as tn
from typednn import nn
from typednn.layers._binding import forms
from typednn.layers._registry import KINDS

BUILT_IN = sorted(
    {kind.layer for kind in KINDS.values() if kind.layer.__module__.startswith("typednn.")}, key=lambda c: c.__name__
)


@pytest.mark.parametrize("cls", BUILT_IN, ids=lambda c: c.__name__)
def test_the_constructor_takes_the_hyperparameters_by_their_names_and_defaults(cls: type[Any]) -> None:
    fields = {f.name: f for f in dataclasses.fields(cls.hyper_type)}
    taken: set[str] = set()
    for form in forms(cls.__init__):
        for parameter in form.parameters.values():
            if parameter.name in ("self", "name"):
                continue
            assert parameter.name in fields, f"{cls.__name__}({parameter.name}=) is no field of {cls.hyper_type}"
            taken.add(parameter.name)
            field = fields[parameter.name]
            # A form may require an optional field (`Dense(in_features, units)`); an overload's
            # default is `...`, which leaves the dataclass's.
            if parameter.default not in (inspect.Parameter.empty, Ellipsis):
                assert parameter.default == field.default, f"{cls.__name__}({parameter.name}=) default"
        required = {n for n, f in fields.items() if f.default is dataclasses.MISSING}
        assert required <= set(form.parameters), f"{cls.__name__}: a form lacks {required - set(form.parameters)}"
    assert taken == set(fields), f"{cls.__name__} takes no argument for {set(fields) - taken}"


class Width(tn.Dim):
    pass


def test_a_dim_becomes_its_symbol_once_for_every_size_argument() -> None:
    conv = nn.Conv2D(8, kernel=3, in_channels=Width)
    reshape = nn.Reshape(Width, 2)
    assert conv.hyper.in_channels == reshape.hyper.shape[0]
    assert repr(conv.hyper.in_channels) == "Width"


def test_a_layer_argument_becomes_its_hyperparameters() -> None:
    assert nn.Bidirectional(nn.LSTM(4)).hyper.wrapped == nn.LSTM(4).hyper


def test_a_constructor_still_checks_its_hyperparameters() -> None:
    filters = int("0")  # mypy refuses a literal 0, so the run time gets one it cannot see
    with pytest.raises(tn.TypednnError, match="filters must be a positive int, but is 0"):
        nn.Conv2D(filters, kernel=3)
