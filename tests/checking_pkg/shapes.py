# mypy reads `tn.Tensor` as the symbolic graph tensor; here the annotations are checked at run
# time on NumPy and JAX arrays (docs/typeguard.md, "Limitation"), so calls with arrays, array methods on
# annotated arguments and their results are errors to mypy that this file makes on purpose.
# mypy: disable-error-code="attr-defined, index, no-any-return, operator"
"""Functions whose only checks are their `tn.Tensor[...]` annotations."""

from __future__ import annotations

from typing import Any
from typing import Literal as L

import typednn as tn


class Seq(tn.Dim):
    """Tokens in a sequence."""


def brighten(images: tn.Tensor[L[28], L[28], L[1]]) -> tn.Tensor[L[28], L[28], L[1]]:
    return images + 1


def attend(queries: tn.Tensor[Seq, L[64]], keys: tn.Tensor[Seq, L[64]]) -> tn.Tensor[Seq, Seq]:
    return queries @ keys.swapaxes(1, 2)


def truncate(tokens: tn.Tensor[Seq, L[64]]) -> tn.Tensor[Seq, L[64]]:
    return tokens[:, 1:]  # wrong on purpose: drops a token, so Seq changes between argument and return


def anything(x: tn.Tensor[*tuple[Any, ...]]) -> tn.Tensor[*tuple[Any, ...]]:
    return x
