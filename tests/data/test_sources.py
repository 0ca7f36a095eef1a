"""Data sources besides CSV (NumPy, JSON Lines, image folders, pickle, builtins), the spec
registry, and dataset partitions."""

from __future__ import annotations

import inspect
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pyarrow.csv
import pyarrow.feather
import pyarrow.parquet
import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

import typednn as tn
from tests.conftest import fails
from typednn._shapes import Shape
from typednn.data import SOURCES
from typednn.data._builtin import BUILTINS, BuiltinName

# --- NumPy ---------------------------------------------------------------------------


def test_npz_round_trip(tmp_path: Path) -> None:
    x = np.arange(24, dtype=np.float64).reshape(6, 2, 2)
    np.savez(tmp_path / "d.npz", images=x, labels=np.array(["b", "a", "b", "c", "a", "c"]))
    data = tn.data.npz(tmp_path / "d.npz", features="images", targets="labels")
    np.testing.assert_array_equal(data.features, x.astype(np.float32))
    assert data.features.dtype == np.float32
    assert (data.targets.tolist(), data.class_names) == ([1, 0, 1, 2, 0, 2], ("a", "b", "c"))
    regression = tn.data.npz(_saved(tmp_path, x=np.zeros((3, 2)), y=np.ones((3, 2), np.float64)))
    assert (regression.classes, regression.target_shape) == (None, Shape((2,)))


def _saved(tmp_path: Path, **arrays: Any) -> Path:
    np.savez(tmp_path / "s.npz", **arrays)
    return tmp_path / "s.npz"


def test_npz_refusals(tmp_path: Path) -> None:
    path = _saved(tmp_path, features=np.zeros((3, 2)), y=np.array([0, 1, 2]))
    with fails("s.npz: no array 'feature'; did you mean 'features'?"):
        tn.data.npz(path, features="feature")
    with fails("s.npz: no array 'x'\n  hint: it holds 'features', 'y'"):
        tn.data.npz(path)
    objects = _saved(tmp_path, x=np.array([{"a": 1}, None], dtype=object), y=np.array([0, 1]))
    with fails("array 'x' holds Python objects", "would run code from the file"):
        tn.data.npz(objects)
    with fails("s.npz: 3 examples of features but 2 targets"):
        tn.data.npz(_saved(tmp_path, x=np.zeros((3, 2)), y=np.array([0, 1])))
    with fails("s.npz: array 'y'[1] holds class id -4; class ids must be >= 0"):
        tn.data.npz(_saved(tmp_path, x=np.zeros((3, 2)), y=np.array([0, -4, 1])))
    with fails("'y'[2] holds class id 5, but classes=3 allows ids 0..2"):
        tn.data.npz(_saved(tmp_path, x=np.zeros((3, 2)), y=np.array([0, 1, 5])), classes=3)
    with fails("asks for class ids, but the targets have dtype float64"):
        tn.data.npz(_saved(tmp_path, x=np.zeros((2, 2)), y=np.array([0.5, 1.0])), classes=2)
    with fails("features must be numbers"):
        tn.data.npz(_saved(tmp_path, x=np.array([["a"], ["b"]]), y=np.array([0, 1])))
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with fails("bad.npz: not a NumPy .npy or .npz file"):
        tn.data.npz(tmp_path / "bad.npz")


def test_npy_memory_maps_float32_features(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.ones((5, 3), np.float32))
    np.save(tmp_path / "x64.npy", np.ones((5, 3), np.float64))
    np.save(tmp_path / "y.npy", np.array([0, 1, 0, 1, 1]))
    mapped = tn.data.npy(tmp_path / "x.npy", tmp_path / "y.npy")
    assert isinstance(mapped.features, np.memmap) and mapped.file_backed
    converted = tn.data.npy(tmp_path / "x64.npy", tmp_path / "y.npy", classes=["no", "yes"])
    assert not converted.file_backed and converted.features.dtype == np.float32
    assert converted.class_names == ("no", "yes")
    np.save(tmp_path / "objects.npy", np.array([None, 1], dtype=object))
    with fails("objects.npy holds Python objects"):
        tn.data.npy(tmp_path / "objects.npy", tmp_path / "y.npy")
    np.save(tmp_path / "y4.npy", np.array([0, 1, 0, 1]))
    with fails("5 examples of features but 4 targets"):
        tn.data.npy(tmp_path / "x.npy", tmp_path / "y4.npy")


# --- JSON Lines ----------------------------------------------------------------------


def _jsonl(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_jsonl_nested_lists_and_scalar_keys(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, '{"x": [[1, 2], [3, 4]], "y": 1}', "", '{"x": [[5, 6], [7, 8.5]], "y": 0}')
    data = tn.data.jsonl(path)
    assert data.features.shape == (2, 2, 2) and data.features[1, 1, 1] == 8.5
    assert (data.targets.tolist(), data.classes) == ([1, 0], 2)
    keyed = tn.data.jsonl(
        _jsonl(tmp_path, '{"h": 1.5, "w": 2, "price": 10.5}', '{"h": 2, "w": 3, "price": 20}'),
        features=["h", "w"],
        label="price",
    )
    assert keyed.features.tolist() == [[1.5, 2.0], [2.0, 3.0]]
    assert (keyed.classes, keyed.targets.tolist()) == (None, [[10.5], [20.0]])


JSONL_ERRORS: dict[str, tuple[list[str], dict[str, Any], str]] = {
    "invalid JSON": (['{"x": [1], "y": 0}', '{"x": [1] "y": 0}'], {}, "d.jsonl:2:11: invalid JSON: Expecting ','"),
    "not an object": (['{"x": [1], "y": 0}', "[1, 0]"], {}, "d.jsonl:2: expected a JSON object"),
    "missing key": (['{"x": [1], "y": 0}', '{"xx": [1], "y": 0}'], {}, "d.jsonl:2: no key 'x'; did you mean 'xx'?"),
    "ragged": (['{"x": [[1, 2], [3, 4]], "y": 0}', '{"x": [[1, 2], [3]], "y": 0}'], {}, "d.jsonl:2: key 'x'[1]"),
    "other shape": (['{"x": [1, 2], "y": 0}', '{"x": [1, 2, 3], "y": 0}'], {}, "should be a list of 2, found a list"),
    "text feature": (['{"x": [1, 2], "y": 0}', '{"x": [1, "2"], "y": 0}'], {}, "d.jsonl:2: key 'x'[1] is '2', not a"),
    "bool feature": (['{"x": [1, true], "y": 0}'], {}, "d.jsonl:1: key 'x'[1] is True, not a number"),
    "float id": (['{"x": [1], "y": 0}', '{"x": [1], "y": 2.5}'], {}, "d.jsonl:2: key 'y' is 2.5, not a whole-number"),
    "negative id": (['{"x": [1], "y": -1}'], {}, "d.jsonl:1: key 'y' is class id -1, out of range"),
    "id too large": (['{"x": [1], "y": 3}'], {"classes": 3}, "d.jsonl:1: key 'y' is class id 3, out of range"),
    "unknown name": (['{"x": [1], "y": "dgo"}'], {"classes": ["cat", "dog"]}, "not a class name; did you mean 'dog'?"),
}


@pytest.mark.parametrize("case", JSONL_ERRORS)
def test_jsonl_errors_name_the_line_and_key(tmp_path: Path, case: str) -> None:
    lines, options, message = JSONL_ERRORS[case]
    with pytest.raises(tn.TypednnError) as caught:
        tn.data.jsonl(_jsonl(tmp_path, *lines), **options)
    assert message in str(caught.value)


def test_jsonl_bad_bytes_and_empty_files(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_bytes(b'{"x": [1], "y": 0}\n{"x": [1], "y": "caf\xe9"}\n')
    with fails("d.jsonl:2: not UTF-8 text (byte 0xe9)"):
        tn.data.jsonl(tmp_path / "d.jsonl")
    (tmp_path / "d.jsonl").write_text("\n\n")
    with fails("d.jsonl: no examples"):
        tn.data.jsonl(tmp_path / "d.jsonl")


# --- Image folders -------------------------------------------------------------------


def _image(path: Path, size: tuple[int, int], value: int, mode: str = "L") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, (size[1], size[0]), value if mode == "L" else (value, 0, 255)).save(path)


def test_image_folders(tmp_path: Path) -> None:
    _image(tmp_path / "dog" / "1.png", (4, 6), 255)
    _image(tmp_path / "cat" / "a.png", (4, 6), 0)
    _image(tmp_path / "cat" / "b.jpg", (4, 6), 51, mode="RGB")
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    (tmp_path / "README.md").write_text("folders are classes")
    data = tn.data.images(tmp_path)
    assert data.features.shape == (3, 4, 6, 1) and data.features.dtype == np.float32
    assert (data.targets.tolist(), data.class_names) == ([0, 0, 1], ("cat", "dog"))
    assert data.features[0].max() == 0.0 and data.features[2].min() == 1.0
    rgb = tn.data.images(tmp_path, channels=3, size=[2, 3])
    assert rgb.features.shape == (3, 2, 3, 3)
    assert tn.data.schema("images", tmp_path, channels=3, size=[2, 3]) == rgb.schema(str(tmp_path))


def test_image_folder_errors(tmp_path: Path) -> None:
    _image(tmp_path / "a" / "1.png", (4, 4), 0)
    _image(tmp_path / "b" / "1.png", (5, 4), 0)
    with fails("b/1.png: 5x4 pixels, but", "a/1.png has 4x4", "hint: give size=[height, width]"):
        tn.data.images(tmp_path)
    (tmp_path / "b" / "1.png").write_bytes(b"\x89PNG broken")
    with fails("b/1.png: not a readable image"):
        tn.data.images(tmp_path)
    (tmp_path / "c").mkdir()
    with fails("/c: no images in the folder of class 'c'"):
        tn.data.images(tmp_path)
    with fails("no class folders"):
        tn.data.images(tmp_path / "a")


# --- Pickle --------------------------------------------------------------------------


def test_pickle_is_refused_unless_allowed(tmp_path: Path) -> None:
    path = tmp_path / "d.pkl"
    path.write_bytes(pickle.dumps((np.zeros((3, 2)), np.array([0, 1, 1]))))
    with pytest.raises(tn.TypednnError) as caught:
        tn.data.pickle(path)
    message = str(caught.value)
    assert "refusing to load a pickle: loading one runs any code inside the file" in message
    assert "--allow-pickle (a spec file cannot allow it)" in message
    with fails("refusing to load a pickle"):
        SOURCES["pickle"].load({"path": "d.pkl"}, root=tmp_path, allow_pickle=False)
    assert "allow_pickle" not in SOURCES["pickle"].options.model_fields
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        SOURCES["pickle"].parse({"path": "d.pkl", "allow_pickle": True})
    data = tn.data.pickle(path, allow_pickle=True)
    assert (data.features.shape, data.classes) == ((3, 2), 2)
    assert SOURCES["pickle"].load({"path": "d.pkl"}, root=tmp_path, allow_pickle=True).classes == 2
    path.write_bytes(pickle.dumps({"inputs": [[1.0], [2.0]], "y": ["a", "b"]}))
    named = tn.data.pickle(path, features="inputs", allow_pickle=True)
    assert named.class_names == ("a", "b")
    with fails("the pickled dict has no key 'input'; did you mean 'inputs'"):
        tn.data.pickle(path, features="input", allow_pickle=True)


# --- Builtins ------------------------------------------------------------------------


def test_builtins_by_name_and_their_known_schemas() -> None:
    assert set(BUILTINS) == set(get_args(BuiltinName))
    for name, (load, schema) in BUILTINS.items():
        assert load().schema(name) == schema
    assert len(tn.data.builtin("iris")) == 150
    with fails("no bundled dataset 'digit'; did you mean 'digits'?"):
        tn.data.builtin("digit")  # type: ignore[arg-type]


# --- The registry --------------------------------------------------------------------


def test_option_models_come_from_the_signatures() -> None:
    for kind, source in SOURCES.items():
        parameters = inspect.signature(source.loader).parameters
        fields = source.options.model_fields
        assert set(fields) == set(parameters) - {"allow_pickle", "shard"}, kind
        for name, field in fields.items():
            default = parameters[name].default
            if default is inspect.Parameter.empty:
                assert field.is_required(), (kind, name)
            else:
                assert field.default == default, (kind, name)
            assert field.description, f"{kind}.{name} has no description in the docstring"
        # The schema function takes exactly the loader's options.
        assert set(inspect.signature(source.describe).parameters) == set(parameters), kind
    assert SOURCES["csv"].paths == {"path", "cache"} and SOURCES["npy"].paths == {"features", "targets"}


def test_spec_values_parse_and_paths_resolve_against_the_root(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "d.csv").write_text("a,b,kind\n1,2,x\n3,4,y\n")
    csv = SOURCES["csv"]
    assert csv.parse("data/d.csv") == csv.parse({"path": "data/d.csv"})
    schema = csv.schema(csv.parse("data/d.csv"), root=tmp_path, allow_pickle=False)
    assert (schema.feature_shape, schema.classes, schema.examples) == (Shape((2,)), 2, 2)
    data = csv.load({"path": "data/d.csv", "features": ["b"]}, root=tmp_path, allow_pickle=False)
    assert data.features.tolist() == [[2.0], [4.0]]
    with pytest.raises(pydantic.ValidationError) as caught:
        csv.parse({"path": "d.csv", "lable": "kind"})
    assert caught.value.errors()[0]["loc"] == ("lable",)
    with pytest.raises(pydantic.ValidationError):
        csv.parse({"path": "d.csv", "header": "no"})  # strict: a YAML string is not a bool
    with pytest.raises(pydantic.ValidationError):
        SOURCES["npy"].parse("x.npy")  # npy needs both files
    with pytest.raises(pydantic.ValidationError, match="Input should be 'digits' or 'iris'"):
        SOURCES["builtin"].parse("mnist")


def test_the_schema_helper() -> None:
    assert str(tn.data.schema("builtin", "digits")) == "digits: 1797 examples of (8, 8, 1), 10 classes"
    with fails("no data source 'cvs'; did you mean 'csv'?"):
        tn.data.schema("cvs", "x.csv")
    with fails("csv source options: lable: Extra inputs are not permitted"):
        tn.data.schema("csv", "x.csv", lable="y")


def _write_every_kind(root: Path) -> dict[str, dict[str, Any]]:
    """A real file of each kind, and the options that read it."""
    (root / "d.csv").write_text("a,b,y\n1,2,cat\n3,4,dog\n5,6,cat\n")
    np.savez(root / "d.npz", x=np.ones((4, 3, 2)), y=np.array([0, 2, 1, 0]))
    np.save(root / "x.npy", np.ones((3, 5), np.float32))
    np.save(root / "y.npy", np.ones((3, 2), np.float32))
    (root / "d.jsonl").write_text('{"x": [1, 2, 3], "y": "b"}\n{"x": [4, 5, 6], "y": "a"}\n')
    _image(root / "pics" / "one" / "1.png", (3, 5), 10)
    _image(root / "pics" / "two" / "2.png", (3, 5), 90)
    (root / "d.pkl").write_bytes(pickle.dumps((np.zeros((2, 7)), np.array([1.5, 2.5]))))
    table = pyarrow.csv.read_csv(root / "d.csv")  # the same table, as Parquet and Arrow IPC
    pyarrow.parquet.write_table(table, root / "d.parquet")
    pyarrow.feather.write_feather(table, root / "d.feather")
    return {
        "csv": {"path": "d.csv"},
        "npz": {"path": "d.npz"},
        "npy": {"features": "x.npy", "targets": "y.npy"},
        "jsonl": {"path": "d.jsonl"},
        "images": {"path": "pics", "channels": 3},
        "parquet": {"path": "d.parquet"},
        "arrow": {"path": "d.feather", "features": ["b"]},
        "pickle": {"path": "d.pkl"},
        "builtin": {"name": "iris"},
    }


def test_every_source_schema_equals_the_loaded_data(tmp_path: Path) -> None:
    options = _write_every_kind(tmp_path)
    assert set(options) == set(SOURCES)
    for kind, source in SOURCES.items():
        parsed = source.parse(options[kind])
        schema = source.schema(parsed, root=tmp_path, allow_pickle=True)
        data = source.load(parsed, root=tmp_path, allow_pickle=True)
        assert (schema.feature_shape, schema.classes, schema.class_names) == (
            data.feature_shape,
            data.classes,
            data.class_names,
        ), kind
        assert schema.target_shape == data.target_shape, kind
        assert schema.examples in (None, len(data)), kind
        assert re.match(r".+: (\d+ )?examples of \(", str(schema)), str(schema)


# --- Datasets ------------------------------------------------------------------------


def test_typednn_data_imports_without_jax() -> None:
    probe = "import sys, typednn.data; print(sorted({'jax', 'flax', 'optax'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_from_arrays_types_targets() -> None:
    named = tn.data.from_arrays(np.zeros((3, 1)), np.array(["b", "a", "b"]))
    assert (named.targets.tolist(), named.class_names, named.classes) == ([1, 0, 1], ("a", "b"), 2)
    assert len(named.subset(np.array([True, False, True]))) == 2
    listed = tn.data.from_arrays(np.zeros((2, 1)), np.array([1, 0]), classes=["no", "yes"])
    assert listed.class_names == ("no", "yes")
    with fails("targets[1] holds class id 2, but the 2 names of classes="):
        tn.data.from_arrays(np.zeros((2, 1)), np.array([1, 2]), classes=["no", "yes"])


@given(
    examples=st.integers(3, 400),
    validation=st.sampled_from([0.0, 0.1, 0.2, 0.25]),
    test=st.sampled_from([0.0, 0.1, 0.3]),
    seed=st.integers(0, 2**32 - 1),
)
def test_partitions_are_disjoint_complete_sized_and_seeded(
    examples: int, validation: float, test: float, seed: int
) -> None:
    data = tn.data.from_arrays(np.arange(examples, dtype=np.float32)[:, None], np.arange(examples) % 3)
    sizes = {"validation": round(examples * validation), "test": round(examples * test)}
    if any(share > 0 and sizes[name] == 0 for name, share in (("validation", validation), ("test", test))):
        with fails("is less than one example"):
            data.partition(validation=validation, test=test, seed=seed)
        return
    parts = data.partition(validation=validation, test=test, seed=seed)
    ids = [[] if part is None else part.features[:, 0].astype(int).tolist() for part in parts]
    assert sorted(i for part in ids for i in part) == list(range(examples))  # disjoint and complete
    assert [len(i) for i in ids[1:]] == [sizes["validation"], sizes["test"]]
    assert (parts.validation is None) == (validation == 0) and (parts.test is None) == (test == 0)
    again = data.partition(validation=validation, test=test, seed=seed)
    assert [[] if p is None else p.features[:, 0].tolist() for p in again] == ids
    for part in parts:
        if part is not None:  # targets travel with their features
            assert (part.targets == part.features[:, 0].astype(int) % 3).all()


def test_partition_errors_and_order_without_a_seed() -> None:
    data = tn.data.from_arrays(np.arange(10, dtype=np.float32)[:, None], np.zeros(10, np.int64))
    train, validation, test = data.partition(validation=0.2, test=0.1, seed=None)
    assert validation is not None and test is not None
    assert (train.features[:, 0].tolist(), validation.features[:, 0].tolist()) == ([0, 1, 2, 3, 4, 5, 6], [7, 8])
    assert test.features[:, 0].tolist() == [9]
    with fails("validation=0.6 and test=0.4 hold out 1 of the examples, leaving none"):
        data.partition(validation=0.6, test=0.4)
    with fails("test=-0.1 is not a share of the examples"):
        data.partition(test=-0.1)
    for seed in (-1, 1.5, True, "0"):
        options: dict[str, Any] = {"seed": seed}  # as a caller mypy does not check passes it
        with fails(f"partition: seed must be a whole number of at least 0, or None, not {seed!r}"):
            data.partition(test=0.2, **options)
    with fails("validation=0.01 of 10 examples is less than one example"):
        data.partition(validation=0.01)
    with fails("splitting 10 examples by 0.01 leaves a part empty"):
        data.split(0.01)
    whole = data.partition()
    assert (len(whole.train), whole.validation, whole.test) == (10, None, None)
