"""Reading a Keras 3 `model.weights.h5`: each layer's variables as numpy arrays.

Keras 3 saves a layer's variables as datasets `vars/0`, `vars/1`... (trainable ones
first, in the order its `build` made them) in a group named after the layer's class in
snake case, numbered in the order of the model's `layers` (`layers/dense`,
`layers/dense_1`; `layers/sequential/layers/conv2d` inside a nested model), never
after the layer's own name. Only plain float datasets reached by hard links are read:
an external link, an external or virtual dataset, or an object array (which h5py
would read as Python objects) is refused.

A legacy `.h5` model keeps each layer's variables in `model_weights/<layer name>`, listed
in order by its `weight_names` attribute (`dense/kernel:0` in Keras 2,
`sequential/dense/kernel` in Keras 3): `Legacy` finds them by the layer's name, in the
order of `layer.weights`, which is the order the converters name them in.
"""

from __future__ import annotations

import re
from typing import Any, Final, Self

import numpy as np

from .._errors import TypednnError

_FLOATS: Final = ("float16", "float32", "float64")
_COUNTERS: Final = ("int32", "int64", "uint8")
H5_ERRORS: Final = (OSError, RuntimeError, SystemError, KeyError, ValueError, TypeError)
"""What h5py raises, from its C code, on a damaged file (any call: open, visit, attrs, read)."""


def unreadable(source: str, error: BaseException) -> TypednnError:
    """The error for a weights file h5py fails on: damaged, or built to be."""
    return TypednnError(
        f"{source}: its weights are not a readable HDF5 file ({type(error).__name__}: {str(error)[:200]})",
        hint="the file is corrupted; save the model again with Keras",
    )


def snake_case(class_name: str) -> str:
    """Keras's `naming.to_snake_case`: the group name of a layer class in the weights file.

    Example:
        >>> snake_case("Conv2DTranspose"), snake_case("BatchNormalization")
        ('conv2d_transpose', 'batch_normalization')
    """
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name if name[0] != "_" else "private" + name


class Slots:
    """Keras's unique group names within one model's `layers` (`dense`, `dense_1`...)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._used: dict[str, int] = {}

    def next(self, class_name: str) -> str:
        """The path of the next layer of this class, e.g. `layers/dense_1`."""
        name = snake_case(class_name)
        if name in self._used:
            self._used[name] += 1
            name = f"{name}_{self._used[name]}"
        else:
            self._used[name] = 0
        return f"{self.prefix}layers/{name}"


class Legacy:
    """A legacy `.h5` model's weights, found by layer name (`model_weights/<name>`).

    Args:
        h5: The open `h5py.File`.
        config: The model config (its `model_config` attribute), whose layers the
            converters' weight paths (`layers/dense_1`) are matched to by name.
    """

    def __init__(self, h5: Any, config: dict[str, Any]) -> None:
        self.h5 = h5
        self.names: dict[str, str] = {}
        self._walk(config, "")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.h5.close()

    def _walk(self, spec: Any, prefix: str) -> None:
        """Each layer's weight path, as `_graph.Builder` gives it, mapped to its name."""
        config = spec.get("config") if isinstance(spec, dict) else None
        layers = config.get("layers") if isinstance(config, dict) else None
        if not isinstance(layers, list):
            return  # the builder refuses such a config by name
        slots = Slots(prefix)
        for index, layer in enumerate(layers):
            inner = layer.get("config") if isinstance(layer, dict) else None
            class_name = str(layer.get("class_name")) if isinstance(layer, dict) else ""
            if not isinstance(inner, dict) or (
                spec.get("class_name") == "Sequential" and index == 0 and class_name == "InputLayer"
            ):
                continue
            # A nested model's weights are listed under its own name, not its layers': not read yet.
            nested = class_name in ("Sequential", "Functional")
            self.names[slots.next(class_name)] = "" if nested else str(inner.get("name"))

    def read(self, path: str, names: tuple[str, ...], *, where: str, source: str) -> dict[str, np.ndarray]:
        """The variables of the layer at `path`, by the names the converter gives them.

        Each is read from the layer's own group only: a `weight_names` entry that is
        absolute or leads elsewhere (`/other/kernel`, `../x`) is refused, as is a layer
        name that leads to a dataset instead of a group.
        """
        import h5py  # noqa: PLC0415 - only an import needs it

        layer = self.names.get(path, "")
        if not layer:
            raise TypednnError(
                f"{source}: {where} lies in a nested model, whose weights typednn does not read from a legacy .h5 yet",
                hint="in Keras 3, save the model as .keras (model.save('model.keras')) and import that",
            )
        forged = TypednnError(
            f"{source}: {where}: model_weights/{layer} lists a weight it does not hold",
            hint="the file is corrupted or forged",
        )
        group: Any = None
        if "/" not in layer and layer not in (".", ".."):  # a name must not lead out of model_weights
            group = self.h5.get(f"model_weights/{layer}")
        if group is not None and not isinstance(group, h5py.Group):
            raise forged
        listed = group.attrs.get("weight_names", []) if group is not None else []
        try:
            weight_names = [item.decode() if isinstance(item, bytes) else str(item) for item in listed]
            for name in weight_names:
                name.encode()  # h5py keeps undecodable bytes as lone surrogates, which no path holds
        except UnicodeError:
            raise TypednnError(
                f"{where}: the weight_names of model_weights/{layer} are not UTF-8 text",
                hint="the file is corrupted or forged",
            ) from None
        if len(weight_names) != len(names):
            shown = ", ".join(name.rpartition("/")[2] for name in names) or "none"
            raise TypednnError(
                f"{source}: {where} has {len(names)} variables ({shown}), but model_weights/{layer} lists "
                f"{len(weight_names)}",
                hint="the config and the weights disagree; save the model again with Keras",
            )
        datasets = []
        for name in weight_names:
            if group is None or name.startswith("/") or ".." in name.split("/"):
                raise forged
            dataset = group.get(name)
            # Soft links were refused by `check_file`; the name must also stay inside the group.
            if not isinstance(dataset, h5py.Dataset) or not str(dataset.name).startswith(f"{group.name}/"):
                raise forged
            datasets.append(dataset)
        return {name: _array(dataset) for name, dataset in zip(names, datasets, strict=True)}


def _array(dataset: Any) -> np.ndarray:
    """A dataset's values as float32 (its size was bounded by `check_file`)."""
    return np.asarray(dataset[()], dtype=np.float32)


def check_file(h5: Any, source: str, file_size: int) -> None:
    """Refuse a weights file holding anything but groups and plain, local float datasets.

    Keras stores datasets uncompressed, so none can hold more bytes than the file: a
    larger one is a compressed bomb (or fill values), refused before a byte is read.
    Whole-number scalars pass (a Normalization's sample count), and a legacy `.h5`
    model may also hold its optimizer's state, integer counters included: outside
    `model_weights` whole numbers pass too (they are never read).
    """
    legacy = isinstance(h5, Legacy)
    if isinstance(h5, Legacy):
        h5 = h5.h5
    problems: list[str] = []
    # h5py reads a damaged file lazily: any visit or attribute may fail in its C code.
    try:
        _visit(h5, legacy, file_size, problems)
    except H5_ERRORS as error:
        raise unreadable(source, error) from None
    if problems:
        raise TypednnError(
            f"{source}: its weights file is not a plain Keras weights file: {problems[0]}",
            hint="Keras writes float arrays only; the file was edited or forged",
        )


def _visit(h5: Any, legacy: bool, file_size: int, problems: list[str]) -> None:
    """Every link of `h5`, each problem appended to `problems` (see `check_file`)."""
    import h5py  # noqa: PLC0415 - h5py has no types; only an import needs it

    def visit(name: str, link: Any) -> None:
        if not isinstance(link, h5py.HardLink):
            problems.append(f"{name!r} is a {type(link).__name__}, a link to elsewhere")
            return
        item = h5.get(name)
        if isinstance(item, h5py.Dataset) and item.shape is None:
            # An empty (null) dataspace: `create_dataset(name, dtype="f4")` with no data.
            problems.append(f"{name!r} is a dataset with no shape (a null dataspace)")
        elif isinstance(item, h5py.Dataset):
            # A whole-number scalar (Normalization's sample count) cannot be a bomb.
            counters = item.shape == () or (legacy and not name.startswith("model_weights/"))
            allowed = (*_FLOATS, *_COUNTERS) if counters else _FLOATS
            if item.dtype.name not in allowed:
                problems.append(f"{name!r} holds {item.dtype} values, not floats")
            elif item.is_virtual or item.external:
                problems.append(f"{name!r} takes its values from another file")
            elif item.nbytes > file_size:
                problems.append(f"{name!r} unpacks to {item.nbytes:,} bytes, more than the file's {file_size:,}")
        elif not isinstance(item, h5py.Group):
            problems.append(f"{name!r} is a {type(item).__name__}, neither a group nor a dataset")

    h5.visititems_links(visit)


def read_variables(h5: Any, path: str, names: tuple[str, ...], *, where: str, source: str) -> dict[str, np.ndarray]:
    """A layer's variables from `path/vars/0..n`, by the names the converter gives them.

    A name with slashes lies in a sub-layer's group: `forward_layer/cell/kernel` is read
    from `path/forward_layer/cell/vars/<i>`, `i` counting that group's names in order
    (a Bidirectional's two layers, an LSTM's cell, a MultiHeadAttention's four dense
    layers keep their variables there). Every group named must hold exactly its names.
    A `Legacy` file is read by the layer's name instead.
    """
    try:
        if isinstance(h5, Legacy):
            return h5.read(path, names, where=where, source=source)
        return _read_variables(h5, path, names, where=where, source=source)
    except H5_ERRORS as error:  # TypednnError is none of these: a refusal by name passes through
        raise unreadable(source, error) from None


def _read_variables(h5: Any, path: str, names: tuple[str, ...], *, where: str, source: str) -> dict[str, np.ndarray]:
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.rpartition("/")[0], []).append(name)
    groups.setdefault("", [])
    arrays: dict[str, np.ndarray] = {}
    for sub, members in groups.items():
        group_path = f"{path}/{sub}" if sub else path
        arrays |= _read_group(h5, group_path, tuple(members), where=where, source=source)
    return {name: arrays[name] for name in names}


def _read_group(h5: Any, path: str, names: tuple[str, ...], *, where: str, source: str) -> dict[str, np.ndarray]:
    """The variables `path/vars/0..n` of one group, which must hold exactly `len(names)` of them."""
    group: Any = h5.get(f"{path}/vars") if path and path in h5 else None
    found = sorted(group.keys(), key=lambda key: (len(key), key)) if group is not None else []
    if found != [str(index) for index in range(len(names))]:
        shown = ", ".join(name.rpartition("/")[2] for name in names) or "none"
        raise TypednnError(
            f"{source}: {where} has {len(names)} variables ({shown}), but its weights "
            f"in {path}/vars are {found or 'missing'}",
            hint="the config and the weights file disagree; save the model again with Keras",
        )
    datasets = [group[str(index)] for index in range(len(names))]
    if not all(hasattr(dataset, "dtype") for dataset in datasets):
        raise TypednnError(f"{source}: {where}: {path}/vars holds a group where a weight belongs")
    return {name: _array(dataset) for name, dataset in zip(names, datasets, strict=True)}
