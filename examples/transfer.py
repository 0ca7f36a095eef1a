"""Transfer learning from a Keras model: import MobileNetV2, freeze it, train a new head, share it.

Run it with `python examples/transfer.py [RUN_DIR]` (default `runs/transfer`). It

1. imports `examples/data/mobilenet_v2.keras` (made by `examples/make_keras_model.py`)
   with `tn.import_keras`: no Keras needed, nothing from the file runs;
2. puts a new Dense head on its pooled features (the functional API) and freezes every
   backbone layer (`Trainer(frozen=...)`: the optimizer never updates them, and their
   BatchNorm layers keep their statistics);
3. fine-tunes the head on a new task: the bundled 8x8 digits 5-9 only, each upsampled
   to 32x32 RGB (the classes "5" to "9"), and prints the accuracy on held-out 5-9;
4. saves the export, pushes it to a registry as `digits-mnv2:v1` (`tn.hub.push`),
   pulls it back through the cache (`tn.hub.load`) and checks the predictions are equal.

The registry is `$TYPEDNN_HUB` if set, else `RUN_DIR/registry`; the cache is
`$TYPEDNN_CACHE/hub` (default `~/.cache/typednn/hub`).

The backbone in the Keras file was trained by `examples/make_keras_model.py`, in Keras,
on the digits 0-4 only: a tiny pretraining (6 epochs on 901 images), not ImageNet, so
the example runs offline in a minute. Its features still carry over to digits it never
saw: the head alone, on the frozen backbone, scores about 0.59 on the held-out 5-9,
where chance is 0.2 (the same head on MobileNetV2's random initial weights stays near
chance). A backbone pretrained on more data transfers better, with the same
code (import a `keras.applications` model saved with `weights="imagenet"`). About 50 s
on 2 CPU cores, most of it compiling.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from typing import Literal as L

import numpy as np
import optax

import typednn as tn
from typednn import nn
from typednn.lower import Params

KERAS_FILE = Path(__file__).resolve().parent / "data" / "mobilenet_v2.keras"
REFERENCE = "digits-mnv2:v1"

Image = tn.Tensor[L[32], L[32], L[3]]
Scores = tn.Tensor[L[5]]
NEW_CLASSES = ("5", "6", "7", "8", "9")


def new_task(data: tn.data.Dataset[Any, Any]) -> tn.data.Dataset[Image, tn.Classes[L[5]]]:
    """The digits 5-9 (the backbone never saw them) as 32x32 RGB images, classes 0-4 named "5" to "9".

    Each 8x8 grey pixel is repeated 4x4, the grey in all 3 channels, as the backbone was trained.
    """
    digits = np.asarray(data.targets)
    keep = digits >= 5
    images = np.repeat(np.repeat(np.asarray(data.features)[keep], 4, axis=1), 4, axis=2)
    return tn.data.from_arrays(np.repeat(images, 3, axis=3), digits[keep] - 5, classes=NEW_CLASSES)


def build() -> tuple[tn.Model[Image, Scores], Params, list[str]]:
    """The imported backbone with a new head: the model, the backbone's weights, its layer names."""
    backbone, weights = tn.import_keras(KERAS_FILE)  # tn.Model[Any, Any]: its shapes come from the file
    features: tn.Tensor[L[1280]] = backbone.outputs  # MobileNetV2's pooled features, checked when it runs
    logits = features >> nn.Dense(5, name="head")
    model: tn.Model[Image, Scores] = tn.Model(backbone.inputs, logits, name="digits_mnv2")
    return model, weights, [backbone.graph.name(layer) for layer in backbone.graph.layers()]


def train(data: tn.data.Dataset[Image, tn.Classes[L[5]]], *, epochs: int = 10) -> tn.Trainer[Image, Scores]:
    """Fit the head only: the backbone's layers are frozen, and start from the Keras file's weights."""
    model, weights, backbone_layers = build()
    trainer = tn.Trainer(
        model,
        loss=tn.losses.softmax_cross_entropy,
        optimizer=optax.adam(1e-2),
        metrics=["accuracy"],
        frozen=backbone_layers,
        seed=0,
    )
    # The backbone keeps its layer names in the new model, so its weights go in by name.
    trainer.params = {**trainer.params, **weights}
    trainer.fit(data, epochs=epochs, batch_size=64, verbose=0)
    return trainer


def main(run: Path) -> None:
    train_data, test_data = new_task(tn.data.digits()).split(0.2, seed=0)
    trainer = train(train_data)
    accuracy = trainer.evaluate(test_data)["accuracy"]
    print(f"test accuracy {accuracy:.4f} on held-out digits 5-9 (chance: 0.2), the backbone frozen")

    export = run / "model"
    trainer.save(str(export))
    registry = os.environ.get("TYPEDNN_HUB") or str(run / "registry")
    card = tn.hub.Card(
        metrics={"test_accuracy": accuracy},
        data="the bundled 8x8 digits 5-9, upsampled to 32x32 RGB; 20% held out",
        text="A Dense head on an imported Keras MobileNetV2 (alpha 0.25), pretrained on the digits 0-4, frozen.",
    )
    pushed = tn.hub.push(export, REFERENCE, registry=registry, card=card)
    print(f"pushed {pushed.reference} to {registry}: {pushed.manifest}")

    model, params = tn.hub.load(REFERENCE, registry=registry)  # downloaded once into the cache, verified
    x = test_data.features
    same = np.array_equal(np.asarray(model.apply(params, x)), np.asarray(trainer.model.apply(trainer.params, x)))
    print(f"pulled {REFERENCE} back: predictions identical: {same}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs/transfer"))
