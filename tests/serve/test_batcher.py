"""The batcher, the options and the missing extra, without a server."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from typednn import TypednnError
from typednn.serve import ServeOptions
from typednn.serve._batcher import Array, Batcher
from typednn.serve._extra import require


def batched(requests: Sequence[tuple[Array, ...]], *, max_batch: int, max_wait: float) -> tuple[list[Any], list[int]]:
    """Each request's outputs (its inputs times 2), and the size of each batch run."""
    sizes: list[int] = []

    def run(xs: tuple[Array, ...]) -> tuple[Array, ...]:
        sizes.append(len(xs[0]))
        return (xs[0] * 2,)

    async def main() -> list[Any]:
        batcher = Batcher(run, max_batch=max_batch, max_wait=max_wait, on_batch=lambda rows: None)
        batcher.start()
        found = await asyncio.gather(*(batcher.submit(xs) for xs in requests))
        await batcher.stop()
        return list(found)

    return asyncio.run(main()), sizes


def test_concurrent_requests_share_a_batch_and_get_their_own_rows() -> None:
    requests = [(np.full((1, 3), i, np.float32),) for i in range(10)]
    found, sizes = batched(requests, max_batch=64, max_wait=0.05)
    assert sizes == [10]
    for i, (y,) in enumerate(found):
        np.testing.assert_array_equal(y, np.full((1, 3), 2 * i))


def test_a_batch_closes_at_max_batch_and_a_large_request_is_split() -> None:
    requests = [(np.arange(10, dtype=np.float32).reshape(10, 1),), (np.ones((3, 1), np.float32),)]
    found, sizes = batched(requests, max_batch=4, max_wait=0.05)
    assert sum(sizes) == 13 and max(sizes) <= 4
    np.testing.assert_array_equal(found[0][0], 2 * requests[0][0])
    np.testing.assert_array_equal(found[1][0], 2 * requests[1][0])


def test_examples_of_other_shapes_never_share_a_batch() -> None:
    requests = [(np.ones((1, 3), np.float32),), (np.ones((1, 5), np.float32),), (np.ones((2, 3), np.float32),)]
    found, sizes = batched(requests, max_batch=64, max_wait=0.05)
    assert sorted(sizes) == [1, 3]
    assert [y.shape for (y,) in found] == [(1, 3), (1, 5), (2, 3)]


def test_a_failed_batch_fails_its_requests() -> None:
    def run(xs: tuple[Array, ...]) -> tuple[Array, ...]:
        raise RuntimeError("boom")

    async def main() -> None:
        batcher = Batcher(run, max_batch=8, max_wait=0.0, on_batch=lambda rows: None)
        batcher.start()
        with pytest.raises(RuntimeError, match="boom"):
            await batcher.submit((np.ones((1, 2)),))
        await batcher.stop()

    asyncio.run(main())


def test_the_compiled_batch_sizes_are_powers_of_two_and_max_batch() -> None:
    assert ServeOptions().batch_sizes == (1, 2, 4, 8, 16, 32, 64)
    assert ServeOptions(max_batch=1).batch_sizes == (1,)
    assert ServeOptions(max_batch=100).batch_sizes == (1, 2, 4, 8, 16, 32, 64, 100)


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"max_batch": 0}, "max_batch must be a whole number from 1 to 4096, not 0"),
        ({"max_batch": True}, "max_batch must be a whole number"),
        ({"max_wait_ms": -1}, "max_wait_ms must be from 0 to 10000, not -1"),
        ({"max_wait_ms": float("nan")}, "max_wait_ms must be from 0 to 10000, not nan"),
        ({"max_body_bytes": 0}, "max_body_bytes must be a whole number of at least 1, not 0"),
    ],
)
def test_bad_options_are_refused_when_made(options: dict[str, Any], words: str) -> None:
    with pytest.raises(TypednnError, match=words):
        ServeOptions(**options)


def test_a_missing_extra_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "uvicorn" else real(name))
    with pytest.raises(TypednnError, match=r"typednn serve needs uvicorn, which is not installed") as caught:
        require()
    assert caught.value.hint == "pip install 'typednn[serve]'"
