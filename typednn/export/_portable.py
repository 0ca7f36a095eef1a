"""What the StableHLO and ONNX exports share: the program, its report, the preprocessing, the writing.

The program is the model's inference (`training=False`, no randomness) with the
parameters baked in as constants: the artifact then takes exactly the inputs the
contract lists, in its order, so a runtime needs nothing but the file and the input
arrays, and XLA or ONNX Runtime may fold the constants. The price is that the file holds
the weights (ResNet-50: about 100 MB), which both formats handle; ONNX's protobuf limit
of 2 GB bounds the models it takes.

An artifact is written under a temporary name in its destination's folder and renamed
into place only once it has been verified, so a refused export leaves nothing behind,
and what is already at the destination is never replaced.
"""

from __future__ import annotations

import importlib.metadata
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jax

from .._errors import TypednnError
from .._files import STAGING_SUFFIX
from ..lower import Params
from ._contract import Contract

if TYPE_CHECKING:
    from .._model import Model
    from ..data.transforms import Columns

BATCH_AXIS = "batch"
"""The name of the symbolic batch axis in both formats."""


@dataclass(frozen=True)
class ExportReport:
    """What a portable export wrote.

    Attributes:
        path: The artifact: the StableHLO directory, or the `.onnx` file.
        format: "stablehlo" or "onnx".
        opset: The ONNX opset; None for StableHLO.
        max_abs_diff: The largest difference between the artifact's outputs and
            `model.apply`'s on the sample inputs of the verification.
        contract: The inputs' and outputs' names, shapes and dtypes.
    """

    path: Path
    format: str
    opset: int | None
    max_abs_diff: float
    contract: Contract

    def summary(self) -> str:
        """One line: `onnx model.onnx (opset 21): verified, max abs diff 1.2e-07`."""
        opset = "" if self.opset is None else f" (opset {self.opset})"
        return f"{self.format} {self.path}{opset}: verified, max abs diff {self.max_abs_diff:.3g}"


def typednn_version() -> str:
    """The installed distribution's version, or "(not installed)" in a source tree never installed."""
    try:
        return importlib.metadata.version("typednn")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def first_line(error: BaseException) -> str:
    """The first line of an exception's message (at most 300 characters), or its type's name."""
    lines = str(error).strip().splitlines()
    return f"{lines[0]:.300}" if lines else type(error).__name__


def inference(model: Model[Any, Any], params: Params) -> Callable[..., tuple[jax.Array, ...]]:
    """The program to export: inputs in the contract's order -> a tuple of outputs, params baked in."""
    constants = jax.tree.map(jax.numpy.asarray, params)

    def run(*inputs: jax.Array) -> tuple[jax.Array, ...]:
        found = model.lowered.apply(constants, *inputs, key=None, training=False)
        return found if isinstance(found, tuple) else (found,)

    return run


def preprocessing(model: Model[Any, Any], transform: Columns | None) -> dict[str, Any] | None:
    """The fitted column transforms, as spec.json keeps them, and where they run: outside the program.

    None without transforms. Every step (numeric and categorical alike) is left to the
    caller, who makes the input's features from raw rows with them, as
    `tn.load(DIR).transform.features(rows)` does.
    """
    if transform is None:
        return None
    from ..data.transforms import to_json  # noqa: PLC0415 - only an export with transforms reads typednn.data

    return {
        "input": model.input_names[0],
        "in_program": [],
        "outside_program": list(transform.names),
        "transform": to_json(transform),
        "note": "the program takes the transformed features; apply these column transforms to raw rows first",
    }


def check_new(out: Path, what: str) -> None:
    """Refuse a destination that exists: a portable export never replaces anything."""
    if os.path.lexists(out):
        raise TypednnError(
            f"{out}: already exists; typednn export does not write over it",
            hint=f"give -o a new path for the {what}, or move the old one away",
        )


def publish(out: Path, write: Callable[[Path], None], what: str) -> None:
    """Make `out` by `write(temporary)` beside it and a rename; nothing is left at `out` if anything fails.

    Args:
        out: The new file or directory; it must not exist (checked again at the rename).
        write: Writes the artifact at the path it is given (a file or a directory).
        what: "ONNX file" or "StableHLO directory", for messages.

    Raises:
        TypednnError: if `out` exists, or the folder cannot be written.
    """
    check_new(out, what)
    # A name of its own (not `staging_path`'s): an export killed midway leaves none in the next one's way.
    temporary = out.with_name(f".{out.name}.{secrets.token_hex(4)}{STAGING_SUFFIX}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write(temporary)
        if temporary.is_dir():
            os.rename(temporary, out)  # fails on a folder that appeared meanwhile unless it is empty
        else:
            os.link(temporary, out)  # unlike a rename, never replaces a file that appeared meanwhile
            temporary.unlink()
    except FileExistsError:
        raise TypednnError(
            f"{out}: appeared while the export was written; typednn export does not write over it",
            hint=f"give -o a new path for the {what}",
        ) from None
    except OSError as error:
        raise TypednnError(
            f"{out}: cannot write the {what}: {error.strerror or error}",
            hint="check the folder's permissions and free space",
        ) from None
    finally:
        if os.path.lexists(temporary):
            if temporary.is_dir() and not temporary.is_symlink():
                shutil.rmtree(temporary, ignore_errors=True)
            else:
                temporary.unlink(missing_ok=True)
