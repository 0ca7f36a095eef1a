"""Token ids, embeddings and positions: the types follow ids into features."""

from typing import Literal as L
from typing import assert_type

import typednn as tn
from typednn import nn


class Seq(tn.Dim): ...


ids = tn.Input(128, dtype="int32")
assert_type(ids, tn.Tokens[L[128]])
h = nn.Embedding(1000, 64)(ids)
assert_type(h, tn.Tensor[L[128], L[64]])
h = h >> nn.SinusoidalPositionEmbedding() >> nn.PositionEmbedding(512)
assert_type(h, tn.Tensor[L[128], L[64]])
y = h >> nn.LayerNorm() >> nn.Flatten() >> nn.Dense(2)
model = tn.Model(ids, y)
assert_type(model, tn.Model[tn.Tokens[L[128]], tn.Tensor[L[2]]])

grid = tn.Input(4, 8, dtype="int32") >> nn.Embedding(10, 3)
assert_type(grid, tn.Tensor[L[4], L[8], L[3]])
named = tn.Input(Seq, dtype="int32") >> nn.Embedding(100, 16) >> nn.PositionEmbedding(64)
assert_type(named, tn.Tensor[Seq, L[16]])
features = tn.Input(16)
assert_type(features, tn.Tensor[L[16]])
explicit = tn.Input(16, dtype="float32")
assert_type(explicit, tn.Tensor[L[16]])


def train(data: tn.data.Dataset[tn.Tokens[L[128]], tn.Classes[L[2]]]) -> None:
    import optax

    tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3)).fit(data, epochs=1)


def sizes(vocab: int) -> None:
    # A vocab mypy cannot know is fine; the Trainer checks the ids against it at run time.
    assert_type(tn.Input(5, dtype="int32") >> nn.Embedding(vocab, 4), tn.Tensor[L[5], L[4]])
