"""The model zoo: well-known architectures as typed functions, with Keras's arguments.

Each function's return type spells the model's input and output shapes, following the
literal arguments under the typednn plugin. The layers in between are sized from the
arguments at run time, so graph validation checks them when the model is built (and
`tests/test_zoo.py` builds every model), not mypy.

The MLP, LeNet-5, ResNet-18 and the two Transformers each have a spec-file twin in
`examples/zoo/` that builds the same graph (at the default arguments); ResNet-50 and
MobileNetV2 (over 150 layers each) have none.

The image models take `keras.applications`' arguments: `classes=`, `input_shape=`,
`include_top=` (False: the feature map, or with `pooling="avg"`/`"max"` the pooled
features) and `weights=` (an export folder or a registry reference `"NAME:TAG"`).

How the types follow the arguments: mypy infers `int`, not `Literal[100]`, for a type
variable bound by `classes=100`, so overloads cannot carry the literals. The plugin's
function hook (`typednn._mypy_zoo`) reads the literal arguments instead and spells the
result: `zoo.resnet18(classes=100)` is `Model[Tensor[L[32], L[32], L[3]], Tensor[L[100]]]`.
Running the zoo function itself at check time would be the single source of truth, but
building a model imports JAX, which the plugin never does; the hook knows each
function's defaults and its feature count (`tests/test_zoo_arguments.py` ties them to
the functions), and leaves what it cannot know as `Any`: the height and width of a
feature map (`include_top=False, pooling=None`), and any non-literal argument. Without
the plugin, the functions return `Model[Any, Any]` (the MLP and the text classifier
keep their input type).

Example:
    >>> from typednn import zoo
    >>> zoo.lenet5()
    Model((32, 32, 1) -> (10,))
    >>> zoo.resnet18(classes=100, include_top=False, pooling="avg")
    Model((32, 32, 3) -> (512,))
"""

from ._mobilenet import mobilenet_v2 as mobilenet_v2
from ._resnet import resnet18 as resnet18
from ._resnet import resnet50 as resnet50
from ._small import lenet5 as lenet5
from ._small import mlp as mlp
from ._small import transformer_classifier as transformer_classifier
from ._small import transformer_seq2seq as transformer_seq2seq
from ._weights import Pretrained as Pretrained

__all__ = [
    "Pretrained",
    "lenet5",
    "mlp",
    "mobilenet_v2",
    "resnet18",
    "resnet50",
    "transformer_classifier",
    "transformer_seq2seq",
]
