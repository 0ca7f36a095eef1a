"""Sliding-window arithmetic shared by convolution and pooling rules."""

from __future__ import annotations

from ._dims import UNKNOWN, Size

PADDINGS = ("valid", "same")


def span(window: Size, dilation: Size) -> Size:
    """How many input positions one window covers."""
    if isinstance(window, int) and isinstance(dilation, int):
        return dilation * (window - 1) + 1
    return UNKNOWN


def slide(size: Size, window: Size, stride: Size, padding: object, dilation: Size = 1) -> Size | None:
    """The output length of a window sliding over `size` positions.

    Returns None when the input is shorter than one window (valid padding), which no
    backend can compute. A symbolic size survives only where the output provably
    equals the input: `same` padding, or a one-position window, with stride 1.
    """
    reach = span(window, dilation)
    if padding == "same":
        if stride == 1:
            return size
        if isinstance(size, int) and isinstance(stride, int):
            return -(-size // stride)
        return UNKNOWN
    if padding != "valid":
        return UNKNOWN
    if isinstance(size, int) and isinstance(reach, int):
        if size < reach:
            return None
        return (size - reach) // stride + 1 if isinstance(stride, int) else UNKNOWN
    if reach == 1 and stride == 1:
        return size
    return UNKNOWN
