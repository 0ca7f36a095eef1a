"""Make `examples/data/mobilenet_v2.keras`, the Keras model that `examples/transfer.py` imports.

Run once, with Keras 3 installed (a dev dependency of typednn, never a runtime one):
`KERAS_BACKEND=jax python examples/make_keras_model.py [OUT]`. The file is committed, so
the example itself needs no Keras.

The model is `keras.applications.MobileNetV2` without its classifier, global-average
pooled, for 32x32 RGB images, with `weights=None`: Keras's random initial weights, so
nothing is downloaded. `alpha=0.25` keeps the file small (249k parameters, about 1.6 MB;
`alpha=0.35` would be 2.2 MB).

With Keras's initial BatchNorm statistics (mean 0, variance 1) the random network's
signal fades block after block: its pooled features come out near 1e-10, too small for
a new head to learn from. So the moving statistics are set from the images the example
trains on (512 of the training split's digits, upsampled as it does): one
training-mode pass with `momentum=0` makes each BatchNorm's moving mean and variance
those of its input, and the features come out of order 1. Only the images are used,
no labels; the convolutions keep their random weights.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Keras picks its backend once, on import; JAX is the one typednn's tests compare against.
os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # type: ignore[import-untyped]  # Keras ships no types
import numpy as np

import typednn as tn

OUT = Path(__file__).resolve().parent / "data" / "mobilenet_v2.keras"


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


def calibrate(model: keras.Model) -> None:
    """Set every BatchNorm's moving statistics to those of its input on 512 training images."""
    train, _ = tn.data.digits().split(0.2, seed=0)  # the split examples/transfer.py trains on
    grey = np.asarray(train.features[:512])
    images = np.repeat(np.repeat(np.repeat(grey, 4, axis=1), 4, axis=2), 3, axis=3)
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in norms]
    for layer in norms:
        layer.momentum = 0.0  # moving = momentum * moving + (1 - momentum) * batch: the batch's own
    model(images, training=True)
    for layer, momentum in zip(norms, momenta):
        layer.momentum = momentum  # the saved config keeps Keras's value (0.999)


def main(out: Path) -> None:
    keras.utils.set_random_seed(0)  # the same weights each time the file is made
    model = build()
    calibrate(model)
    model.save(out)
    print(f"wrote {out}: {model.count_params():,} parameters, {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
