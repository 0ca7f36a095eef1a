"""Text classification on raw strings, typed: film reviews to token ids to a small classifier.

Run it with `python examples/reviews.py [RUN_DIR]`. `tn.data.table` reads the reviews as
written (examples/data/reviews.csv); `tokens(24, max_tokens=100)` standardizes and
splits each, and maps its first 24 words to int32 ids with a vocabulary fitted on the
training rows only (0 pads, 1 is a word unseen in training). The model embeds the ids
(`mask_zero=True`: the pooling averages real words only) and classifies the average.
The vocabulary is saved with the model, so the reloaded export predicts on raw text,
and its predictions equal the trained model's on the training-time features, bit for bit.
`examples/reviews.yaml` is its spec-file twin (`typednn train examples/reviews.yaml`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Final
from typing import Literal as L

import numpy as np
import optax

import typednn as tn
from typednn import nn
from typednn.data.transforms import Columns, tokens

DATA = Path(__file__).resolve().parent / "data" / "reviews.csv"
LENGTH: Final = 24  # Final: the mypy plugin reads the width of `Columns` from it (Tokens[L[24]])
MAX_TOKENS: Final = 100
VOCAB = MAX_TOKENS + 2  # the vocabulary, one out-of-vocabulary id and the padding id 0

Review = tn.Tokens[L[24]]
Scores = tn.Tensor[L[2]]


def build() -> tn.Model[Review, Scores]:
    ids = tn.Input(LENGTH, dtype="int32", name="review")
    h = ids >> nn.Embedding(VOCAB, 16, mask_zero=True) >> nn.GlobalAvgPool1D()  # (16,): the real words' mean
    return tn.Model(ids, h >> nn.Dense(16) >> nn.relu >> nn.Dense(2), name="reviews")


def train(
    data: tn.data.Dataset[Review, tn.Classes[L[2]]],
    validation: tn.data.Dataset[Review, tn.Classes[L[2]]],
    *,
    epochs: int = 15,
) -> tn.Trainer[Review, Scores]:
    trainer = tn.Trainer(
        build(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), metrics=["accuracy"], seed=0
    )
    trainer.fit(data, epochs=epochs, batch_size=32, validation=validation, verbose=0)
    return trainer


def main(run: Path, *, epochs: int = 15) -> dict[str, Any]:
    """Train, export with the vocabulary, reload and predict on raw rows; what happened, as numbers."""
    raw = tn.data.table(DATA, label="label")  # every column as written: the reviews are text
    rows, held = raw.split(0.2, seed=0)
    prep = Columns({"review": tokens(LENGTH, max_tokens=MAX_TOKENS)}).fit(rows)  # vocabulary: training rows only
    data: tn.data.Dataset[Review, tn.Classes[L[2]]] = prep(rows)  # int32 ids (rows, 24)
    validation: tn.data.Dataset[Review, tn.Classes[L[2]]] = prep(held)
    trainer = train(data, validation, epochs=epochs)
    result = trainer.evaluate(validation)
    tn.save(trainer.model, trainer.params, run / "model", transform=prep)

    loaded = tn.load(run / "model")
    model, params = loaded
    assert loaded.transform is not None
    served = loaded.transform.features(tn.data.table(DATA))  # raw review text, no label read
    ours = np.asarray(trainer.model.apply(trainer.params, prep.features(raw)))
    theirs = np.asarray(model.apply(params, served))
    return {
        "vocabulary": len(prep.steps["review"][0].state()["vocabulary"]),
        "val_accuracy": result["accuracy"],
        "same_features": bool(np.array_equal(served, prep.features(raw))),
        "same_predictions": bool(np.array_equal(ours, theirs)),
    }


if __name__ == "__main__":
    found = main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs/reviews"))
    print(", ".join(f"{name} {value}" for name, value in found.items()))
