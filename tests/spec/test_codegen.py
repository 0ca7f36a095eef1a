"""codegen: a spec's model as typed Python that type-checks, lints, and computes the same.

Every example and acceptance spec, and models here covering every layer kind, are
written as modules in one folder; mypy (plain `--strict` with the plugin, without the
`allow_redefinition` that `typednn check` adds) and ruff (the project's settings) run
once over all of them, and each module's model must equal the spec's: the same export
(kinds, options, names, wiring), parameter shapes and summary, and the same outputs for
the same parameters.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest
import yaml

import typednn as tn
from typednn import nn
from typednn._shapes import ACTIVATIONS, Symbol
from typednn.export._graph_json import graph_from_dict, graph_to_dict
from typednn.layers._registry import KINDS
from typednn.spec._codegen import codegen
from typednn.spec._constructors import signatures as _signatures
from typednn.spec._python_text import LINE_LENGTH

ROOT = Path(__file__).resolve().parents[2]
SPEC_FILES = sorted([*ROOT.glob("examples/*.yaml"), *ROOT.glob("examples/*.json")])
ACCEPTANCE = Path(__file__).parents[3] / "shared/acceptance/specs"
if ACCEPTANCE.is_dir():
    SPEC_FILES += sorted(ACCEPTANCE.glob("ok_*.yaml"))

DIMS = "codegen_dims"  # modules of named dims, written beside the generated code
MORE_DIMS = "codegen_more_dims"
DIMS_SOURCE = """\
import typednn as tn


class Seq(tn.Dim): ...


class Time(tn.Dim): ...
"""

# Models that together use every kind, option and wiring a spec can state.
MODELS: dict[str, dict[str, Any]] = {
    "activations": {
        "input": [6],
        "layers": [
            {"dense": {"in_features": 6, "units": 8, "use_bias": False}},
            *ACTIVATIONS,  # every activation kind, each once; relu comes again below
            "relu",
            {"activation": {"function": "tanh", "name": "squash"}},
            {"dropout": 0.25},
            {"dense": 3},
        ],
    },
    "attention": {
        "input": [f"{DIMS}.Seq", 8],
        "layers": [
            {"multi_head_attention": 2},
            {"multi_head_attention": {"heads": 4, "causal": True, "name": "masked"}},
            {
                "multi_head_attention": {
                    "heads": 2,
                    "qkv_features": 6,
                    "out_features": 5,
                    "use_bias": False,
                    "dropout_rate": 0.1,
                }
            },
            {"dense": 3},
        ],
    },
    "conv": {
        "input": [12, 12, 4],
        "layers": [
            {"conv2d": {"filters": 8, "kernel": [3, 3], "stride": 2, "padding": "same", "in_channels": 4}},
            {"conv2d": {"filters": 8, "kernel": 1, "use_bias": False}},
            {"conv2d": {"filters": 8, "kernel": 3, "dilation": 2, "groups": 2}},
            {"max_pool2d": {"window": 2, "stride": 1, "padding": "same"}},
            {"avg_pool2d": {"window": [2, 1]}},
            "flatten",
            {"reshape": {"shape": [-1, 4]}},
            {"flatten": {"name": "flat_again"}},
            {"dense": 5},
        ],
    },
    "images_2d": {
        "input": [6, 5, 2],
        "layers": [
            {"zero_padding2d": [[0, 1], [2, 3]]},
            {"zero_padding2d": {"padding": 1, "name": "pad_again"}},
            {"up_sampling2d": [2, 1]},
            {"up_sampling2d": 1},
            {"global_max_pool2d": {"name": "max"}},
            {"global_avg_pool2d": {"inputs": ["pad_again"], "name": "avg"}},
            {"add": {"inputs": ["avg", "max"]}},
            {"dense": 3},
        ],
    },
    "crop_resize_permute": {
        "input": [9, 8, 2],
        "layers": [
            {"cropping2d": [[1, 0], [2, 1]]},
            {"cropping2d": 1},
            {"up_sampling2d": {"size": 2, "interpolation": "bilinear"}},
            {"resizing": {"height": 4, "width": 5, "name": "resize"}},
            {"resizing": {"height": 6, "width": 4, "interpolation": "nearest"}},
            {"reshape": [12, 4]},
            {"cropping1d": [0, 2]},
            {"cropping1d": 1},
            {"permute": [2, 1]},
            "global_max_pool1d",
            {"repeat_vector": 3},
            {"dense": 2},
        ],
    },
    "conv_extra": {
        "input": [6, 6, 4],
        "layers": [
            {"depthwise_conv2d": {"kernel": 3, "depth_multiplier": 2, "padding": "same", "in_channels": 4}},
            {"depthwise_conv2d": [3, 1]},
            {"conv2d_transpose": {"filters": 4, "kernel": 3, "stride": 2, "dilation": [1, 2]}},
            {"conv2d_transpose": {"filters": 2, "kernel": 1, "padding": "same", "use_bias": False}},
            "flatten",
            {"dense": 3},
        ],
    },
    "recurrent": {
        "input": [f"{DIMS}.Seq", 5],
        "layers": [
            {"lstm": 6},
            {"gru": {"units": 4, "reverse": True, "name": "backwards"}},
            {"bidirectional": {"wrapped": {"lstm": 3}, "merge": "sum"}},
            {"bidirectional": {"wrapped": {"gru": {"units": 2, "return_sequences": False, "reverse": True}}}},
            {"dense": 3},
        ],
    },
    "merges": {
        "input": [4, 6],
        "layers": [
            {"dense": {"units": 6, "name": "encoder"}},
            {"reuse": {"layer": "encoder", "name": "encoded_twice"}},
            {"relu": {"name": "act"}},
            {"reuse": {"layer": "act", "inputs": ["encoder"], "name": "act_again"}},
            {"add": {"inputs": ["input", "input"], "name": "doubled"}},
            {"add": {"inputs": ["act", "act_again", "doubled"], "name": "total"}},
            {"concat": {"inputs": ["total", "input"], "axis": 0, "name": "rows"}},
            {"concat": {"inputs": ["rows", "rows"], "name": "columns"}},
            "flatten",
            {"dense": 2},
        ],
    },
    "norms": {
        "input": [6, 4, 8],
        "layers": [
            {"group_norm": 4},
            {"group_norm": {"groups": 2, "epsilon": 1e-5, "use_bias": False, "use_scale": False}},
            "layer_norm",
            {"layer_norm": {"epsilon": 0.001, "use_bias": False, "use_scale": False}},
            "rms_norm",
            {"rms_norm": {"epsilon": 1e-5, "use_scale": False}},
            "batch_norm",
            {"batch_norm": {"momentum": 0.9, "epsilon": 1e-5, "use_bias": False, "use_scale": False}},
            "flatten",
            {"dense": 3},
        ],
    },
    "sequences": {
        "input": [24, 4],
        "layers": [
            {"conv1d": {"filters": 8, "kernel": 3, "stride": 2, "padding": "same", "in_channels": 4}},
            {"conv1d": {"filters": 8, "kernel": 3, "dilation": 2, "groups": 2, "use_bias": False}},
            {"max_pool1d": {"window": 2, "stride": 1, "padding": "same"}},
            {"avg_pool1d": 2},
            "flatten",
            {"dense": 3},
        ],
    },
    "volumes": {
        "input": [4, 6, 6, 2],
        "layers": [
            {"conv3d": {"filters": 4, "kernel": [1, 3, 3], "stride": [1, 2, 2], "padding": "same", "in_channels": 2}},
            {"conv3d": {"filters": 4, "kernel": 2, "dilation": [1, 1, 2], "groups": 2, "use_bias": False}},
            {"max_pool3d": {"window": [1, 2, 2], "stride": 1, "padding": "same"}},
            {"avg_pool3d": {"window": [1, 2, 1]}},
            {"time_distributed": {"wrapped": {"conv2d": {"filters": 3, "kernel": 1}}, "name": "per_frame"}},
            {"time_distributed": "flatten"},
            {"time_distributed": {"wrapped": {"dense": 5}}},
            {"time_distributed": {"wrapped": {"dropout": 0.5}}},
            {"time_distributed": "relu"},
            {"dense": 3},
        ],
    },
    "symbolic": {
        "input": [f"{DIMS}.Seq", 8],
        "layers": [
            {"dense": 16},
            "relu",
            {"reshape": {"shape": [f"{DIMS}.Seq", 4, 4]}},
            {"dense": {"in_features": 4, "units": 3}},
        ],
    },
    "unknown_sizes": {
        "input": [f"{DIMS}.Seq", f"{DIMS}.Time", 3],
        "layers": [{"conv2d": {"filters": 4, "kernel": 3, "in_channels": 3}}, "gelu"],
    },
    # Names that are not Python names, clash with the code's own, or repeat the
    # derived names of other layers; long enough that calls must be split.
    "names": {
        "input": [3],
        "layers": [
            {"dense": {"units": 3, "name": "My Layer/1 " + "long " * 20}},
            {"relu": {"name": "relu_1"}},
            {"dense": {"units": 3, "name": "relu"}},
            "relu",
            {"dense": {"units": 3, "name": "class"}},
            {"dense": {"units": 3, "name": "x"}},
            {"dense": {"units": 3, "name": "tn"}},
            {"dense": {"units": 3, "name": "3x3"}},
            {"sigmoid": {"name": "h"}},
            {"reuse": {"layer": "My Layer/1 " + "long " * 20}},  # a long layer variable and tensor variable
            {"dense": {"units": 3, "name": "CLASS"}},  # `class` once sanitised, like the one above
            {
                "concat": {
                    "inputs": ["CLASS", "h", "x", "tn", "class", "relu", "relu_1"],
                    "name": "joined " + "long " * 20,
                }
            },
            {"flatten": {"name": "dense"}},
            {"dense": {"units": 2, "name": "café"}},
        ],
    },
    "deep": {"input": [4], "layers": [{"dense": 4} for _ in range(50)]},  # past ruff's 50 statements
    # Two dims of one name, and dims named as the code's own names.
    "dim_names": {
        "input": [f"{DIMS}.Seq", f"{MORE_DIMS}.Seq", f"{MORE_DIMS}.L", f"{MORE_DIMS}.nn", 2],
        "layers": ["relu"],
    },
}
NAMES = {"names": "an 'odd' model\\name"}  # model names other than the default
# What the generated code must pass: no allow_redefinition, so no variable may change its type.
PLAIN_STRICT = "[mypy]\nplugins = typednn.mypy\nstrict = True\n"


def python_model() -> tn.Model[Any, Any]:
    """A model written in Python: one object applied several times, with and without parameters."""
    x = tn.Input(6, 6, 2)
    flatten = nn.Flatten()
    head = nn.Dense(4, use_bias=False, name="head")
    pooled = x >> nn.MaxPool2D(2, stride=1) >> nn.relu >> flatten >> head >> nn.relu
    convolved = x >> nn.Conv2D(3, kernel=(3, 1), name="conv") >> nn.relu
    right = convolved >> nn.Reshape(-1, 3, 6) >> flatten >> nn.Dense(50, name="to_head") >> head
    y = nn.concat(pooled, right, pooled) >> nn.softmax
    return tn.Model(x, y, name="python")


BUILT = {"python": python_model}
CASES = [f"spec_{path.stem}" for path in SPEC_FILES] + list(MODELS) + list(BUILT)


def section(case: str) -> tuple[dict[str, Any], str]:
    """The model section of a case, and the file it is said to come from."""
    if case in MODELS:
        return MODELS[case], f"tests/{case}.yaml"
    path = SPEC_FILES[[f"spec_{p.stem}" for p in SPEC_FILES].index(case)]
    document = yaml.safe_load(path.read_text())
    return document["model"], str(path)


def spec_model(case: str) -> tn.Model[Any, Any]:
    """The case's model, as the spec (or the Python code) builds it."""
    if case in BUILT:
        return BUILT[case]()
    model_section, source = section(case)
    return graph_from_dict(model_section, source=source, name=NAMES.get(case, "model"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated modules, one per case, and the dims module they import."""
    tmp = tmp_path_factory.mktemp("codegen")
    (tmp / f"{DIMS}.py").write_text(DIMS_SOURCE)
    (tmp / f"{MORE_DIMS}.py").write_text(DIMS_SOURCE.replace("Time", "L") + "\n\nclass nn(tn.Dim): ...  # noqa: N801\n")
    for case in CASES:
        source = None if case in BUILT else section(case)[1]
        (tmp / f"gen_{case}.py").write_text(codegen(spec_model(case), source=source))
    return tmp


def generated(folder: Path, case: str, monkeypatch: pytest.MonkeyPatch) -> tn.Model[Any, Any]:
    """The model the generated module builds."""
    monkeypatch.syspath_prepend(str(folder))  # for `from codegen_dims import Seq`
    spec = importlib.util.spec_from_file_location(f"gen_{case}", folder / f"gen_{case}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model: tn.Model[Any, Any] = module.build_model()
    return model


def without_names(summary: str) -> list[list[str]]:
    """A summary's rows without the name column: `nn.relu` is one layer where a spec has several."""
    return [re.split(r"\s{2,}", row)[::2] if re.match(r"\S+\(|Input", row) else [row] for row in summary.splitlines()]


@pytest.mark.parametrize("case", CASES)
def test_builds_the_same_model(folder: Path, case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    original = spec_model(case)
    model = generated(folder, case, monkeypatch)
    assert graph_to_dict(model.graph) == graph_to_dict(original.graph)
    assert model.name == original.name
    assert jax.tree.map(lambda a: (a.shape, a.dtype), model.param_shapes()) == jax.tree.map(
        lambda a: (a.shape, a.dtype), original.param_shapes()
    )
    assert without_names(model.summary()) == without_names(original.summary())
    # Random values in the shapes `init` gives (init itself compiles Flax's initialisers:
    # seconds per model), so that biases are not zeros either.
    rng = np.random.default_rng(0)
    params = jax.tree.map(lambda a: rng.normal(size=a.shape).astype(a.dtype), original.param_shapes())
    sizes = [size if isinstance(size, int) else 5 for size in original.inputs.shape.dims]
    batch = rng.normal(size=(3, *sizes)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(model.apply(params, batch)), np.asarray(original.apply(params, batch)))


def mutant(code: str) -> tuple[str, str] | None:
    """The code with the last literal size of its output type off by one, and the end of mypy's message.

    mypy must report the difference: its plugin followed every layer to the output.
    """
    signature = next(line for line in code.splitlines() if line.startswith("def build_model()"))
    start, end = signature.rindex("tn.Tensor["), signature.rindex("]:")
    output = signature[start:end]
    found = list(re.finditer(r"L\[(\d+)\]", output))
    if not found:
        return None
    last = found[-1]
    changed = f"{signature[: start + last.start()]}L[{int(last[1]) + 1}]{signature[start + last.end() :]}"
    # mypy's spelling of the type it computed, up to the sizes changed (it may spell dims in full).
    return code.replace(signature, changed), f'Literal[{last[1]}]]"; expected'


def test_mypy_accepts_the_code_and_follows_every_shape(folder: Path) -> None:
    # `typednn check` adds allow_redefinition, which only accepts more, so this covers it too.
    config = folder / "mypy.ini"
    # mypy_path: the generated code imports the example's custom layer (examples/swiglu.py) from source.
    config.write_text(PLAIN_STRICT + f"cache_dir = {folder / '.mypy_cache'}\nmypy_path = {ROOT}\n")
    expected = {}
    for path in sorted(folder.glob("gen_*.py")):
        changed = mutant(path.read_text())
        if changed is not None:
            (folder / f"mutant_{path.name}").write_text(changed[0])
            expected[f"mutant_{path.name}"] = changed[1]
    files = sorted(path.name for path in folder.glob("*.py") if path.name.startswith(("gen_", "mutant_")))
    command = [sys.executable, "-m", "mypy", "--config-file", str(config), "--show-error-codes", "--no-error-summary"]
    env = {**os.environ, "MYPY_FORCE_COLOR": "0"}
    done = subprocess.run([*command, *files], check=False, cwd=folder, capture_output=True, text=True, env=env)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    errors: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        if ": error: " in line:
            errors.setdefault(line.split(":", 1)[0], []).append(line)
    assert not [e for name, found in errors.items() if not name.startswith("mutant_") for e in found]
    assert len(expected) == len(CASES)
    for name, ending in expected.items():
        (error,) = errors.get(name, [""])
        assert 'Argument 2 to "Model" has incompatible type "Tensor[' in error, (name, errors.get(name))
        assert ending in error and "*tuple" not in error, (name, error)


def test_each_variable_is_assigned_once(folder: Path) -> None:
    # mypy --strict alone accepts `h = h >> nn.relu` (the type stays), so count assignments.
    for path in sorted(folder.glob("gen_*.py")):
        tree = ast.parse(path.read_text())
        (function,) = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
        targets = [
            target.id
            for node in ast.walk(function)
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        ]
        assert len(targets) == len(set(targets)), (path.name, sorted(t for t in targets if targets.count(t) > 1))
        imported = {
            alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names
        }
        assert not set(targets) & (imported | {"tn", "nn", function.name}), path.name


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_accepts_the_code(folder: Path, command: list[str]) -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    # The project's settings; run from the folder, so the dims module is first-party
    # and typednn third-party, as in a project that installs typednn.
    # The custom layer of examples/swiglu.py is the project's own too.
    config = ["--config", str(ROOT / "pyproject.toml"), "--config", 'lint.isort.known-first-party = ["examples"]']
    config.append("--no-cache")
    files = sorted(str(path) for path in folder.glob("gen_*.py"))
    done = subprocess.run([ruff, *command, *config, *files], check=False, cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_code_reads_as_written_by_hand() -> None:
    code = codegen(spec_model("merges"), source="specs/merges.yaml")
    assert code.startswith('"""The model \'model\' as typed Python, generated by `typednn codegen` from specs/')
    body = code[code.index("    x = tn.Input") :]
    assert body == (
        "    x = tn.Input(4, 6)\n"
        '    encoder_layer = nn.Dense(6, name="encoder")\n'
        "    encoder = x >> encoder_layer  # (4, 6)\n"
        "    encoder_1 = encoder >> encoder_layer  # (4, 6)\n"
        '    act_layer = nn.Activation("relu", name="act")\n'
        "    act = encoder_1 >> act_layer  # (4, 6)\n"
        "    act_1 = encoder >> act_layer  # (4, 6)\n"
        '    doubled = nn.Add(name="doubled")(x, x)  # (4, 6)\n'
        '    total = nn.Add(name="total")(act, act_1, doubled)  # (4, 6)\n'
        '    rows = nn.Concatenate(axis=0, name="rows")(total, x)  # (8, 6)\n'
        '    columns = nn.Concatenate(name="columns")(rows, rows)  # (8, 12)\n'
        "    flatten = columns >> nn.Flatten()  # (96,)\n"
        '    y = flatten >> nn.Dense(2, name="dense")  # (2,)\n'
        "    return tn.Model(x, y)\n"
    )


def test_dims_are_imported_and_typed() -> None:
    code = codegen(spec_model("unknown_sizes"))
    assert "from typing import Any\nfrom typing import Literal as L\n\nimport typednn as tn\n" in code
    assert f"from typednn import nn\n\nfrom {DIMS} import Seq, Time\n" in code
    assert "def build_model() -> tn.Model[tn.Tensor[Seq, Time, L[3]], tn.Tensor[Any, Any, L[4]]]:" in code
    assert "    x = tn.Input(Seq, Time, 3)\n" in code


def test_long_code_is_split_and_marked() -> None:
    code = codegen(spec_model("names"))
    assert all(len(line) <= LINE_LENGTH or '"' in line for line in code.splitlines())
    assert '        name="joined long long' in code  # the merge's layer is bound, then called
    deep = codegen(spec_model("deep"))
    assert "def build_model() -> tn.Model[tn.Tensor[L[4]], tn.Tensor[L[4]]]:  # noqa: PLR0915\n" in deep
    assert "# noqa" not in codegen(spec_model("conv"))


def test_function_name_and_long_signature() -> None:
    x = tn.Input(*[1] * 20)
    code = codegen(tn.Model(x, x >> nn.Flatten()), function="make")
    assert "\nMakeInput = tn.Tensor[\n    L[1],\n" in code
    assert "def make() -> tn.Model[MakeInput, MakeOutput]:" in code
    with pytest.raises(tn.TypednnError, match=r"the function name 'class' is not a Python name"):
        codegen(tn.Model(x, x >> nn.Flatten()), function="class")


def test_values_python_cannot_take_are_refused() -> None:
    section = {"input": [f"{DIMS}.Seq"], "layers": [{"dense": {"in_features": f"{DIMS}.Seq", "units": 4}}]}
    model = graph_from_dict(section, source="spec.yaml")
    with pytest.raises(tn.TypednnError, match=r"dense: Dense\(Seq -> 4\): the code would call Dense\(") as info:
        codegen(model)
    assert "the Python constructor does not take it" in str(info.value)


def test_dims_that_cannot_be_imported_are_refused() -> None:
    class Local(tn.Dim): ...

    x = tn.Input(Local, 4)
    with pytest.raises(tn.TypednnError, match=r"the named dim '.*<locals>.Local' cannot be imported") as info:
        codegen(tn.Model(x, x >> nn.Dense(2)))
    assert "top level of a module" in str(info.value)


def test_unregistered_layers_are_refused() -> None:
    class Twice(nn.Dense): ...

    x = tn.Input(4)
    with pytest.raises(tn.TypednnError, match=r"twice: Twice has no kind that a spec can name") as caught:
        codegen(tn.Model(x, Twice(3)(x)))
    assert "@tn.register_layer" in (caught.value.hint or "")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_constructor_takes_its_hyperparameters_by_name(kind: str) -> None:
    # What codegen relies on: each field of the kind's hyperparameters is a parameter
    # of its layer's constructor (a keyword, or `*shape` for Reshape).
    cls = KINDS[kind].layer
    fields = {field.name for field in dataclasses.fields(cls.hyper_type)}
    accepted = {name for signature in _signatures(cls) for name in signature.parameters}
    assert fields <= accepted, f"{cls.__name__}() lacks {fields - accepted}"


def test_symbols_in_options_are_written_as_dims() -> None:
    code = codegen(spec_model("symbolic"))
    assert "    reshape = relu >> nn.Reshape(Seq, 4, 4)  # (Seq, 4, 4)\n" in code
    assert Symbol(f"{DIMS}.Seq") in spec_model("symbolic").inputs.shape.dims


def test_names_are_written_only_where_the_model_would_derive_others() -> None:
    section = {
        "input": [4],
        "layers": [
            {"dense": {"units": 4, "name": "stem"}},
            {"relu": {"name": "stem_relu"}},  # named: the model would call it relu
            "relu",  # relu, as the model derives it once stem_relu is named
            "relu",  # relu_1: nn.relu applied again, which an export writes as relu_1
            {"relu": {"name": "relu_3"}},  # not relu_2: named
            "flatten",
        ],
    }
    code = codegen(graph_from_dict(section, source="spec.yaml"))
    assert code[code.index("    x = ") :] == (
        "    x = tn.Input(4)\n"
        '    stem = x >> nn.Dense(4, name="stem")  # (4,)\n'
        '    stem_relu = stem >> nn.Activation("relu", name="stem_relu")  # (4,)\n'
        "    relu = stem_relu >> nn.relu  # (4,)\n"
        "    relu_1 = relu >> nn.relu  # (4,)\n"
        '    relu_3 = relu_1 >> nn.Activation("relu", name="relu_3")  # (4,)\n'
        "    y = relu_3 >> nn.Flatten()  # (4,)\n"
        "    return tn.Model(x, y)\n"
    )
