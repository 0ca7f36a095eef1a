"""Mis-wired on purpose: `typednn check` (mypy with the plugin) rejects this file.

`make demo` shows its three errors, then trains a model wired right; nothing here runs.
"""

from typing import Literal as L

import typednn as tn
from typednn import nn

x = tn.Input(28, 28, 1)
h = nn.Conv2D(32, kernel=5, stride=2)(x)  # (28 - 5) // 2 + 1 = 12, so 12 x 12 x 32
y = h >> nn.Flatten() >> nn.Dense(5408, 10)  # 12 * 12 * 32 = 4608 features arrive, not 13 * 13 * 32
block = nn.Dense(784, 128) >> nn.relu >> nn.Dense(64, 10)  # 128 features leave, 64 expected


def fit(model: tn.Trainer[tn.Tensor[L[28], L[28], L[1]], tn.Tensor[L[10]]]) -> None:
    data: tn.data.Dataset[tn.Tensor[L[784]], tn.Classes[L[10]]]  # flat images: wrong input
    data = tn.data.from_arrays([], [])
    model.fit(data, epochs=1)
