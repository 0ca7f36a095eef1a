"""Keras's functional API, typed: a two-tower (Siamese) model, a model with a class head and
a box head, and a U-Net that crops its skip connections. Each type spells every input and
output; mypy with the typednn plugin checks each branch, merge and crop.

Each function has a spec-file twin that builds the same graph, in `examples/keras_functional/`.
"""

from __future__ import annotations

from typing import Literal as L

import numpy as np
import optax

import typednn as tn
from typednn import nn

Pair = tuple[tn.Tensor[L[32]], tn.Tensor[L[32]]]
Image = tn.Tensor[L[32], L[32], L[3]]
Meta = tn.Tensor[L[8]]
Tile = tn.Tensor[L[36], L[36], L[1]]


def two_tower() -> tn.Model[Pair, tn.Tensor[L[1]]]:
    """Siamese: one tower (shared weights) embeds both items; a head scores the pair.

    As in the Keras example "Image similarity estimation using a Siamese network": the
    tower's weights are used twice, and count once.
    """
    left, right = tn.Input(32, name="left"), tn.Input(32, name="right")
    tower = nn.Dense(32, 16, name="tower_1") >> nn.relu >> nn.Dense(16, 8, name="tower_2")
    joined = nn.concat(tower(left), tower(right))  # (16,)
    score = joined >> nn.Dense(16, 8, name="head") >> nn.relu >> nn.Dense(8, 1, name="score")
    return tn.Model((left, right), score, name="two_tower")


def classify_and_locate() -> tn.Model[tuple[Image, Meta], tuple[tn.Tensor[L[10]], tn.Tensor[L[4]]]]:
    """An image and its metadata in; a class (10 scores) and a box (4 values) out."""
    image = tn.Input(32, 32, 3, name="image")
    meta = tn.Input(8, name="meta")
    h = image >> nn.Conv2D(16, kernel=3, name="conv") >> nn.relu >> nn.MaxPool2D(2) >> nn.GlobalAvgPool2D()
    z = nn.concat(h, meta >> nn.Dense(16, name="meta_dense") >> nn.relu)  # (32,)
    label = z >> nn.Dense(10, name="label")
    box = z >> nn.Dense(4, name="box")
    return tn.Model((image, meta), (label, box), name="classify_and_locate")


def unet() -> tn.Model[Tile, tn.Tensor[L[28], L[28], L[2]]]:
    """A small U-Net with unpadded convolutions, as the original: the skip connection is cropped to fit.

    Down: 36 -> 34 -> 32 (3x3 convolutions), pooled to 16, 14 at the bottom; up: 28.
    The skip from the 32 x 32 level is cropped by 2 on each side to 28 and joined to
    the up path: mypy checks that the crop makes the two agree.
    """
    x = tn.Input(36, 36, 1, name="tile")
    d1 = x >> nn.Conv2D(8, kernel=3, name="down_1") >> nn.relu  # (34, 34, 8)
    d2 = d1 >> nn.Conv2D(8, kernel=3, name="down_2") >> nn.relu  # (32, 32, 8)
    bottom = d2 >> nn.MaxPool2D(2) >> nn.Conv2D(16, kernel=3, name="bottom") >> nn.relu  # (14, 14, 16)
    up = bottom >> nn.UpSampling2D(2) >> nn.Conv2D(8, kernel=1, name="up")  # (28, 28, 8)
    skip = d2 >> nn.Cropping2D(2)  # (28, 28, 8)
    joined = nn.concat(skip, up)  # (28, 28, 16)
    out = joined >> nn.Conv2D(8, kernel=3, padding="same", name="mix") >> nn.relu >> nn.Conv2D(2, kernel=1, name="mask")
    return tn.Model(x, out, name="unet")


def train_classify_and_locate(examples: int = 64, epochs: int = 2) -> dict[str, float]:
    """Train the two-headed model on random data for a few steps: a loss per output, weighted."""
    rng = np.random.default_rng(0)
    data = tn.data.from_arrays(
        {"image": rng.normal(size=(examples, 32, 32, 3)), "meta": rng.normal(size=(examples, 8))},
        {"label": rng.integers(0, 10, examples), "box": rng.normal(size=(examples, 4))},
    )
    trainer = tn.Trainer(
        classify_and_locate(),
        loss={"label": tn.losses.softmax_cross_entropy, "box": tn.losses.mean_squared_error},
        loss_weights={"box": 0.5},
        metrics={"label": ["accuracy"]},
        optimizer=optax.adam(1e-3),
    )
    history = trainer.fit(data, epochs=epochs, batch_size=16, verbose=0)
    return history.epochs[-1]


if __name__ == "__main__":
    for build in (two_tower, classify_and_locate, unet):
        print(build().summary(), end="\n\n")
    print(train_classify_and_locate())
