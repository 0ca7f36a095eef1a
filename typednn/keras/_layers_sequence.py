"""Converters of Keras's sequence layers: Embedding, LSTM, GRU, Bidirectional, MultiHeadAttention.

Keras keeps these layers' variables in sub-layers' groups of the weights file (an
LSTM's in `cell/vars`, a Bidirectional's in `forward_layer/cell/vars` and
`backward_layer/cell/vars`, a MultiHeadAttention's in `query_dense/vars`...); the
variable names below say so (`cell/kernel`), and `_weights.read_variables` follows them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import numpy as np

from .._errors import TypednnError
from .._reading import excerpt
from ..layers import _attention, _embedding, _recurrent
from ._layers import AnyLayer, Arrays, Converted, _make
from ._options import Options

_MERGES: Final = {"concat": "concat", "sum": "sum", "mul": "mul", "ave": "mean"}


def _embedding_layer(o: Options) -> Converted:
    o.expect("quantization_config", None)
    o.expect("lora_rank", None)
    o.expect("sparse", False)
    layer = _make(
        o, _embedding.Embedding, o.take("input_dim"), o.take("output_dim"), mask_zero=bool(o.take("mask_zero"))
    )
    return Converted(layer, ("embeddings",), lambda arrays: {"embedding": arrays["embeddings"]})


def _recurrent_options(o: Options) -> tuple[int, bool, bool]:
    """The options LSTM and GRU share: `(units, return_sequences, zero_output_for_mask)`; the rest refused."""
    o.expect("activation", "tanh", hint="typednn's recurrent cells use tanh")
    o.expect("recurrent_activation", "sigmoid", hint="typednn's recurrent cells gate with sigmoid")
    o.expect("return_state", False, hint="take the state from a typednn LSTM(return_state=True) by hand")
    o.expect("stateful", False, hint="typednn's recurrent layers start every batch from zeros")
    # Dropout inside the cell changes only training, but typednn's cells have none: refused,
    # as a Dropout's noise_shape is, so fine-tuning never silently trains another model.
    for key in ("dropout", "recurrent_dropout"):
        o.expect(key, 0.0, hint="typednn's recurrent cells have no dropout; put a Dropout layer before the layer")
    o.take("unroll", False)  # how Keras runs the loop, not what it computes
    o.take("use_cudnn", None)
    o.take("unit_forget_bias", None)  # an initializer
    sequences = bool(o.take("return_sequences"))
    if o.take("go_backwards") and sequences:
        # Keras then returns the outputs in reading order (last step first); typednn's
        # reverse=True keeps them in input order.
        raise o.fail(
            "sets go_backwards=True with return_sequences=True, whose outputs Keras gives last step first; "
            "typednn's reverse=True keeps them in input order",
            hint="wrap the layer in Bidirectional, or use return_sequences=False",
        )
    return int(o.take("units")), sequences, bool(o.take("zero_output_for_mask", False))


def _lstm_parts(o: Options, prefix: str) -> tuple[AnyLayer, tuple[str, ...], Callable[[Arrays], Arrays], bool]:
    units, sequences, zeros = _recurrent_options(o)
    reverse = bool(o.config.get("go_backwards"))
    use_bias = bool(o.take("use_bias"))
    layer = _make(o, _recurrent.LSTM, units, return_sequences=sequences, reverse=reverse)
    names = ("kernel", "recurrent_kernel", "bias")[: 3 if use_bias else 2]

    def convert(arrays: Arrays) -> Arrays:
        # Keras's gates are input, forget, cell, output, over kernel (in, 4u),
        # recurrent_kernel (u, 4u) and bias (4u): the order of typednn's (flax's
        # OptimizedLSTMCell's) gates, so the arrays are only renamed; no bias is zeros.
        kernel = arrays[f"{prefix}kernel"]
        if kernel.shape[-1:] != (4 * units,):
            # Checked before a missing bias is made: zeros for a forged `units` could take gigabytes.
            raise o.fail(
                f"has a kernel of shape {kernel.shape}, but an LSTM of {units} units keeps one of "
                f"(inputs, {4 * units})",
                hint="the config and the weights file disagree; save the model again with Keras",
            )
        bias = arrays[f"{prefix}bias"] if f"{prefix}bias" in arrays else np.zeros(4 * units, np.float32)
        return {
            "input_kernel": kernel,
            "recurrent_kernel": arrays[f"{prefix}recurrent_kernel"],
            "bias": bias,
        }

    return layer, tuple(prefix + name for name in names), convert, zeros


def _gru_parts(o: Options, prefix: str) -> tuple[AnyLayer, tuple[str, ...], Callable[[Arrays], Arrays], bool]:
    units, sequences, zeros = _recurrent_options(o)
    o.expect(
        "reset_after",
        True,
        hint="typednn's GRU (flax's GRUCell) applies the reset gate after the recurrent kernel, as reset_after=True",
    )
    reverse = bool(o.config.get("go_backwards"))
    use_bias = bool(o.take("use_bias"))
    # Keras's candidate recurrent bias sits inside the reset gate: typednn's GRU holds it
    # as `recurrent_bias` (always with use_bias, so the import never depends on its values).
    layer = _make(o, _recurrent.GRU, units, return_sequences=sequences, reverse=reverse, recurrent_bias=use_bias)
    names = ("kernel", "recurrent_kernel", "bias")[: 3 if use_bias else 2]
    where = o.where

    def convert(arrays: Arrays) -> Arrays:
        _check_gru_arrays(arrays, prefix, units, where)
        # Keras's gates are update (z), reset (r), candidate (h); typednn's (flax's
        # GRUCell's) reset, update, candidate: the first two blocks of columns swap.
        # Keras's bias is (2, 3u), input and recurrent. The recurrent z and r biases add
        # to the input ones before the sigmoid, so they fold into `bias`; the recurrent
        # candidate bias is multiplied by r, so it stays apart, as `recurrent_bias`.
        order = np.concatenate([np.arange(units, 2 * units), np.arange(units), np.arange(2 * units, 3 * units)])
        converted = {
            "input_kernel": arrays[f"{prefix}kernel"][:, order],
            "recurrent_kernel": arrays[f"{prefix}recurrent_kernel"][:, order],
        }
        if f"{prefix}bias" in arrays:
            inputs, recurrent = arrays[f"{prefix}bias"][0], arrays[f"{prefix}bias"][1]
            folded = inputs + np.concatenate([recurrent[: 2 * units], np.zeros(units, inputs.dtype)])
            converted |= {"bias": folded[order], "recurrent_bias": recurrent[2 * units :]}
        else:
            converted["bias"] = np.zeros(3 * units, np.float32)
        return converted

    return layer, tuple(prefix + name for name in names), convert, zeros


def _check_gru_arrays(arrays: Arrays, prefix: str, units: int, where: str) -> None:
    """Refuse GRU weights whose shapes the column reordering cannot take (a config and weights apart)."""
    width = 3 * units
    wanted = {"kernel": (None, width), "recurrent_kernel": (units, width), "bias": (2, width)}
    for name, (rows, columns) in wanted.items():
        array = arrays.get(f"{prefix}{name}")
        if array is not None and (array.ndim != 2 or array.shape[1] != columns or rows not in (None, array.shape[0])):
            shown = f"({'in' if rows is None else rows}, {columns})"
            raise TypednnError(
                f"{where}: its {name} has the shape {array.shape}, but a GRU of {units} units keeps one of {shown}",
                hint="the config and the weights file disagree; save the model again with Keras",
            )


_RECURRENT: Final = {"LSTM": _lstm_parts, "GRU": _gru_parts}


def _masked_steps_call(layer: AnyLayer, tensors: list[Any], *, sequences: bool, zeros: bool) -> Any:
    """The layer applied, refused where Keras and typednn part on a masked sequence.

    typednn outputs zeros at padded steps and, with return_sequences=False, the last real
    step's output: Keras's zero_output_for_mask=True with return_sequences=True, and its
    zero_output_for_mask=False without (with True Keras outputs the zeros of a trailing pad).
    """
    if tensors[0].masked and sequences != zeros:
        raise TypednnError(
            f"reads a masked sequence with zero_output_for_mask={zeros} and return_sequences={sequences}, "
            "where Keras's outputs at padded steps differ from typednn's (zeros at padded steps, the last "
            "real step's output at the end)",
            hint=f"build the layer with zero_output_for_mask={sequences} in Keras",
        )
    return layer(*tensors)


def _recurrent_layer(class_name: str) -> Callable[[Options], Converted]:
    def convert(o: Options) -> Converted:
        layer, names, arrays, zeros = _RECURRENT[class_name](o, "cell/")
        sequences = bool(o.config.get("return_sequences"))
        return Converted(
            layer,
            names,
            arrays,
            lambda twin, tensors: _masked_steps_call(twin, tensors, sequences=sequences, zeros=zeros),
        )

    return convert


def _inner(o: Options, key: str) -> Options:
    """The options of a Bidirectional's `layer` or `backward_layer`, an LSTM or GRU."""
    spec = o.take(key)
    module = spec.get("module", "keras") if isinstance(spec, dict) else None
    config = spec.get("config") if isinstance(spec, dict) else None
    class_name = spec.get("class_name") if isinstance(spec, dict) else None
    if not isinstance(config, dict) or not isinstance(module, str) or not module.startswith("keras"):
        raise o.fail(f"wraps {excerpt(spec)}, which is not a Keras layer", hint="was the config edited?")
    if class_name not in _RECURRENT:
        raise o.fail(
            f"wraps a {excerpt(class_name)}, which typednn's Bidirectional has no twin for",
            hint="typednn's Bidirectional wraps an LSTM or a GRU",
        )
    return Options(config, name=f"{o.name}/{key}", class_name=str(class_name), source=o.source)


def _computing(config: dict[str, Any]) -> dict[str, Any]:
    """The options that change what a recurrent layer computes (not its name, direction or initializers)."""
    skipped = ("name", "go_backwards", "seed", "trainable")
    return {
        key: value
        for key, value in config.items()
        if key not in skipped and not key.endswith(("_initializer", "_regularizer", "_constraint"))
    }


def _bidirectional_layer(o: Options) -> Converted:
    merge = o.take("merge_mode")
    if merge not in _MERGES:
        raise o.fail(
            f"sets merge_mode={excerpt(merge)}, which typednn has no twin for",
            hint="typednn's Bidirectional merges with concat, sum, mul or ave (its 'mean')",
        )
    forward, backward = _inner(o, "layer"), _inner(o, "backward_layer") if "backward_layer" in o.config else None
    forward.expect("go_backwards", False, hint="typednn's Bidirectional reads forward first, then backward")
    parts = _RECURRENT[forward.class_name]
    wrapped, forward_names, forward_convert, _ = parts(forward, "forward_layer/cell/")
    forward.finish()
    if backward is not None:
        # Keras lets the backward layer differ; typednn's is the forward one reading the other way.
        if backward.class_name != forward.class_name or _computing(backward.config) != _computing(forward.config):
            raise o.fail(
                "has a backward_layer unlike its forward layer, which typednn's Bidirectional has no twin for",
                hint="give Bidirectional one layer; Keras makes the backward copy",
            )
        backward.expect("go_backwards", True)
    _, backward_names, backward_convert, _ = parts(
        Options(forward.config, name=f"{o.name}/backward_layer", class_name=forward.class_name, source=o.source),
        "backward_layer/cell/",
    )
    layer = _make(o, _recurrent.Bidirectional, wrapped, merge=_MERGES[merge])

    def convert(arrays: Arrays) -> Arrays:
        # typednn's parameters are the wrapped layer's, prefixed by direction.
        return {f"forward_{k}": v for k, v in forward_convert(arrays).items()} | {
            f"backward_{k}": v for k, v in backward_convert(arrays).items()
        }

    return Converted(layer, forward_names + backward_names, convert)


_PROJECTIONS: Final = {"query": "query_dense", "key": "key_dense", "value": "value_dense", "out": "output_dense"}


def _attention_call(layer: AnyLayer, tensors: list[Any]) -> Any:
    """Keras's call `(query, value, key=)` as typednn's `(query)` or `(query, context)`."""
    query, value, *key = tensors
    if key and key[0] is not value:
        raise TypednnError(
            "is called with a key that is not its value; typednn's attention takes its keys and values "
            "from one context",
            hint="call the Keras layer as attention(query, value) (the key defaults to the value)",
        )
    return layer(query) if value is query else layer(query, value)


def _attention_layer(o: Options) -> Converted:
    heads, key_dim = int(o.take("num_heads")), int(o.take("key_dim"))
    o.expect("value_dim", None, key_dim, hint="typednn's heads have one size for keys and values")
    o.expect("use_gate", False)
    o.expect("sliding_window", None)
    o.expect("attention_axes", None, [1], hint="typednn attends over the sequence axis of (sequence, features)")
    o.expect("flash_attention", None)
    out = o.take("output_shape")
    if isinstance(out, list | tuple) and len(out) == 1:
        out = out[0]
    if not (out is None or (isinstance(out, int) and not isinstance(out, bool))):
        raise o.fail(f"sets output_shape={excerpt(out)}; typednn's attention outputs (sequence, features)")
    use_bias = bool(o.take("use_bias"))
    layer = _make(
        o,
        _attention.MultiHeadAttention,
        heads,
        qkv_features=heads * key_dim,
        out_features=out,
        use_bias=use_bias,
        dropout_rate=o.take("dropout"),
    )
    names = tuple(
        f"{group}/{kind}"
        for group in _PROJECTIONS.values()
        for kind in (("kernel", "bias") if use_bias else ("kernel",))
    )

    def convert(arrays: Arrays) -> Arrays:
        # Keras's kernels are (in, heads, key_dim) and, for the output, (heads, key_dim,
        # out); its biases (heads, key_dim) and (out,): flax's LinearGeneral layouts,
        # which typednn's parameters keep. Only the names change.
        return {
            f"{twin}_{kind}": arrays[f"{group}/{kind}"]
            for twin, group in _PROJECTIONS.items()
            for kind in ("kernel", "bias")
            if f"{group}/{kind}" in arrays
        }

    return Converted(layer, names, convert, _attention_call)


SEQUENCE: Final[dict[str, Callable[[Options], Converted]]] = {
    "Embedding": _embedding_layer,
    "LSTM": _recurrent_layer("LSTM"),
    "GRU": _recurrent_layer("GRU"),
    "Bidirectional": _bidirectional_layer,
    "MultiHeadAttention": _attention_layer,
}
"""Keras class name -> converter, merged into `_layers.LAYERS`."""
