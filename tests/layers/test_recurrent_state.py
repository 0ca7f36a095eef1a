"""Recurrent state: `return_state=True` gives the final state, `initial_state=` starts from one.

The property that pins both: a sequence run in two halves, the second starting from the
first's final state, gives what the whole sequence gives in one run.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import typednn as tn
from typednn import TypednnError, nn
from typednn.export._graph_json import graph_from_dict, graph_to_dict
from typednn.spec import codegen


class Seq(tn.Dim): ...


def _layer(kind: str, units: int, **options: Any) -> nn.LSTM[Any] | nn.GRU[Any]:
    return nn.LSTM(units, **options) if kind == "lstm" else nn.GRU(units, **options)


@settings(max_examples=12, deadline=None)
@given(kind=st.sampled_from(["lstm", "gru"]), split=st.integers(1, 6), reverse=st.booleans(), seed=st.integers(0, 99))
def test_a_sequence_run_in_two_halves_equals_one_run(kind: str, split: int, reverse: bool, seed: int) -> None:
    x = tn.Input(Seq, 3)
    whole = tn.Model(x, _layer(kind, 4, return_state=True, reverse=reverse, name="rnn")(x))
    first = tn.Model(x, _layer(kind, 4, return_state=True, reverse=reverse, name="rnn")(x))
    start = tn.Input(Seq, 3)
    states = [tn.Input(4) for _ in ("h", "c")[: 2 if kind == "lstm" else 1]]
    rest = _layer(kind, 4, return_state=True, reverse=reverse, name="rnn")(start, initial_state=states)
    second = tn.Model((start, *states), rest)
    params = whole.init(jax.random.key(seed))
    xs = np.random.default_rng(seed).normal(size=(2, 7, 3)).astype(np.float32)
    # Reading backwards, the end of the sequence comes first.
    head, tail = (xs[:, split:], xs[:, :split]) if reverse else (xs[:, :split], xs[:, split:])
    output, *state = whole.apply(params, xs)
    first_output, *first_state = first.apply(params, head)
    second_output, *second_state = second.apply(params, (tail, *first_state))
    for ours, theirs in zip(second_state, state):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    joined = np.concatenate([second_output, first_output] if reverse else [first_output, second_output], axis=1)
    np.testing.assert_allclose(joined, output, rtol=1e-5, atol=1e-6)


def test_the_state_is_the_last_output_and_keras_orders_it_h_then_c() -> None:
    x = tn.Input(5, 3)
    sequence, h, c = nn.LSTM(4, return_state=True, name="lstm")(x)
    model = tn.Model(x, (sequence, h, c, nn.LSTM(4, return_sequences=False, name="last")(x)))
    params = model.init(jax.random.key(0))
    params["last"] = params["lstm"]
    out, h_, c_, last = model.apply(params, np.ones((2, 5, 3), np.float32))
    np.testing.assert_array_equal(h_, out[:, -1])
    np.testing.assert_array_equal(h_, last)
    assert not np.allclose(c_, h_)
    assert model.output_names == ("lstm", "lstm.h", "lstm.c", "last")


def test_a_masked_sequence_ends_in_the_state_of_its_last_real_step() -> None:
    ids = tn.Input(Seq, dtype="int32")
    _, h = nn.GRU(4, return_state=True)(nn.Embedding(10, 3, mask_zero=True)(ids))
    model = tn.Model(ids, h)
    params = model.init(jax.random.key(0))
    np.testing.assert_allclose(
        model.apply(params, np.array([[4, 5, 0, 0]])), model.apply(params, np.array([[4, 5]])), atol=1e-6
    )


def _seq2seq() -> tn.Model[Any, Any]:
    source, target = tn.Input(6, 3, name="source"), tn.Input(4, 3, name="target")
    _, h, c = nn.LSTM(8, return_state=True, return_sequences=False, name="encoder")(source)
    decoded = nn.LSTM(8, name="decoder")(target, initial_state=(h, c))
    return tn.Model((source, target), decoded >> nn.Dense(5, name="out"))


def test_the_state_travels_through_spec_files_exports_and_codegen(tmp_path: Any) -> None:
    model = _seq2seq()
    section = graph_to_dict(model.graph)
    assert section["layers"][1]["lstm"]["inputs"] == ["target", "encoder.h", "encoder.c"]
    twin = graph_from_dict(section, source="spec.json")
    params = model.init(jax.random.key(0))
    xs = (np.ones((2, 6, 3), np.float32), np.ones((2, 4, 3), np.float32))
    np.testing.assert_array_equal(twin.apply(params, xs), model.apply(params, xs))
    tn.save(model, params, tmp_path / "model")
    loaded, loaded_params = tn.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.apply(loaded_params, xs), model.apply(params, xs))
    source = codegen(model)
    assert '_, encoder_h, encoder_c = nn.LSTM(8, return_sequences=False, return_state=True, name="encoder")' in source
    assert 'decoder = nn.LSTM(8, name="decoder")(target, initial_state=(encoder_h, encoder_c))' in source
    namespace: dict[str, Any] = {}
    exec(compile(source, "seq2seq.py", "exec"), namespace)  # the code generated just above
    np.testing.assert_array_equal(namespace["build_model"]().apply(params, xs), model.apply(params, xs))
    table = model.summary()
    assert "(8,), (8,), (8,)" in table and "target, encoder.h, encoder.c" in table


def test_a_state_a_spec_refers_to_must_exist() -> None:
    section: dict[str, Any] = {
        "inputs": {"source": [6, 3], "target": [4, 3]},
        "layers": [
            {"lstm": {"units": 8, "inputs": ["source"], "name": "encoder"}},
            {"lstm": {"units": 8, "inputs": ["target", "encoder.h", "encoder.c"], "name": "decoder"}},
        ],
    }
    with pytest.raises(TypednnError, match=r"encoder\.h"):
        graph_from_dict(section, source="spec.yaml")
    section["layers"][0]["lstm"]["return_state"] = True
    section["layers"][0]["lstm"]["units"] = 7
    with pytest.raises(TypednnError, match=r"initial state h of shape \(8,\), but receives \(7,\)"):
        graph_from_dict(section, source="spec.yaml")


def test_a_layer_named_as_a_state_part_is_refused() -> None:
    x = tn.Input(5, 3)
    _, h, _ = nn.LSTM(4, return_state=True, name="enc")(x)
    with pytest.raises(TypednnError, match=r"'enc\.h', the name of 'enc''s state h"):
        tn.Model(x, nn.Dense(2, name="enc.h")(h))


def test_a_shared_layer_s_states_are_named_by_application(tmp_path: Any) -> None:
    a, b = tn.Input(5, 3, name="a"), tn.Input(5, 3, name="b")
    encoder = nn.GRU(4, return_state=True, return_sequences=False, name="encoder")
    _, left = encoder(a)
    _, right = encoder(b)
    model = tn.Model((a, b), nn.concat(left, right) >> nn.Dense(2, name="out"))
    assert graph_to_dict(model.graph)["layers"][2]["concat"]["inputs"] == ["encoder.h", "encoder_1.h"]
    assert "encoder.h, encoder[1].h" in model.summary()
    params = model.init(jax.random.key(0))
    tn.save(model, params, tmp_path / "model")
    loaded, loaded_params = tn.load(tmp_path / "model")
    xs = (np.ones((2, 5, 3), np.float32), np.zeros((2, 5, 3), np.float32))
    np.testing.assert_array_equal(loaded.apply(loaded_params, xs), model.apply(params, xs))
