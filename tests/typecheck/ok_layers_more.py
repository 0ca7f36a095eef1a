"""GlobalMaxPool1D, Cropping1D/2D, UpSampling2D(bilinear), Resizing, Permute, RepeatVector: shapes and named dims."""

from typing import Any, Final, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn


class Seq(tn.Dim): ...


seq = tn.Input(10, 64)
assert_type(nn.GlobalMaxPool1D()(seq), tn.Tensor[L[64]])
assert_type(nn.GlobalMaxPool1D()(tn.Input(Seq, 8)), tn.Tensor[L[8]])  # any length reduces

assert_type(nn.Cropping1D(2)(seq), tn.Tensor[L[6], L[64]])
assert_type(nn.Cropping1D((0, 3))(seq), tn.Tensor[L[7], L[64]])
assert_type(nn.Cropping1D(0)(tn.Input(Seq, 8)), tn.Tensor[Seq, L[8]])
assert_type(nn.Cropping1D((1, 1))(tn.Input(Seq, 8)), tn.Tensor[tn.Minus[Seq, L[2]], L[8]])

image = tn.Input(28, 28, 3)
assert_type(nn.Cropping2D(1)(image), tn.Tensor[L[26], L[26], L[3]])
assert_type(nn.Cropping2D((1, 2))(image), tn.Tensor[L[26], L[24], L[3]])
assert_type(nn.Cropping2D(((0, 1), (2, 3)))(image), tn.Tensor[L[27], L[23], L[3]])

assert_type(nn.UpSampling2D(2, interpolation="bilinear")(image), tn.Tensor[L[56], L[56], L[3]])
assert_type(nn.UpSampling2D((1, 2), interpolation="nearest")(image), tn.Tensor[L[28], L[56], L[3]])
assert_type(nn.Resizing(224, 160)(image), tn.Tensor[L[224], L[160], L[3]])
assert_type(nn.Resizing(8, 8, interpolation="nearest")(tn.Input(Seq, Seq, 1)), tn.Tensor[L[8], L[8], L[1]])

assert_type(nn.Permute((2, 1))(seq), tn.Tensor[L[64], L[10]])
assert_type(nn.Permute((2, 1, 3))(tn.Input(4, 5, 6)), tn.Tensor[L[5], L[4], L[6]])
assert_type(nn.Permute((3, 1, 2))(tn.Input(Seq, 5, 6)), tn.Tensor[L[6], Seq, L[5]])

assert_type(nn.RepeatVector(3)(tn.Input(32)), tn.Tensor[L[3], L[32]])
REPEATS: Final = 4
assert_type(tn.Input(16) >> nn.RepeatVector(REPEATS) >> nn.GlobalMaxPool1D(), tn.Tensor[L[16]])


def runtime(n: int, crop: int, dims: tuple[int, ...]) -> None:
    # Sizes from runtime ints are unknown: gradual, never a false positive.
    assert_type(nn.RepeatVector(n)(tn.Input(8)), tn.Tensor[Any, L[8]])
    assert_type(nn.Cropping1D((crop, 1))(tn.Input(10, 8)), tn.Tensor[Any, L[8]])
    assert_type(nn.Resizing(n, 4)(tn.Input(10, 10, 3)), tn.Tensor[Any, L[4], L[3]])
    nn.Permute(dims)(tn.Input(4, 5))


# A U-Net skip: the encoder's 68 x 68 map cropped to the decoder's 60 x 60 before joining.
encoder = tn.Input(68, 68, 8)
decoder = encoder >> nn.MaxPool2D(2) >> nn.Conv2D(8, kernel=3) >> nn.Conv2D(8, kernel=3) >> nn.UpSampling2D(2)
assert_type(decoder, tn.Tensor[L[60], L[60], L[8]])
joined = nn.concat(nn.Cropping2D(4)(encoder), decoder)
assert_type(joined, tn.Tensor[L[60], L[60], L[16]])
