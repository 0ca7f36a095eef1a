"""A validated graph as two pure functions: `init(key)` and `apply(params, *xs)`."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp

from .._shapes import Shape, ShapeError, Symbol
from ..graph import AnyLayer, AnyTensor, Graph
from ..layers import Node
from ..layers._time_distributed import TimeDistributed
from ._checkpoint import checkpoint

Params = dict[str, dict[str, jax.Array]]


@dataclass(frozen=True)
class Lowered:
    """The pure functions of a model.

    Non-trainable state (BatchNorm's running statistics) sits in `params` beside the
    parameters, in its layer's entry, so exports, checkpoints and `apply` carry it as
    they carry weights (Keras's `weights` hold both, as flax.nnx's `nnx.state` does).
    `split` separates it for the optimizer; `apply_updating` gives its new values.

    Attributes:
        init: `init(key) -> params`, a dict from layer name to that layer's arrays.
        apply: `apply(params, *xs, key=None, training=False) -> outputs`, on arrays of
            shape `(batch, *input_dims)`; one output comes back as an array, several as
            a tuple. It reads state but does not update it.
        apply_updating: Like `apply`, returning `(outputs, state)`: the state arrays as
            this forward pass updated them (`{layer: {name: array}}`; empty for
            models without state). Its `mask=` (a bool per example) leaves padding
            examples out of batch statistics.
        forward: Like `apply_updating`, returning `(outputs, state, masks)`: `masks` has
            one entry per output, its padding mask (bool `(batch, *positions)`, from
            `nn.Embedding(mask_zero=True)`) or None; losses and metrics weigh positions by it.
            Its `dtype=` (float32 by default) is the one the feature inputs are cast to:
            bfloat16 or float16 under mixed precision, with the parameters cast alike.
        state_names: The names of each stateful layer's state arrays, by layer name.
    """

    init: Callable[[jax.Array], Params]
    apply: Callable[..., Any]
    apply_updating: Callable[..., tuple[Any, Params]]
    forward: Callable[..., tuple[Any, Params, tuple[jax.Array | None, ...]]]
    state_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def has_state(self) -> bool:
        """Whether some layer keeps non-trainable state."""
        return bool(self.state_names)

    def split(self, params: Params) -> tuple[Params, Params]:
        """`(trainable, state)`: the parameters the optimizer updates, and the state it must not."""
        trainable: Params = {}
        state: Params = {}
        for layer, arrays in params.items():
            names = self.state_names.get(layer, ())
            kept = {name: array for name, array in arrays.items() if name not in names}
            held = {name: array for name, array in arrays.items() if name in names}
            if kept:
                trainable[layer] = kept
            if held:
                state[layer] = held
        return trainable, state

    @staticmethod
    def merge(trainable: Params, state: Params) -> Params:
        """The inverse of `split`: each layer's parameters and state in one entry again."""
        merged = {layer: dict(arrays) for layer, arrays in trainable.items()}
        for layer, arrays in state.items():
            merged.setdefault(layer, {}).update(arrays)
        return merged


def check_inputs(graph: Graph, xs: tuple[jax.Array, ...]) -> None:
    """Check arrays against the model's input shapes (named dims bound consistently)."""
    if len(xs) != len(graph.inputs):
        raise ShapeError("the model", f"{len(graph.inputs)} input array(s)", f"{len(xs)}")
    bound: dict[Symbol, int] = {}
    for position, (tensor, x) in enumerate(zip(graph.inputs, xs)):
        want = tensor.shape.dims
        got = tuple(x.shape[1:])
        ok = len(got) == len(want)
        for size, actual in zip(want, got):
            if isinstance(size, Symbol):
                ok = ok and bound.setdefault(size, actual) == actual
            elif isinstance(size, int):
                ok = ok and size == actual
        if not ok:
            raise ShapeError(
                f"the model's input {position}",
                f"arrays of shape (batch, {', '.join(map(repr, want))})",
                f"an array of shape {tuple(x.shape)}",
                hint="the first axis is the batch; the others must match tn.Input",
            )


def built_in(layer: AnyLayer) -> bool:
    """Whether a layer's `init` is typednn's own: a pure function of its key and shapes, so traceable.

    A layer whose class is defined outside the package (a custom layer, or a user's
    subclass of a built-in one), or a `TimeDistributed` wrapping one, is not.
    """
    if not type(layer).__module__.startswith("typednn."):
        return False
    return not isinstance(layer, TimeDistributed) or built_in(layer.inner())


def lower(graph: Graph, *, compile_init: bool = True, remat: Collection[range] = ()) -> Lowered:
    """Turn a validated graph into pure `init` and `apply` functions (`apply` not yet jitted).

    Args:
        graph: The validated graph.
        compile_init: Run the built-in layers' initialisers as one jit-compiled program
            (the same values as running them one by one; see `init`). False runs each
            layer's `init` eagerly, op by op, as custom layers always are.
        remat: Spans of layer applications to rematerialise (`Trainer(remat=...)`), as
            ranges of indices into `graph.nodes()`, disjoint: each span runs under one
            `checkpoint` (`jax.checkpoint`'s rule, see `_checkpoint`), so its gradient
            keeps only the span's inputs and recomputes the rest. The values are those of the plain forward pass.
    """
    nodes = graph.nodes()
    layers = graph.layers()
    first_inputs: dict[int, tuple[Shape, ...]] = {}
    for node, _ in nodes:
        assert node.layer is not None
        first_inputs.setdefault(id(node.layer), tuple(t.shape for t in node.inputs))

    state_names = {graph.name(layer): layer.state_names for layer in layers if layer.has_state}

    init = _initialiser(graph, layers, first_inputs, compile_init=compile_init)
    segments = _segments(graph, remat)

    def forward(
        params: Params,
        *xs: jax.Array,
        key: jax.Array | None = None,
        training: bool = False,
        mask: jax.Array | None = None,
        dtype: Any = jnp.float32,
    ) -> tuple[Any, Params, tuple[jax.Array | None, ...]]:
        check_inputs(graph, xs)
        # Features are float32 (or the mixed-precision compute `dtype`, `train._precision`)
        # and token ids int32, whatever the arrays hold (uint8 pixels, bfloat16...).
        values = {id(t): jnp.asarray(x, jnp.int32 if t.shape.tokens else dtype) for t, x in zip(graph.inputs, xs)}
        run = _Run(graph, params, values, {}, {}, key=key, training=training, mask=mask)
        for segment in segments:
            if segment.remat:
                _run_checkpointed(run, segment)
            else:
                for step in segment.steps:
                    run.node(step, *nodes[step])
        outputs = tuple(values[id(t)] for t in graph.outputs)
        masks = run.masks
        return (outputs[0] if len(outputs) == 1 else outputs), run.state, tuple(masks.get(id(t)) for t in graph.outputs)

    def apply_updating(params: Params, *xs: jax.Array, **options: Any) -> tuple[Any, Params]:
        outputs, state, _ = forward(params, *xs, **options)
        return outputs, state

    def apply(params: Params, *xs: jax.Array, key: jax.Array | None = None, training: bool = False) -> Any:
        return forward(params, *xs, key=key, training=training)[0]

    return Lowered(init=init, apply=apply, apply_updating=apply_updating, forward=forward, state_names=state_names)


@dataclass
class _Run:
    """One forward pass's values, masks and updated state, by tensor id and layer name."""

    graph: Graph
    params: Params
    values: dict[int, jax.Array]
    masks: dict[int, jax.Array | None]
    state: Params
    key: jax.Array | None
    training: bool
    mask: jax.Array | None

    def node(self, step: int, node: Node, tensor: AnyTensor) -> None:
        """Apply one node's layer, recording its output (and its mask and state)."""
        layer = node.layer
        assert layer is not None
        key, training, values, masks, state = self.key, self.training, self.values, self.masks, self.state
        layer_key = jax.random.fold_in(key, step) if key is not None and layer.stochastic else None
        name = self.graph.name(layer)
        arrays = self.params.get(name, {})
        inputs = tuple(values[id(x)] for x in node.inputs)
        if tensor.masked:
            masks[id(tensor)] = layer.output_mask(tuple(masks.get(id(x)) for x in node.inputs), *inputs)
        if any(x.masked for x in node.inputs):
            # Refusing layers never get here: wiring them to a masked tensor failed.
            in_masks = tuple(masks.get(id(x)) for x in node.inputs)
            values[id(tensor)] = layer.apply_masked(arrays, *inputs, masks=in_masks, key=layer_key, training=training)
        elif layer.has_state:
            # A layer applied twice sees the state its first application left, as a
            # flax.nnx module called twice does.
            held = state.get(name) or {k: arrays[k] for k in layer.state_names}
            own = {k: v for k, v in arrays.items() if k not in layer.state_names}
            values[id(tensor)], state[name] = layer.apply_with_state(
                own, held, *inputs, key=layer_key, training=training, mask=self.mask
            )
        else:
            values[id(tensor)] = layer.apply(arrays, *inputs, key=layer_key, training=training)


@dataclass(frozen=True)
class _Segment:
    """Consecutive node applications (indices into `graph.nodes()`), rematerialised together or not.

    Attributes:
        steps: The nodes' indices, in run order.
        remat: Whether they run inside one `jax.checkpoint`.
        names: Their layers' names.
        inputs: The tensors they read that an earlier segment (or the model's input) made.
        outputs: The tensors they make that a later segment reads, or the model gives.
    """

    steps: tuple[int, ...]
    remat: bool
    names: frozenset[str] = frozenset()
    inputs: tuple[AnyTensor, ...] = ()
    outputs: tuple[AnyTensor, ...] = ()


def _segments(graph: Graph, remat: Collection[range]) -> list[_Segment]:
    """The graph's nodes cut into segments: each span of `remat` one, every other node one of its own."""
    nodes = graph.nodes()
    starts = {span.start: span for span in remat if len(span)}
    segments = []
    step = 0
    while step < len(nodes):
        span = starts.get(step)
        if span is None:
            segments.append(_Segment((step,), remat=False))
            step += 1
            continue
        steps = tuple(span)
        inside = {id(nodes[s][1]) for s in steps}
        later = [x for s in range(span.stop, len(nodes)) for x in nodes[s][0].inputs]
        read = {id(x): x for s in steps for x in nodes[s][0].inputs if id(x) not in inside}
        made = {id(t): t for t in (*later, *graph.outputs) if id(t) in inside}
        names = frozenset(graph.name(layer) for s in steps if (layer := nodes[s][0].layer) is not None)
        segments.append(_Segment(steps, True, names, tuple(read.values()), tuple(made.values())))
        step = span.stop
    return segments


def _run_checkpointed(run: _Run, segment: _Segment) -> None:
    """Run `segment`'s nodes under `checkpoint`: the gradient recomputes what they make inside.

    What crosses the boundary is arrays only: the segment's parameters and float inputs
    (differentiated), and its token-id inputs, masks, the state its layers hold and the
    keys (not); `training` and the graph are fixed by the closure.
    """
    nodes = run.graph.nodes()
    names = segment.names

    def inner(params: Params, floats: dict[int, jax.Array], rest: tuple[Any, ...]) -> tuple[Any, Any, Params]:
        ints, masks, state, key, mask = rest
        local = _Run(run.graph, params, floats | ints, dict(masks), dict(state), key, run.training, mask)
        for step in segment.steps:
            local.node(step, *nodes[step])
        ids = [id(t) for t in segment.outputs]
        made_state = {name: arrays for name, arrays in local.state.items() if name in names}
        return {i: local.values[i] for i in ids}, {i: local.masks[i] for i in ids if i in local.masks}, made_state

    params = {name: arrays for name, arrays in run.params.items() if name in names}
    values = {id(t): run.values[id(t)] for t in segment.inputs}
    floats = {i: x for i, x in values.items() if jnp.issubdtype(x.dtype, jnp.floating)}
    ints = {i: x for i, x in values.items() if i not in floats}
    masks = {id(t): run.masks[id(t)] for t in segment.inputs if id(t) in run.masks}
    state = {name: arrays for name, arrays in run.state.items() if name in names}
    made, made_masks, made_state = checkpoint(inner)(params, floats, (ints, masks, state, run.key, run.mask))
    run.values.update(made)
    run.masks.update(made_masks)
    run.state.update(made_state)


def _initialiser(
    graph: Graph, layers: list[AnyLayer], first_inputs: Mapping[int, tuple[Shape, ...]], *, compile_init: bool
) -> Callable[[jax.Array], Params]:
    """`init(key) -> params` for `lower`: one key per layer, each layer's arrays by its name."""
    names = [graph.name(layer) for layer in layers]

    def layer_init(layer: AnyLayer, layer_key: jax.Array) -> dict[str, jax.Array]:
        shapes = first_inputs[id(layer)]
        return layer.init(layer_key, *shapes) | layer.init_state(*shapes)

    # Eagerly, each random op of each layer is its own small XLA compile: ~100 of them,
    # 10-15 s for a 150-layer CNN on CPU. Compiled together they are one program. Custom
    # layers stay eager (their `init` may read values with `float()` or use numpy, which
    # cannot be traced; catching the tracer error instead would run their code twice).
    compiled = [i for i, layer in enumerate(layers) if compile_init and built_in(layer)]
    # Each compiled layer's name and array names, in `init`'s order, noted while tracing:
    # a jitted function returns dicts with sorted keys, and `params` keeps layer order.
    order: list[tuple[str, tuple[str, ...]]] = []

    def init_built_in(keys: jax.Array) -> list[list[jax.Array]]:
        made = [(names[i], layer_init(layers[i], keys[i])) for i in compiled]
        order[:] = [(name, tuple(arrays)) for name, arrays in made if arrays]
        return [list(arrays.values()) for _, arrays in made if arrays]

    # The values must be those of the eager path, bit for bit (a seed gives the weights it
    # gave before): XLA's algebraic simplifier would fold `normal(key) * sqrt(2) * stddev`
    # into one multiply (1 ulp off in Embedding), so it is off, as it is between eager ops.
    # It runs once per model, so a lower LLVM level than `apply`'s costs nothing (its
    # default doubles the compile time, MobileNetV2 13 s against 6 s on CPU).
    options = {"xla_disable_hlo_passes": "algsimp", "xla_backend_optimization_level": 1}
    init_compiled = jax.jit(init_built_in, compiler_options=options)
    compiled_set = set(compiled)

    def init(key: jax.Array) -> Params:
        # One key per layer, as before: the values do not depend on which layers compile.
        keys = jax.random.split(key, max(len(layers), 1))
        made: Params = {}
        if compiled:
            # Under an outer trace (`eval_shape`, a user's `jit`), that trace compiles it.
            values = init_built_in(keys) if isinstance(keys, jax.core.Tracer) else init_compiled(keys)
            made = {name: dict(zip(arrays, found)) for (name, arrays), found in zip(order, values)}
        params: Params = {}
        for i, (name, layer) in enumerate(zip(names, layers)):
            arrays = made.get(name) if i in compiled_set else layer_init(layer, keys[i])
            if arrays:
                params[name] = arrays
        return params

    return init
