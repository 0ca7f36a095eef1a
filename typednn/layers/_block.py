"""`nn.Block[In, Out]`: a layer typed by what it takes and gives, for helpers that build one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from ._base import Layer, Sequential

In_contra = TypeVar("In_contra", contravariant=True)
Out_co = TypeVar("Out_co", covariant=True)


class Block(Protocol[In_contra, Out_co]):
    """Any layer or block, typed by the tensor it takes and the tensor it gives.

    The return type of a helper that builds a block: a layer's own type spells its
    hyperparameters (`Sequential[Dense[L[784], L[256], L[True], None], ...]`), which is no
    type to write by hand. Every layer is a `Block` (structurally), so the helper's body
    type-checks with any checker. Under the mypy plugin the block written in the
    `return` is checked against the declared shapes, and a call of the helper's result
    (`block(x)`, `x >> block`) is checked against `In` and gives `Out`.

    Example:
        >>> from typing import Literal as L
        >>> import typednn as tn
        >>> from typednn import nn
        >>> def head() -> nn.Block[tn.Tensor[L[784]], tn.Tensor[L[10]]]:
        ...     return nn.Dense(784, 256) >> nn.relu >> nn.Dense(256, 10)
        >>> (tn.Input(784) >> head()).shape
        (10,)
    """

    def __call__(self, x: In_contra, /) -> Out_co: ...

    def __rshift__(self, other: Layer[*tuple[Any, ...]], /) -> Sequential[*tuple[Any, ...]]: ...
