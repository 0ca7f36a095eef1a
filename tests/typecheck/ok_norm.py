"""LayerNorm, RMSNorm and GroupNorm: the shape stays, named dims stay, groups that divide."""

from typing import Any, Final, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn


class Seq(tn.Dim): ...


tokens = tn.Input(Seq, 64)
assert_type(nn.LayerNorm()(tokens), tn.Tensor[Seq, L[64]])
assert_type(nn.LayerNorm(epsilon=1e-5, use_bias=False)(tokens), tn.Tensor[Seq, L[64]])
assert_type(nn.RMSNorm()(tokens), tn.Tensor[Seq, L[64]])
assert_type(nn.RMSNorm(epsilon=0, use_scale=False)(tokens), tn.Tensor[Seq, L[64]])
assert_type(tokens >> nn.LayerNorm() >> nn.Dense(64, 10), tn.Tensor[Seq, L[10]])
assert_type(nn.LayerNorm()(tn.Input(784)), tn.Tensor[L[784]])
assert_type(nn.RMSNorm()(tn.Input(2, 3, 4, 5)), tn.Tensor[L[2], L[3], L[4], L[5]])

image = tn.Input(32, 32, 64)
assert_type(nn.GroupNorm(8)(image), tn.Tensor[L[32], L[32], L[64]])
assert_type(nn.GroupNorm(1)(image), tn.Tensor[L[32], L[32], L[64]])  # one group: a LayerNorm over the image
assert_type(nn.GroupNorm(64, epsilon=1e-5)(image), tn.Tensor[L[32], L[32], L[64]])  # one group per channel
assert_type(nn.GroupNorm(4)(tn.Input(Seq, 12)), tn.Tensor[Seq, L[12]])  # NLC
assert_type(nn.GroupNorm(3)(tn.Input(6)), tn.Tensor[L[6]])  # (features,)
assert_type(image >> nn.Conv2D(32, kernel=3) >> nn.GroupNorm(4) >> nn.relu, tn.Tensor[L[30], L[30], L[32]])

GROUPS: Final = 16
assert_type(nn.GroupNorm(GROUPS)(image), tn.Tensor[L[32], L[32], L[64]])

block = nn.Dense(128) >> nn.LayerNorm() >> nn.gelu >> nn.Dense(128, 16) >> nn.RMSNorm()
assert_type(block(tn.Input(Seq, 32)), tn.Tensor[Seq, L[16]])


def runtime(groups: int, epsilon: float, channels: int) -> None:
    # Values from runtime ints and floats are unknown: gradual, never a false positive.
    assert_type(nn.GroupNorm(groups)(image), tn.Tensor[L[32], L[32], L[64]])
    assert_type(nn.LayerNorm(epsilon=epsilon)(image), tn.Tensor[L[32], L[32], L[64]])
    unknown = tn.Input(8, 8, channels)
    assert_type(nn.GroupNorm(5)(unknown), tn.Tensor[L[8], L[8], Any])
