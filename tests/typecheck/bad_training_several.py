"""A dataset whose any input or target disagrees with a two-input two-output model: the error names which."""

from typing import Literal as L

import typednn as tn


class Seq(tn.Dim):
    """Tokens."""


Image = tn.Tensor[L[8], L[8], L[3]]
Meta = tn.Tensor[L[4]]
Label = tn.Tensor[L[10]]
Box = tn.Tensor[L[4]]
TwoHeads = tn.Trainer[tuple[Image, Meta], tuple[Label, Box]]


def wrong_second_input(
    trainer: TwoHeads, data: tn.data.Dataset[tuple[Image, tn.Tensor[L[5]]], tuple[tn.Classes[L[10]], Box]]
) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, features of shape (4,) for input 2 of 2, (5,)


def wrong_first_classes(
    trainer: TwoHeads, data: tn.data.Dataset[tuple[Image, Meta], tuple[tn.Classes[L[7]], Box]]
) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, 10 classes for output 1 of 2, 7 classes


def wrong_box(
    trainer: TwoHeads, data: tn.data.Dataset[tuple[Image, Meta], tuple[tn.Classes[L[10]], tn.Tensor[L[2]]]]
) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, targets of shape (4,) for output 2 of 2, (2,)


def one_feature_array(trainer: TwoHeads, data: tn.data.Dataset[Image, tuple[tn.Classes[L[10]], Box]]) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, features for 2 inputs, 1 feature array


def three_target_arrays(
    trainer: TwoHeads, data: tn.data.Dataset[tuple[Image, Meta], tuple[tn.Classes[L[10]], Box, Box]]
) -> None:
    trainer.evaluate(data)  # expect-error: Trainer.evaluate, targets for 2 outputs, 3 target arrays


def predict_second_input(
    trainer: TwoHeads, data: tn.data.Dataset[tuple[Image, tn.Tensor[L[6]]], tuple[tn.Classes[L[10]], Box]]
) -> None:
    trainer.predict(data)  # expect-error: Trainer.predict, features of shape (4,) for input 2 of 2, (6,)


def validation_first_input(
    trainer: TwoHeads,
    data: tn.data.Dataset[tuple[Image, Meta], tuple[tn.Classes[L[10]], Box]],
    other: tn.data.Dataset[tuple[tn.Tensor[L[8], L[8], L[1]], Meta], tuple[tn.Classes[L[10]], Box]],
) -> None:
    trainer.fit(data, epochs=1, validation=other)  # expect-error: Trainer.fit, (8, 8, 3) for input 1 of 2, (8, 8, 1)


def two_lengths(
    trainer: tn.Trainer[tuple[tn.Tensor[Seq, L[8]], tn.Tensor[Seq]], tuple[tn.Tensor[Seq, L[2]], tn.Tensor[L[3]]]],
    data: tn.data.Dataset[
        tuple[tn.Tensor[L[10], L[8]], tn.Tensor[L[12]]], tuple[tn.Tensor[L[10], L[2]], tn.Classes[L[3]]]
    ],
) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, (Seq,) for input 2 of 2, (12,), Seq


def one_input_model(
    trainer: tn.Trainer[Meta, Label],
    data: tn.data.Dataset[tuple[Meta, Meta], tn.Classes[L[10]]],
) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, features for 1 input, 2 feature arrays
