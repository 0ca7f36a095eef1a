"""Keras's sequence examples, typed: a bidirectional-LSTM tagger on padded batches, and an
encoder-decoder (seq2seq) LSTM whose decoder starts from the encoder's final state.

The tagger's sentences have different lengths, padded with id 0 to 20: the embedding's
`mask_zero=True` makes the LSTMs skip the padding and the loss and accuracy count only
real tokens. The seq2seq model learns to reverse a sequence of symbols (one-hot), with
teacher forcing: the decoder reads the target shifted by one, from the encoder's state.

Each function has a spec-file twin that builds the same graph, in `examples/keras_functional/`.
"""

from __future__ import annotations

from typing import Any
from typing import Literal as L

import numpy as np
import optax

import typednn as tn
from typednn import nn

VOCAB, TAGS, LENGTH = 50, 5, 20
SYMBOLS, SOURCE_LENGTH = 12, 8  # the target: a start symbol, then the source reversed
Array = np.ndarray[Any, Any]
Source = tn.Tensor[L[8], L[12]]
Target = tn.Tensor[L[9], L[12]]


def tagger() -> tn.Model[tn.Tokens[L[20]], tn.Tensor[L[20], L[5]]]:
    """A tag per token (a part-of-speech tagger's shape): padded positions are masked out."""
    ids = tn.Input(20, dtype="int32", name="ids")
    h = ids >> nn.Embedding(50, 32, mask_zero=True, name="embed")
    h = h >> nn.Bidirectional(nn.LSTM(32), name="bilstm")  # (20, 64); padded steps skipped
    return tn.Model(ids, h >> nn.Dense(5, name="tags"), name="tagger")


def seq2seq_lstm() -> tn.Model[tuple[Source, Target], tn.Tensor[L[9], L[12]]]:
    """Keras's "sequence to sequence learning" LSTM: the encoder's final state starts the decoder."""
    source = tn.Input(8, 12, name="source")
    target = tn.Input(9, 12, name="target")
    _, h, c = nn.LSTM(64, return_state=True, return_sequences=False, name="encoder")(source)
    decoded = nn.LSTM(64, name="decoder")(target, initial_state=(h, c))  # (9, 64)
    return tn.Model((source, target), decoded >> nn.Dense(12, name="next"), name="seq2seq_lstm")


def padded_sentences(examples: int, seed: int = 0) -> tuple[Array, Array]:
    """Sentences of 3 to 20 tokens padded with 0, and their tags (a token's tag is its id mod 5)."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, VOCAB, (examples, LENGTH)).astype(np.int32)
    for row, length in enumerate(rng.integers(3, LENGTH + 1, examples)):
        tokens[row, length:] = 0
    return tokens, (tokens % TAGS).astype(np.int32)


def reversals(examples: int, seed: int = 0) -> tuple[tuple[Array, Array], Array]:
    """One-hot sequences of symbols 1..11, the decoder's inputs (0, then the reversal) and its targets."""
    rng = np.random.default_rng(seed)
    symbols = rng.integers(1, SYMBOLS, (examples, SOURCE_LENGTH))
    reversed_ = symbols[:, ::-1]
    decoder_in = np.concatenate([np.zeros((examples, 1), np.int64), reversed_], axis=1)  # 0 starts the target
    targets = np.concatenate([reversed_, np.zeros((examples, 1), np.int64)], axis=1)  # 0 ends it
    one_hot = np.eye(SYMBOLS, dtype=np.float32)
    return (one_hot[symbols], one_hot[decoder_in]), targets.astype(np.int32)


def train_tagger(examples: int = 256, epochs: int = 3) -> dict[str, float]:
    """Train the tagger on padded sentences; its loss and accuracy count only real tokens."""
    tokens, tags = padded_sentences(examples)
    return _fit(tagger(), tn.data.from_arrays(tokens, tags, classes=TAGS), epochs)


def train_seq2seq(examples: int = 256, epochs: int = 3) -> dict[str, float]:
    """Train the seq2seq LSTM to reverse its input."""
    inputs, targets = reversals(examples)
    return _fit(seq2seq_lstm(), tn.data.from_arrays(inputs, targets, classes=SYMBOLS), epochs)


def _fit(model: tn.Model[Any, Any], data: tn.data.Dataset[Any, Any], epochs: int) -> dict[str, float]:
    """A class per position: cross-entropy and accuracy over the real positions; the last epoch's values."""
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), metrics=["accuracy"])
    return trainer.fit(data, epochs=epochs, batch_size=32, verbose=0).epochs[-1]


if __name__ == "__main__":
    for build in (tagger, seq2seq_lstm):
        print(build().summary(), end="\n\n")
    print("tagger", train_tagger(epochs=10))
    print("seq2seq", train_seq2seq(epochs=20))
