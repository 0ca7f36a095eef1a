"""Sliding-window arithmetic shared by convolution and pooling rules."""

from __future__ import annotations

from typing import ClassVar

from ._dims import UNKNOWN, Shape, Size, ceil_div, floor_div, plus, same_size
from ._errors import ShapeError
from ._hyper import Hyper

PADDINGS = ("valid", "same")


def span(window: Size, dilation: Size) -> Size:
    """How many input positions one window covers."""
    if isinstance(window, int) and isinstance(dilation, int):
        return dilation * (window - 1) + 1
    return UNKNOWN


def slide(size: Size, window: Size, stride: Size, padding: object, dilation: Size = 1) -> Size | None:
    """The output length of a window sliding over `size` positions.

    Returns None when the input is shorter than one window (valid padding), which no
    backend can compute. A named size gives a size computed from it where the
    arithmetic is exact for every size of its symbol: `Seq - 4` for a valid window
    spanning 5 at stride 1, `Seq` for `same` padding at stride 1, `Seq` again for a
    stride-2 window over `Seq * 2`; where the rounding depends on the size (`Seq` at
    stride 2), it is unknown.

    Example:
        >>> from ._dims import Symbol
        >>> seq = Symbol("app.Seq")
        >>> slide(seq, 3, 1, "valid", dilation=2), slide(seq, 3, 1, "same"), slide(seq, 2, 2, "valid")
        (Seq - 4, Seq, ?)
    """
    if padding == "same":
        return size if stride == 1 else ceil_div(size, stride)
    reach = span(window, dilation)
    if padding != "valid" or not isinstance(reach, int):
        return UNKNOWN
    if isinstance(size, int) and size < reach:
        return None
    return plus(floor_div(plus(size, -reach), stride), 1)


class WindowHyper(Hyper):
    """The hyperparameters of a layer sliding a window over N spatial axes, then channels.

    Conv1D and Conv2D, and the pools, state their rules once for any number of axes;
    a family names its spatial axes in `axes` (NLC: ``("length",)``, NHWC: ``("height",
    "width")``), and a per-axis hyperparameter is an int or a tuple with one int per axis.
    """

    axes: ClassVar[tuple[str, ...]]
    # Declared by each family in its own field order (not a field here: fields are
    # ordered base first, and a layer's type arguments follow the field order).
    padding: str

    def per_axis(self, name: str) -> tuple[Size, ...]:
        """A per-axis hyperparameter (kernel, stride, window...) with one size per axis."""
        value = getattr(self, name)
        return value if isinstance(value, tuple) else (value,) * len(self.axes)

    def check_per_axis(self, *names: str) -> None:
        """Check that each named hyperparameter is an int or a tuple of one int per axis."""
        count = len(self.axes)
        allowed = "an int" if count == 1 else f"an int or a {_TUPLES.get(count, f'tuple of {count}')} of ints"
        for name in names:
            value = getattr(self, name)
            if isinstance(value, tuple) and (count == 1 or len(value) != count):
                raise self.fail(f"{name} must be {allowed}, but is {value!r}")

    def check_convolution(self, *sizes: str) -> None:
        """Check a convolution's hyperparameters (one place for Conv, DepthwiseConv2D, Conv2DTranspose).

        `sizes` must be positive (checked in that order), `in_channels` too when stated; the
        padding must be known; kernel, stride and dilation an int or one per axis.
        """
        self.positive(*sizes)
        self.positive("in_channels", allow_none=True)
        self.one_of("padding", PADDINGS)
        self.check_per_axis("kernel", "stride", "dilation")

    def spatial(self, x: Shape, *, hint: str | None = None) -> tuple[tuple[Size, ...], Size]:
        """The input's spatial axes and its channels; raises `ShapeError` for another rank."""
        found = self.layout(x, (*self.axes, "channels"), hint=hint)
        return found[:-1], found[-1]

    def check_channels(self, x: Shape, channels: Size, stated: Size | None) -> None:
        """Refuse an input whose channels differ from the `in_channels` a layer states (if any)."""
        if stated is not None and same_size(channels, stated) is False:
            raise ShapeError(self.describe(), f"{stated!r} input channels", repr(x))

    def slide_axes(
        self,
        x: Shape,
        sizes: tuple[Size, ...],
        windows: tuple[Size, ...],
        strides: tuple[Size, ...],
        dilations: tuple[Size, ...] | None = None,
        *,
        hint: str,
    ) -> tuple[Size, ...]:
        """Each spatial axis's output length, by `slide`; a `ShapeError` names a too-short axis."""
        out = []
        for axis, size, window, stride, dilation in zip(
            self.axes, sizes, windows, strides, dilations or (1,) * len(self.axes), strict=True
        ):
            length = slide(size, window, stride, self.padding, dilation)
            if length is None:
                raise ShapeError(
                    self.describe(), f"a {axis} of at least {span(window, dilation)!r}", repr(x), hint=hint
                )
            out.append(length)
        return tuple(out)


_TUPLES = {2: "pair", 3: "triple"}
