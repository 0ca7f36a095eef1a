"""`tn.data.images` decodes on threads, several images per task: order, labels and errors as a serial loop's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import typednn as tn
from typednn import TypednnError
from typednn.data._images import _PER_TASK

PER_CLASS = 2 * _PER_TASK + 5  # several tasks per class, the last one short


def _folder(root: Path) -> Path:
    """Two classes of 4x4 grey PNGs, each image filled with its own value (its index in sorted order)."""
    for index in range(2 * PER_CLASS):
        folder = root / ("a" if index < PER_CLASS else "b")
        folder.mkdir(exist_ok=True)
        Image.fromarray(np.full((4, 4), index, np.uint8), "L").save(folder / f"{index:03d}.png")
    return root


def test_every_image_lands_in_its_place(tmp_path: Path) -> None:
    data = tn.data.images(_folder(tmp_path))
    assert data.features.shape == (2 * PER_CLASS, 4, 4, 1)
    assert data.features.dtype == np.float32
    expected = np.arange(2 * PER_CLASS, dtype=np.float32) / 255.0
    np.testing.assert_array_equal(data.features[:, 0, 0, 0], expected)
    np.testing.assert_array_equal(data.targets, np.repeat(np.arange(2, dtype=np.int32), PER_CLASS))


def test_resized_rgb_images_have_the_asked_shape(tmp_path: Path) -> None:
    data = tn.data.images(_folder(tmp_path), size=[3, 5], channels=3)
    assert data.features.shape == (2 * PER_CLASS, 3, 5, 3)
    np.testing.assert_allclose(data.features[-1], (2 * PER_CLASS - 1) / 255.0, rtol=1e-6)


def test_the_first_bad_file_in_order_is_named(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    late, later = root / "b" / f"{PER_CLASS + _PER_TASK + 1:03d}.png", root / "b" / f"{2 * PER_CLASS - 1:03d}.png"
    late.write_bytes(late.read_bytes()[:40])  # truncated: the header reads, the pixels do not
    Image.fromarray(np.zeros((5, 4), np.uint8), "L").save(later)  # another size
    with pytest.raises(TypednnError, match=rf"{late.name}: not a readable image"):
        tn.data.images(root)
