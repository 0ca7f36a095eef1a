"""Repairs to the ONNX graph jax2onnx writes, so that ONNX Runtime runs it.

jax2onnx (0.13) lowers every `reduce_window_max` to a `MaxPool` over all the operand's
axes, after two `Unsqueeze`s: a 2-D max pooling of NHWC images becomes a MaxPool with
a 4-D kernel `(1, k, k, 1)` on a 6-D tensor, which the ONNX standard allows and ONNX
Runtime refuses ("Unsupported pooling size": it pools over at most 3 axes). Such a node
is rewritten as ONNX's own layout: Transpose to NCHW, a 2-D MaxPool, Transpose back.
"""

from __future__ import annotations

from typing import Any

NHWC_TO_NCHW = (0, 3, 1, 2)
NCHW_TO_NHWC = (0, 2, 3, 1)


def fix_max_pools(model: Any) -> None:
    """Rewrite in place each `Unsqueeze -> Unsqueeze -> MaxPool(kernel (1, kh, kw, 1)) -> Squeeze` chain.

    Args:
        model: An `onnx.ModelProto`; its other nodes are left as they are.
    """
    from onnx import helper  # noqa: PLC0415 - the onnx extra is imported only by an ONNX export

    graph = model.graph
    producer = {output: node for node in graph.node for output in node.output}
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    replaced: dict[int, list[Any]] = {}
    dropped: set[int] = set()
    for node in graph.node:
        chain = _chain(node, producer, consumers)
        if chain is None:
            continue
        first, second, squeeze = chain
        attributes: dict[str, Any] = {a.name: list(helper.get_attribute_value(a)) for a in node.attribute}
        pads = attributes.get("pads", [0] * 8)
        base = node.name or node.output[0]
        transposed, pooled = f"{base}_nchw", f"{base}_pooled"
        replaced[id(node)] = [
            helper.make_node("Transpose", [first.input[0]], [transposed], perm=NHWC_TO_NCHW, name=f"{base}_to_nchw"),
            helper.make_node(
                "MaxPool",
                [transposed],
                [pooled],
                name=base,
                kernel_shape=attributes["kernel_shape"][1:3],
                strides=attributes.get("strides", [1, 1, 1, 1])[1:3],
                pads=[pads[1], pads[2], pads[5], pads[6]],
                **({"dilations": attributes["dilations"][1:3]} if "dilations" in attributes else {}),
            ),
            helper.make_node("Transpose", [pooled], [squeeze.output[0]], perm=NCHW_TO_NHWC, name=f"{base}_to_nhwc"),
        ]
        dropped.update((id(first), id(second), id(squeeze)))
    if not replaced:
        return
    gone = {name for node in graph.node if id(node) in dropped or id(node) in replaced for name in node.output}
    gone -= {output for nodes in replaced.values() for node in nodes for output in node.output}
    nodes = []
    for node in graph.node:
        if id(node) in replaced:
            nodes.extend(replaced[id(node)])
        elif id(node) not in dropped:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [info for info in graph.value_info if info.name not in gone]
    del graph.value_info[:]
    graph.value_info.extend(kept)


def _chain(node: Any, producer: dict[str, Any], consumers: dict[str, list[Any]]) -> tuple[Any, Any, Any] | None:
    """The Unsqueeze, Unsqueeze and Squeeze around a 4-D MaxPool over H and W only, or None."""
    from onnx import helper  # noqa: PLC0415

    if node.op_type != "MaxPool" or len(node.output) != 1:
        return None
    attributes = {a.name: list(helper.get_attribute_value(a)) for a in node.attribute}
    kernel = attributes.get("kernel_shape", [])
    strides = attributes.get("strides", [1, 1, 1, 1])
    pads = attributes.get("pads", [0] * 8)
    dilations = attributes.get("dilations", [1, 1, 1, 1])
    unknown = set(attributes) - {"kernel_shape", "strides", "pads", "dilations"}
    if len(kernel) != 4 or unknown or len(pads) != 8 or len(strides) != 4 or len(dilations) != 4:
        return None
    if (kernel[0], kernel[3], strides[0], strides[3], dilations[0], dilations[3]) != (1,) * 6:
        return None
    if any(pads[i] for i in (0, 3, 4, 7)):
        return None
    second = producer.get(node.input[0])
    first = producer.get(second.input[0]) if second is not None and second.op_type == "Unsqueeze" else None
    users = consumers.get(node.output[0], [])
    if (
        first is None
        or second is None
        or first.op_type != "Unsqueeze"
        or len(users) != 1
        or users[0].op_type != "Squeeze"
    ):
        return None
    if len(consumers.get(first.output[0], [])) != 1 or len(consumers.get(second.output[0], [])) != 1:
        return None
    return first, second, users[0]
