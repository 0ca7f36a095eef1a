"""Make `examples/data/mobilenet_v2.keras`, the Keras backbone that `examples/transfer.py` imports.

Run once, with Keras 3 installed (a dev dependency of typednn, never a runtime one):
`KERAS_BACKEND=jax python examples/make_keras_model.py [OUT]`. The file is committed, so
the example itself needs no Keras. About 90 s on 2 CPU cores.

The model is `keras.applications.MobileNetV2` without its classifier, global-average
pooled, for 32x32 RGB images: 1280 features per image. `alpha=0.25` keeps the file small
(248,768 parameters, about 1.6 MB; `alpha=0.35` would be 2.2 MB). Nothing is downloaded:
it starts from Keras's random weights (`weights=None`), not ImageNet's.

It is then pretrained here, as a real backbone would be, only much smaller: with a
temporary 5-way Dense head, on the bundled 8x8 digits of the classes 0-4 only (all 901
of them, upsampled to 32x32 RGB as the example does, each epoch shifted at random by up
to one 8x8 pixel), for 6 epochs: a tiny pretraining, not ImageNet. The head is
dropped and the backbone alone is saved (its input to its pooled features), so the file
knows the digits 0-4 and has never seen a 5-9: `examples/transfer.py` fine-tunes a new
head on those, the new task.

Training moves each BatchNorm's moving statistics only 0.1% of the way per step (Keras's
momentum 0.999 in MobileNetV2), far too little in a few epochs: they would stay near
mean 0 and variance 1, and the pooled features of the saved model would fade to about
1e-10. So, after training, one training-mode pass over the pretraining images with
`momentum=0` sets each BatchNorm's moving mean and variance to those of its input. The
saved config keeps Keras's momentum.

Seeded (`keras.utils.set_random_seed(0)`), so the file comes out the same each time on
the same machine and versions.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

# Keras picks its backend once, on import; JAX is the one typednn's tests compare against.
os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # type: ignore[import-untyped]  # Keras ships no types
import numpy as np

import typednn as tn

OUT = Path(__file__).resolve().parent / "data" / "mobilenet_v2.keras"
PRETRAIN_CLASSES = 5  # the digits 0-4; examples/transfer.py fine-tunes on 5-9
EPOCHS = 6


def build() -> keras.Model:
    """MobileNetV2 (alpha 0.25) for (32, 32, 3) images, giving 1280 pooled features."""
    # Keras leaves its arguments unannotated, and pyright infers `weights: str` from the default
    # "imagenet"; None is what Keras documents for random weights.
    return keras.applications.MobileNetV2(
        weights=None,  # pyright: ignore[reportArgumentType]
        input_shape=(32, 32, 3),
        alpha=0.25,
        include_top=False,
        pooling="avg",
    )


def pretraining_data() -> tuple[np.ndarray, np.ndarray]:
    """The bundled digits 0-4 as 32x32 RGB images (each pixel repeated 4x4, in all 3 channels), and their labels."""
    digits = tn.data.digits()
    grey, labels = np.asarray(digits.features), np.asarray(digits.targets)
    keep = labels < PRETRAIN_CLASSES
    images = np.repeat(np.repeat(np.repeat(grey[keep], 4, axis=1), 4, axis=2), 3, axis=3)
    return images, labels[keep]


def shifted(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each image moved by up to 4 pixels (one of the 8x8 pixels) each way, wrapping around."""
    moves = rng.integers(-4, 5, size=(len(images), 2))
    return np.stack([np.roll(image, tuple(move), axis=(0, 1)) for image, move in zip(images, moves)])


def pretrain(backbone: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Train the backbone with a temporary Dense head on the digits 0-4; the last epoch's training accuracy.

    Each epoch sees the images freshly shifted: without that the network learns the 901
    images by heart, and its features tell the digits 5-9 apart less well (a linear head
    on them scored about 0.5 on held-out 5-9, against about 0.65 with the shifts).
    """
    scores = keras.layers.Dense(PRETRAIN_CLASSES, activation="softmax", name="pretraining_head")(backbone.output)
    classifier = keras.Model(backbone.input, scores)
    classifier.compile(
        optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    rng = np.random.default_rng(0)
    accuracy = 0.0
    for _ in range(EPOCHS):
        # Keras annotates nothing; pyright infers `verbose` as str from its default "auto".
        history = classifier.fit(
            shifted(images, rng),
            labels,
            epochs=1,
            batch_size=32,
            shuffle=True,
            verbose=0,  # pyright: ignore[reportArgumentType]
        )
        accuracy = float(history.history["accuracy"][-1])
    return accuracy


def calibrate(model: keras.Model, images: np.ndarray) -> None:
    """Set every BatchNorm's moving statistics to those of its input on `images`."""
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in norms]
    for layer in norms:
        layer.momentum = 0.0  # moving = momentum * moving + (1 - momentum) * batch: the batch's own
    model(images, training=True)
    for layer, momentum in zip(norms, momenta):
        layer.momentum = momentum  # the saved config keeps Keras's value (0.999)


def main(out: Path) -> None:
    start = time.perf_counter()
    keras.utils.set_random_seed(0)  # the same weights each time the file is made
    images, labels = pretraining_data()
    backbone = build()
    accuracy = pretrain(backbone, images, labels)
    calibrate(backbone, images)
    backbone.save(out)  # the backbone alone: the pretraining head is not part of it
    print(
        f"pretrained on {len(images)} digits 0-4 (training accuracy {accuracy:.3f});"
        f" wrote {out}: {backbone.count_params():,} parameters, {out.stat().st_size:,} bytes"
        f" in {time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
