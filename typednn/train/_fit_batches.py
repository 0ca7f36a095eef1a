"""`fit` on batches from Python: its arguments checked, the first batch read, the feed made.

`Trainer.fit` calls `PythonBatches.start` when `data` is an iterable of `(x, y)` batches
(`is_batches`) rather than a dataset; the rest of `fit` then runs as for a dataset, with
the first batch standing in for it where its types are checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from .._errors import TypednnError
from .._model import Model
from .._words import given
from ..data import Dataset
from ..distributed import Placement
from ._batch_check import Batch, BatchCheck, one_shot
from ._feed import steps_per_chunk
from ._generator_feed import FromPython, generator_error

METHOD = "Trainer.fit"

_HINT_ONE_SHOT = (
    "an iterator can be read only once: pass steps_per_epoch=N to draw N batches from it per epoch"
    " (Keras's fit(generator)), give a list of (x, y) batches or an object whose __iter__ starts anew,"
    " or collect its arrays and pass tn.data.from_arrays(features, targets)"
)


def _first(batches: Iterator[Any], where: str) -> object:
    try:
        return next(batches)
    except StopIteration:
        raise TypednnError(
            f"{METHOD}: the {where} batches yield no batch", hint="yield at least one (x, y) batch"
        ) from None
    except Exception as error:  # the user's code: its own traceback chained
        raise generator_error(error, f"the first batch of the {where}", METHOD) from error


@dataclass
class PythonBatches:
    """Batches from Python for one `fit`: the first batch read and checked, the rest to feed.

    Attributes:
        first: The first batch as a checked one-batch dataset (its types stand for all).
        batch_size: The first batch's size, which every step takes.
        steps_per_epoch: Batches per epoch; 0 when not known before the first pass.
    """

    source: Iterable[Any]
    started: Iterator[Any]
    check: BatchCheck
    first_batch: Batch
    first: Dataset[Any, Any]
    batch_size: int
    steps_per_epoch: int
    fixed_steps: bool

    @classmethod
    def start(
        cls,
        model: Model[Any, Any],
        data: Iterable[Any],
        *,
        steps_per_epoch: int | None,
        batch_size: int | None,
        validation: object,
        sample_weight: object,
        class_weight: Mapping[int, float] | None,
        placement: Placement | None,
    ) -> PythonBatches:
        """Check `fit`'s arguments for batches from Python and read (and check) the first batch.

        Raises:
            TypednnError: for a one-shot generator without `steps_per_epoch` (with the
                message `fit` gives anything else that is no dataset), for `batch_size`,
                `sample_weight` or a validation share (they are a dataset's), on a mesh,
                or when the generator raises (its exception chained).
            ShapeError: if the first batch does not fit the model, as a dataset would say.
        """
        if steps_per_epoch is None and one_shot(data):
            raise TypednnError(
                f"{METHOD} expects a tn.data.Dataset as data, but receives {given(data)}", hint=_HINT_ONE_SHOT
            )
        if steps_per_epoch is not None and (isinstance(steps_per_epoch, bool) or steps_per_epoch < 1):
            raise TypednnError(
                f"{METHOD}: steps_per_epoch must be at least 1, not {steps_per_epoch!r}", hint="batches per epoch"
            )
        refused = {
            "batch_size": batch_size is not None,
            "sample_weight": sample_weight is not None,
            "validation as a share": isinstance(validation, float),
        }
        for name, given_ in refused.items():
            if given_:
                raise TypednnError(
                    f"{METHOD}: {name} is for a dataset; batches from Python are as the generator makes them",
                    hint="leave it out: the first batch sets the batch size, a third item of each batch"
                    " (x, y, sample_weight) weighs its examples, and validation= takes batches too",
                )
        if placement is not None:
            raise TypednnError(
                f"{METHOD}: batches from Python are not fed to a mesh of devices yet",
                hint="make a dataset of the arrays (tn.data.from_arrays) to train data-parallel",
            )
        check = BatchCheck(model, class_weight=class_weight, method=METHOD)
        started = iter(data)
        batch, checked = check.first(_first(started, "data"))
        steps = steps_per_epoch or (len(data) if isinstance(data, Sized) else 0)
        return cls(data, started, check, batch, checked, check.batch_size, steps, steps_per_epoch is not None)

    @property
    def examples(self) -> int:
        """Examples in an epoch, at most (a ragged last batch holds fewer): what a checkpoint records of the data."""
        return self.steps_per_epoch * self.batch_size

    def feed(self, *, epochs: int, first_epoch: int, requested: int | None, loops_ok: bool) -> FromPython:
        """The feed of the run's `epochs` epochs from `first_epoch` on, cut into chunks as a dataset's would be."""
        per_chunk = steps_per_chunk(self.steps_per_epoch or 2**31, requested, loops_ok=loops_ok)
        if not self.steps_per_epoch and requested is None:
            per_chunk = min(per_chunk, 32)  # the epoch's length unknown: a dataset's longer epochs' chunk
        return FromPython(
            self.source,
            self.started,
            self.first_batch,
            self.check,
            epochs=epochs,
            steps_per_epoch=self.steps_per_epoch if self.fixed_steps else None,
            per_chunk=per_chunk,
            first_epoch=first_epoch,
            method=METHOD,
        )


def validation_batches(model: Model[Any, Any], validation: Iterable[Any]) -> Dataset[Any, Any]:
    """Validation batches from Python, read once at the start of `fit` into one dataset (it must end).

    Each batch is checked as a training batch is; a third item (sample weights) is
    ignored, as `fit` weighs no validation.
    """
    check = BatchCheck(model, class_weight=None, method=METHOD)
    batches = iter(validation)
    parts = [check.first(_first(batches, "validation"))[1]]
    for number, raw in enumerate(_guarded(batches), start=2):
        parts.append(check.checked(raw, f"validation batch {number}")[0])
    features, targets = jax.tree.map(lambda *arrays: np.concatenate(arrays), *[(p.features, p.targets) for p in parts])
    first = parts[0]
    several = first.several[1]
    return Dataset(features, targets, classes=first.target_classes if several else first.classes)


def _guarded(batches: Iterator[Any]) -> Iterator[Any]:
    number = 1
    while True:
        number += 1
        try:
            raw = next(batches)
        except StopIteration:
            return
        except Exception as error:
            raise generator_error(error, f"validation batch {number}", METHOD) from error
        yield raw
