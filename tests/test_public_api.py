"""The public face: every exported name resolves, and no private name leaks (style.md)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import typednn
from typednn import layers, nn
from typednn._model import Model
from typednn._shapes import ACTIVATIONS, ShapeError
from typednn.layers import Input
from typednn.layers._registry import KINDS

EXPORTING = [
    "typednn",
    "typednn.nn",
    "typednn.layers",
    "typednn.data",
    "typednn.data.transforms",
    "typednn.spec",
    "typednn.cli",
    "typednn._shapes",
]


def public_modules() -> list[str]:
    """Every module of the package whose dotted path has no private part."""
    names = ["typednn"]
    for info in pkgutil.walk_packages(typednn.__path__, "typednn."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def exported(module: ModuleType) -> list[str]:
    names: list[str] = getattr(module, "__all__", [])
    return names


@pytest.mark.parametrize("name", EXPORTING)
def test_every_exported_name_resolves(name: str) -> None:
    module = importlib.import_module(name)
    assert exported(module), f"{name} has no __all__"
    assert len(set(exported(module))) == len(exported(module)), f"{name}.__all__ lists a name twice"
    for item in exported(module):
        assert getattr(module, item) is not None, f"{name}.{item}"


@pytest.mark.parametrize("name", public_modules())
def test_no_private_name_in_all(name: str) -> None:
    module = importlib.import_module(name)
    private = [item for item in exported(module) if item.startswith("_")]
    assert not private, f"{name}.__all__ exposes {private}"
    for item in exported(module):
        getattr(module, item)


def test_public_modules_are_found() -> None:
    assert {"typednn.nn", "typednn.layers", "typednn.data", "typednn.mypy"} <= set(public_modules())


def test_dir_of_the_package_has_no_private_names() -> None:
    dunder = [name for name in dir(typednn) if name.startswith("__") and name.endswith("__")]
    private = [name for name in dir(typednn) if name.startswith("_") and name not in dunder]
    assert not private, private
    assert set(typednn.__all__) <= set(dir(typednn))


def test_lazy_names_are_the_real_objects() -> None:
    assert typednn.Model is Model
    assert typednn.ShapeError is ShapeError
    assert typednn.Input is Input
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        typednn.nope  # noqa: B018


# ---------------------------------------------------------------------------- one list per public name


def _type_checking_names(module: ModuleType) -> set[str]:
    """The names the module's `if TYPE_CHECKING:` block imports (what type checkers see)."""
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text())
    blocks = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    ]
    assert len(blocks) == 1, "one TYPE_CHECKING block"
    return {
        alias.asname or alias.name
        for statement in blocks[0].body
        if isinstance(statement, ast.ImportFrom)
        for alias in statement.names
    }


def test_the_root_all_is_the_lazy_table() -> None:
    lazy: dict[str, str] = vars(typednn)["_LAZY"]
    submodules: tuple[str, ...] = vars(typednn)["_SUBMODULES"]
    assert sorted(typednn.__all__) == sorted(["TypednnError", *lazy, *submodules])
    # Type checkers read the TYPE_CHECKING block; the TypednnError import above it is eager.
    assert _type_checking_names(typednn) | {"TypednnError"} == set(typednn.__all__)


def test_distributed_and_save_are_exported() -> None:
    # `distributed` was in _SUBMODULES and the TYPE_CHECKING block but not in __all__.
    assert "distributed" in typednn.__all__ and "distributed" in dir(typednn)
    assert typednn.distributed is importlib.import_module("typednn.distributed")
    assert typednn.save is importlib.import_module("typednn.export").save


def test_nn_exports_every_layer_kind_and_the_ready_made_layers() -> None:
    assert "Final" not in nn.__all__ and nn.__all__ == sorted(nn.__all__)
    for kind in KINDS.values():
        if kind.layer.__module__.startswith("typednn."):
            assert getattr(nn, kind.layer.__name__) is kind.layer, f"nn.{kind.layer.__name__}"
    ready_made = {"relu", "gelu", "tanh", "sigmoid", "softmax", "concat", "residual", "Layer", "Sequential"}
    assert ready_made <= set(nn.__all__)
    assert set(nn.__all__) == set(NN_BEFORE)


def test_typednn_layers_is_the_toolkit_not_a_second_face() -> None:
    assert sorted(layers.__all__) == [
        "Input",
        "Layer",
        "Node",
        "P",
        "ParamTree",
        "Sequential",
        "Tensor",
        "Tokens",
        "concrete",
        "register_layer",
    ]


def test_the_built_in_kinds_are_the_same_after_self_registration() -> None:
    own = [name for name, kind in KINDS.items() if kind.layer.__module__.startswith("typednn.")]
    assert sorted(own) == sorted(KINDS_BEFORE)
    # Layer kinds alphabetically (import order may change), then each activation function.
    layer_kinds = own[: own.index("zero_padding2d") + 1]
    assert layer_kinds == sorted(layer_kinds) and layer_kinds[0] == "activation"
    assert own[len(layer_kinds) :] == list(ACTIVATIONS)


# What `from typednn import nn` and the registry gave before layers registered themselves
# (captured from the hand-written lists that came before it).
NN_BEFORE = [
    "Activation",
    "Add",
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "BatchNorm",
    "Bidirectional",
    "Block",
    "CenterCrop",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Cropping1D",
    "Cropping2D",
    "Dense",
    "DepthwiseConv2D",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRU",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GroupNorm",
    "LSTM",
    "Layer",
    "LayerNorm",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPool3D",
    "MultiHeadAttention",
    "Multiply",
    "Normalization",
    "Permute",
    "PositionEmbedding",
    "RMSNorm",
    "RandomBrightness",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RepeatVector",
    "Rescaling",
    "Reshape",
    "Resizing",
    "Sequential",
    "SeparableConv2D",
    "SinusoidalPositionEmbedding",
    "TimeDistributed",
    "TransformerDecoderBlock",
    "TransformerEncoderBlock",
    "UpSampling2D",
    "ZeroPadding2D",
    "concat",
    "gelu",
    "relu",
    "residual",
    "sigmoid",
    "softmax",
    "tanh",
]
KINDS_BEFORE = [
    "activation",
    "add",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "batch_norm",
    "bidirectional",
    "center_crop",
    "concat",
    "conv1d",
    "conv2d",
    "conv2d_transpose",
    "conv3d",
    "cropping1d",
    "cropping2d",
    "dense",
    "depthwise_conv2d",
    "dropout",
    "elu",
    "embedding",
    "flatten",
    "gelu",
    "global_avg_pool1d",
    "global_avg_pool2d",
    "global_max_pool1d",
    "global_max_pool2d",
    "group_norm",
    "gru",
    "hard_sigmoid",
    "hard_swish",
    "layer_norm",
    "leaky_relu",
    "log_softmax",
    "lstm",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "multi_head_attention",
    "multiply",
    "normalization",
    "permute",
    "position_embedding",
    "random_brightness",
    "random_contrast",
    "random_crop",
    "random_flip",
    "random_rotation",
    "relu",
    "relu6",
    "repeat_vector",
    "rescaling",
    "reshape",
    "resizing",
    "rms_norm",
    "separable_conv2d",
    "sigmoid",
    "silu",
    "sinusoidal_position_embedding",
    "softmax",
    "softplus",
    "tanh",
    "time_distributed",
    "transformer_decoder_block",
    "transformer_encoder_block",
    "up_sampling2d",
    "zero_padding2d",
]
