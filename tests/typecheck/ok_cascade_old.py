# mypy: allow-redefinition-old, no-allow-redefinition
"""Straight-line redefinitions type-check under `allow_redefinition_old` too."""

from typing import Literal as L

import typednn as tn
from typednn import nn

h = tn.Input(28, 28, 1)
h = nn.Conv2D(8, kernel=3)(h)
h = h >> nn.relu >> nn.MaxPool2D(2)
h = nn.Flatten()(h)
h = h >> nn.Dense(13 * 13 * 8, 10)
out: tn.Tensor[L[10]] = h
