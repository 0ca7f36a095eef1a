"""Wiring errors around token ids and embeddings."""

import optax

import typednn as tn
from typednn import nn

from typing import Literal as L

ids = tn.Input(128, dtype="int32")
floats = tn.Input(128)
a = floats >> nn.Embedding(1000, 64)  # expect-error: Embedding(1000, 64), integer token ids, float features (128,)
b = ids >> nn.Dense(10)  # expect-error: Dense(10), float features, token ids (128,)
c = nn.Flatten()(ids)  # expect-error: Flatten(), float features, token ids
d = nn.Embedding(0, 64)  # expect-error: Embedding, vocab must be a positive int, 0
e = nn.Embedding(10, -1)  # expect-error: features must be a positive int, -1
f = ids >> nn.Embedding(100, 8) >> nn.PositionEmbedding(64)  # expect-error: PositionEmbedding(64), at most 64 positions, (128, 8)
g = ids >> nn.Embedding(100, 7) >> nn.Flatten() >> nn.SinusoidalPositionEmbedding()  # expect-error: SinusoidalPositionEmbedding(), (sequence, features), (896,)
h = ids >> nn.Embedding(100, 8) >> nn.Flatten() >> nn.PositionEmbedding(200)  # expect-error: PositionEmbedding(200), (sequence, features), (1024,)
i = nn.PositionEmbedding(0)  # expect-error: max_length must be a positive int, 0
j = tn.Input(3, dtype="int8")  # expect-error: No overload variant of "Input"
k = ids + ids  # expect-error: Add expects float features, token ids (128,)
model = tn.Model(ids, ids >> nn.Embedding(100, 8) >> nn.Flatten() >> nn.Dense(2))


def train(data: tn.data.Dataset[tn.Tensor[L[128]], tn.Classes[L[2]]]) -> None:
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3))
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, token ids of shape (128,), floats
