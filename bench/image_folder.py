"""Image-folder throughput, decode + resize in images/s: `tn.data.images` against a plain Pillow loop.

The folder (`images` JPEGs of 96x96 RGB, quality 90, in 10 class folders) is written once
into the temp folder with Pillow. Every contender reads all of it into one float32 array
`(images, 64, 64, 3)` in 0..1 with the class ids: Pillow decodes, converts to RGB and
resizes (bilinear) each image.

- ``typednn``: ``tn.data.images(folder, size=[64, 64], channels=3)``, which also checks
  each file (a regular file, its header, its pixel count) and decodes on up to 8 threads
  (Pillow releases the GIL while it decodes and resizes);
- ``pillow loop``: the loop a user writes, one image after another (the peer of the
  ratio);
- ``pillow threads``: the same per-image function mapped over a thread pool as wide as
  typednn's, to tell the threads' share from typednn's own cost.

Then random augmentation of the decoded images: a random left-right flip and a random
56x56 crop of each image.

- ``typednn flip+crop``: `nn.RandomFlip("horizontal")` and `nn.RandomCrop(56, 56)` as a
  model, `model.apply(..., key=..., training=True)` (jitted) on batches of 100 of the float32
  pixels, each batch copied to the device and a fresh key per batch, as in training;
- ``pillow flip+crop``: the per-image loop a user writes on the decoded (uint8) Pillow images:
  `transpose(FLIP_LEFT_RIGHT)` half the time, `crop` at a random corner, then float32 in 0..1.

After a warm-up call each (the files are then in the page cache, the jitted function
compiled), the contenders take turns for `rounds` rounds in rotating order; figures are
medians, and the ratios are typednn's median / the peer's median (under 1: typednn is
faster). Decode + augmentation, the issue's figure, adds the two medians of each side:
typednn's source and layers against the Pillow loop and its flip+crop. The issue gives no
target.

Run alone with ``python bench/image_folder.py [--rounds N] [--images N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import numpy as np
from _common import add_option, markdown_table, rotated, timed
from PIL import Image

import typednn as tn
from typednn import nn

CLASSES = 10
SIDE = 96
"""The stored images' height and width."""
SIZE = (64, 64)
"""What every image is resized to: (height, width)."""
WORKERS = min(8, os.cpu_count() or 1)
"""As many threads as `tn.data.images` uses."""
CROP = (56, 56)
"""The random window the augmentation keeps: (height, width)."""
BATCH = 100
"""Images per call of the jitted augmentation."""
PEERS = {"pillow loop": "typednn", "pillow threads": "typednn", "pillow flip+crop": "typednn flip+crop"}
"""Each peer, and the typednn contender it is compared with."""
Array = np.ndarray[Any, Any]
Arrays = tuple[Array, Array]


def picture(rng: np.random.Generator, label: int, side: int) -> Image.Image:
    """A smooth colour gradient plus noise: compresses like a photo, not like flat colour or pure noise."""
    ramp = np.linspace(0.0, 1.0, side, dtype=np.float32)
    tint = rng.uniform(0.2, 1.0, 3).astype(np.float32)
    base = ramp[:, None, None] * tint + ramp[None, :, None] * (1 - tint) * (label + 1) / CLASSES
    noisy = base * 200 + rng.normal(0.0, 12.0, (side, side, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def bench_folder(images: int, *, side: int = SIDE, seed: int = 0) -> Path:
    """A folder of `images` JPEGs of `side` x `side`, written once into the temp folder (renamed in when whole)."""
    root = Path(tempfile.gettempdir()) / "typednn-bench"
    folder = root / f"jpegs-{images}x{side}-seed{seed}"
    if folder.exists():
        return folder
    partial = root / f"{folder.name}.{os.getpid()}.tmp"
    rng = np.random.default_rng(seed)
    for index in range(images):
        label = index % CLASSES
        (partial / f"class{label}").mkdir(parents=True, exist_ok=True)
        picture(rng, label, side).save(partial / f"class{label}" / f"{index:06d}.jpg", quality=90)
    partial.replace(folder)
    return folder


def listing(folder: Path) -> list[tuple[Path, int]]:
    """Every image with its class id, in `tn.data.images`'s order (sorted class folders, sorted files)."""
    classes = sorted(entry.name for entry in folder.iterdir() if entry.is_dir())
    return [(file, label) for label, name in enumerate(classes) for file in sorted((folder / name).glob("*.jpg"))]


def pixels(file: Path) -> Array:
    """One image decoded, as RGB, resized to `SIZE`, float32 in 0..1."""
    with Image.open(file) as opened:
        image = opened.convert("RGB").resize((SIZE[1], SIZE[0]), Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.float32) / 255.0


def read_typednn(folder: Path) -> Arrays:
    data = tn.data.images(folder, size=list(SIZE), channels=3)
    return data.features, data.targets


def read_loop(folder: Path) -> Arrays:
    files = listing(folder)
    return np.stack([pixels(file) for file, _ in files]), np.array([label for _, label in files], np.int32)


def augmenter() -> tn.Model[Any, Any]:
    """RandomFlip (left-right) then RandomCrop, as the first layers of a model would hold them."""
    inputs = tn.Input(SIZE[0], SIZE[1], 3)
    return tn.Model(inputs, nn.RandomCrop(*CROP)(nn.RandomFlip("horizontal")(inputs)))


def augment_typednn(model: tn.Model[Any, Any], pixels: Array, seed: int) -> list[jax.Array]:
    """The layers on each batch of `pixels`, copied to the device, a key per batch; waits for the results."""
    key = jax.random.key(seed)
    outputs = [
        model.apply(
            {}, jax.device_put(pixels[start : start + BATCH]), key=jax.random.fold_in(key, start), training=True
        )
        for start in range(0, len(pixels), BATCH)
    ]
    return jax.block_until_ready(outputs)


def augment_pillow(decoded: list[Image.Image], seed: int) -> Array:
    """A random left-right flip and a random `CROP` window of each image, into float32 in 0..1."""
    rng = np.random.default_rng(seed)
    height, width = CROP
    out = np.empty((len(decoded), height, width, 3), np.float32)
    for index, image in enumerate(decoded):
        flipped = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if rng.random() < 0.5 else image
        top, left = rng.integers(0, SIZE[0] - height + 1), rng.integers(0, SIZE[1] - width + 1)
        out[index] = np.asarray(flipped.crop((left, top, left + width, top + height)), dtype=np.float32) / 255.0
    return out


def decoded_images(folder: Path) -> list[Image.Image]:
    """Every image decoded, RGB, resized to `SIZE`: what the Pillow loop augments."""
    decoded = []
    for file, _ in listing(folder):
        with Image.open(file) as opened:
            decoded.append(opened.convert("RGB").resize((SIZE[1], SIZE[0]), Image.Resampling.BILINEAR))
    return decoded


def read_threads(folder: Path) -> Arrays:
    files = listing(folder)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        decoded = list(pool.map(pixels, (file for file, _ in files)))
    return np.stack(decoded), np.array([label for _, label in files], np.int32)


@dataclass
class Throughput:
    """The seconds of each contender's timed reads of one folder, and how the arrays compare."""

    images: int
    megabytes: float
    seconds: dict[str, list[float]] = field(default_factory=dict)
    max_difference: float = 0.0
    labels_equal: bool = True

    def median(self, name: str) -> float:
        return statistics.median(self.seconds[name])

    def ratio(self, peer: str) -> float:
        """The median of the typednn contender `peer` is compared with / the peer's median."""
        return self.median(PEERS[peer]) / self.median(peer)

    def with_augmentation(self) -> tuple[float, float]:
        """Images/s of decode + flip+crop: typednn's (source and layers), the Pillow loop's."""
        ours = self.median("typednn") + self.median("typednn flip+crop")
        theirs = self.median("pillow loop") + self.median("pillow flip+crop")
        return self.images / ours, self.images / theirs


def run(*, rounds: int = 3, images: int = 2000) -> Throughput:
    """Time every contender on the folder of `images` JPEGs: a warm-up call each, then `rounds` rotating rounds."""
    folder = bench_folder(images)
    pixels, decoded, model = read_typednn(folder)[0], decoded_images(folder), augmenter()
    draws = iter(range(1 << 30))  # each augmentation call draws anew, as each epoch does
    contenders: dict[str, Callable[[], object]] = {
        "typednn": lambda: read_typednn(folder),
        "pillow loop": lambda: read_loop(folder),
        "pillow threads": lambda: read_threads(folder),
        "typednn flip+crop": lambda: augment_typednn(model, pixels, next(draws)),
        "pillow flip+crop": lambda: augment_pillow(decoded, next(draws)),
    }
    size = sum(file.stat().st_size for file, _ in listing(folder))
    result = Throughput(images, size / 1e6, {name: [] for name in contenders})
    ours, theirs = read_typednn(folder), read_loop(folder)  # a check
    result.max_difference = float(np.abs(ours[0] - theirs[0]).max())
    result.labels_equal = bool(np.array_equal(ours[1], theirs[1]))
    del ours, theirs
    for contender in contenders.values():  # warm-up: the page cache, the compiles
        contender()
    for round_ in range(rounds):
        for name in rotated(list(contenders), round_):
            result.seconds[name].append(timed(contenders[name])[0])
    return result


def table(result: Throughput) -> str:
    """A Markdown table: median and best seconds, images/s, and typednn's ratio to each."""
    rows = []
    for name, seconds in result.seconds.items():
        median = statistics.median(seconds)
        rows.append(
            [
                name,
                f"{median:.3f}",
                f"{min(seconds):.3f}",
                f"{result.images / median:,.0f}",
                f"{result.ratio(name):.3f}" if name in PEERS else "",
            ]
        )
    header = ["contender", "median (s)", "best (s)", "images/s (median)", "typednn / peer (median)"]
    return markdown_table(header, "lrrrr", rows)


def targets(result: Throughput) -> list[str]:
    rate = result.images / result.median("typednn")
    ours, theirs = result.with_augmentation()
    what = f"({result.images:,} JPEGs {SIDE}x{SIDE} -> {SIZE[0]}x{SIZE[1]})"
    return [
        f"- Image folder {what}: typednn decodes {rate:,.0f} images/s; typednn / pillow loop ="
        f" {result.ratio('pillow loop'):.3f} (no target)",
        f"- Image folder {what}, decode + flip+crop: typednn {ours:,.0f} images/s, pillow loop {theirs:,.0f}"
        f" images/s; typednn / pillow = {theirs / ours:.3f} (no target)",
    ]


def notes(result: Throughput) -> list[str]:
    same = "equal" if result.labels_equal else "NOT equal"
    return [
        f"- Image folder: {result.images:,} JPEGs ({result.megabytes:.1f} MB) in {CLASSES} class folders, decoded,"
        f" converted to RGB and resized bilinear to {SIZE[0]}x{SIZE[1]} float32; {len(result.seconds['typednn'])}"
        f" timed rounds; typednn's pixels differ from the Pillow loop's by at most {result.max_difference:.1e},"
        f" labels {same}. typednn and `pillow threads` decode on {WORKERS} threads. The flip+crop takes"
        f" {CROP[0]}x{CROP[1]} windows, on {jax.default_backend()} for typednn (batches of {BATCH}).",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "rounds", "timed rounds per contender")
    add_option(parser, run, "images", "JPEGs in the folder")
    args = parser.parse_args()
    result = run(rounds=args.rounds, images=args.images)
    print(table(result), end="\n\n")
    print("\n".join([*targets(result), *notes(result)]))


if __name__ == "__main__":
    main()
