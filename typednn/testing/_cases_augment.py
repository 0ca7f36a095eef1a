"""Cases of the image augmentation layers (RandomFlip, RandomRotation...) and CenterCrop.

Each is drawn while training and not, so both of its lowerings meet the rule; windows
are sized around the image so a crop larger than it is drawn too, which the rule must refuse.
"""

from __future__ import annotations

from hypothesis import strategies as st

from .. import nn
from .._shapes._augment import FILL_MODES, FLIP_MODES
from .._shapes._resize import INTERPOLATIONS
from ._case import AnyLayer, Case
from ._sizes import images, size

_factors = st.sampled_from([0.0, 0.05, 0.25, 1.0])
_ranges = st.sampled_from([(0.0, 255.0), (0.0, 1.0), (-1.0, 1.0)])


@st.composite
def random_flip_cases(draw: st.DrawFn) -> Case:
    layer = nn.RandomFlip(draw(st.sampled_from(FLIP_MODES), label="mode"))
    return Case(layer, (draw(images(), label="x"),), training=draw(st.booleans(), label="training"))


@st.composite
def random_rotation_cases(draw: st.DrawFn) -> Case:
    layer = nn.RandomRotation(
        draw(_factors, label="factor"),
        fill_mode=draw(st.sampled_from(FILL_MODES), label="fill_mode"),
        interpolation=draw(st.sampled_from(INTERPOLATIONS), label="interpolation"),
    )
    return Case(layer, (draw(images(), label="x"),), training=draw(st.booleans(), label="training"))


@st.composite
def random_brightness_cases(draw: st.DrawFn) -> Case:
    layer = nn.RandomBrightness(draw(_factors, label="factor"), value_range=draw(_ranges, label="value_range"))
    return Case(layer, (draw(images(), label="x"),), training=draw(st.booleans(), label="training"))


@st.composite
def random_contrast_cases(draw: st.DrawFn) -> Case:
    layer = nn.RandomContrast(draw(_factors, label="factor"), value_range=draw(_ranges, label="value_range"))
    return Case(layer, (draw(images(), label="x"),), training=draw(st.booleans(), label="training"))


def _window_cases(make: type[nn.RandomCrop] | type[nn.CenterCrop]) -> st.SearchStrategy[Case]:
    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        height, width = draw(size, label="height"), draw(size, label="width")
        layer: AnyLayer = make(height, width)
        # Mostly an image around the window (0 to 2 smaller, which the rule refuses, to 4 larger).
        around = st.tuples(st.integers(max(height - 2, 1), height + 4), st.integers(max(width - 2, 1), width + 4), size)
        x = draw(st.one_of(around, around, images()), label="x")
        return Case(layer, (x,), training=draw(st.booleans(), label="training"))

    return cases()


def random_crop_cases() -> st.SearchStrategy[Case]:
    return _window_cases(nn.RandomCrop)


def center_crop_cases() -> st.SearchStrategy[Case]:
    return _window_cases(nn.CenterCrop)
