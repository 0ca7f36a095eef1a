"""Training speed of the seq2seq Transformer: one epoch of typednn's `Trainer.fit` against Keras 3's `fit`.

The model is `zoo.transformer_seq2seq()` (two int32 inputs of 32 ids, vocab 1,000, 64
features, 2 heads, two encoder and two decoder blocks, `(32, 1000)` logits); Keras gets
the same network from its own layers (`_seq2seq.keras_seq2seq`: Embedding plus a learned
position table, MultiHeadAttention, LayerNormalization, Dense with gelu, Dropout; the same
parameter count). The data is random source ids and a random target sequence shifted by
one (the decoder reads ids 0..31 and predicts 1..32), seeded; the loss is the mean softmax
cross-entropy over the positions, adam(1e-3), one shuffled epoch of full batches:

- ``typednn``: `tn.Trainer(...).fit(tn.data.from_arrays((source, target_in), target_out,
  classes=1000), epochs=1, batch_size=B, verbose=0)`;
- ``keras``: Keras 3 on its JAX backend, `model.fit([source, target_in], target_out,
  epochs=1, shuffle=True)` on the same NumPy arrays.

As in train_speed.py (whose timing it shares), each runs one untimed warm-up epoch (it
compiles), then they take turns, one timed epoch each per round in rotating order; the
figure is typednn's best epoch / Keras's best epoch. The issue sets no target for it.

Run alone with ``python bench/seq2seq_fit.py [--repeats N] [--samples N] [--batch N]``.
"""

from __future__ import annotations

import argparse
from typing import Any

import jax
import numpy as np
from _common import add_option, markdown_table
from _seq2seq import data, keras_seq2seq
from train_speed import Case, compare, import_keras, keras_epoch, typednn_epoch
from train_speed import table as fit_table

import typednn as tn
from typednn import zoo

MODEL = "transformer_seq2seq"


def parameter_counts() -> dict[str, int]:
    """The trainable parameters of the typed model and of the Keras model."""
    typed = zoo.transformer_seq2seq()
    trainable = typed.lowered.split(typed.init(jax.random.key(0)))[0]
    keras_model = keras_seq2seq(import_keras())
    return {
        "typednn": sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(trainable)),
        "keras": sum(int(np.prod(weight.shape)) for weight in keras_model.trainable_weights),
    }


def run(*, repeats: int = 3, samples: int = 2_048, batch: int = 64, seed: int = 0) -> tuple[Case, dict[str, int]]:
    """A warm-up epoch each, then `repeats` rounds of one epoch each; also the two parameter counts."""
    (source, target_in), target_out = data(samples, seed)
    model: tn.Model[Any, Any] = zoo.transformer_seq2seq()
    contenders = {
        "typednn": typednn_epoch(model, (source, target_in), target_out, batch, classes=1_000),
        # A list, as the Keras model's inputs are: a tuple would not match their structure.
        "keras": keras_epoch(keras_seq2seq, [source, target_in], target_out, batch),
    }
    case = compare(MODEL, contenders, samples=samples, batch=batch, repeats=repeats, matmuls=[])
    return case, parameter_counts()


def params_table(counts: dict[str, int]) -> str:
    """The two parameter counts side by side."""
    return markdown_table(["model", "trainable parameters"], "lr", [[name, f"{n:,}"] for name, n in counts.items()])


def targets(case: Case) -> list[str]:
    """The figure, against no target (the issue asks for the measurement)."""
    return [f"- {case.model}: fit epoch, typednn / keras = {case.ratio('keras'):.3f} (no target)"]


def notes(case: Case, counts: dict[str, int]) -> list[str]:
    """What the figure rests on: the sizes, the parameter counts, the losses, and what differs."""
    losses = ", ".join(f"{name} {timing.losses[-1]:.3f}" for name, timing in case.timings.items())
    same = "the same" if len(set(counts.values())) == 1 else "DIFFERENT"
    return [
        f"- {case.model} fit: {case.samples:,} examples of 32 source and 32 target ids, batch {case.batch}, "
        f"{case.samples // case.batch} steps per epoch, {len(case.timings['typednn'].epochs)} timed epoch(s) each; "
        f"loss after the last: {losses}.",
        f"- {case.model} fit: {same} trainable parameters (typednn {counts['typednn']:,}, keras {counts['keras']:,}); "
        "Keras keeps its own initialisers (glorot uniform) and drops attention weights per example and head "
        "(typednn, as flax, one pattern shared across the batch and the heads).",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "repeats", "timed epochs per contender")
    add_option(parser, run, "samples", "examples")
    add_option(parser, run, "batch", "batch size")
    args = parser.parse_args()
    case, counts = run(repeats=args.repeats, samples=args.samples, batch=args.batch)
    print(fit_table([case]), end="\n\n")
    print(params_table(counts), end="\n\n")
    print("\n".join([*targets(case), *notes(case, counts)]))


if __name__ == "__main__":
    main()
