"""Model.plot and `typednn plot`: a graph picture of every example and zoo model, SVG and PNG."""

from __future__ import annotations

import inspect
import itertools
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import typednn as tn
from examples import cnn, digits, functional, sequences, swiglu
from typednn import _plot_draw, nn, zoo
from typednn._plot_draw import MOST_CHARS, MOST_PIXELS, box_lines, render
from typednn._plot_graph import GAP, diagram, layout
from typednn.spec import read

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BUILDERS: dict[str, Callable[[], tn.Model[Any, Any]]] = {
    "cnn.py": cnn.build_cnn,
    "digits.py": digits.build,
    "functional.py two_tower": functional.two_tower,
    "functional.py classify_and_locate": functional.classify_and_locate,
    "functional.py unet": functional.unet,
    "sequences.py tagger": sequences.tagger,
    "sequences.py seq2seq_lstm": sequences.seq2seq_lstm,
    "swiglu.py": swiglu.build_model,
    **{f"zoo.{name}": getattr(zoo, name) for name in zoo.__all__ if inspect.isfunction(getattr(zoo, name))},
}
SPECS = sorted(
    str(path.relative_to(EXAMPLES))
    for path in [*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json"), *(EXAMPLES / "keras_functional").glob("*.yaml")]
)


def model_of(name: str) -> tn.Model[Any, Any]:
    return BUILDERS[name]() if name in BUILDERS else read(EXAMPLES / name).model


def svg_text(path: Path) -> str:
    """Every text of an SVG file, which must parse as XML."""
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return "\n".join(element.text or "" for element in root.iter() if element.tag.endswith("text"))


def test_every_example_is_found() -> None:
    assert {"digits.yaml", "residual.yaml", "keras_functional/unet.yaml", "iris.json"} <= set(SPECS)
    assert len(BUILDERS) >= 8 + 5


@pytest.mark.parametrize("name", [*BUILDERS, *SPECS])
def test_every_example_and_zoo_model_is_drawn(name: str, tmp_path: Path) -> None:
    model = model_of(name)
    names = [box.name for box in diagram(model).boxes]
    assert len(names) == len(model.graph.inputs) + sum(
        n.layer is not None and n.layer.part_of is None for n, _ in model.graph.nodes()
    )
    svg = model.plot(tmp_path / "model.svg")
    text = svg_text(svg)
    for box in names:
        assert box in text
    assert model.name in text
    png = model.plot(tmp_path / "model.PNG")  # the suffix in any case
    with Image.open(png) as image:
        image.verify()
    with Image.open(png) as image:
        assert image.format == "PNG" and max(image.size) <= MOST_PIXELS


def test_the_picture_is_the_same_every_time() -> None:
    found = diagram(functional.unet())
    assert render(found, "svg") == render(diagram(functional.unet()), "svg")
    assert render(found, "png") == render(found, "png")
    assert b"<dc:date>" not in render(found, "svg")


@pytest.mark.parametrize("name", ["functional.py unet", "zoo.resnet18", "keras_functional/classify_and_locate.yaml"])
def test_arrows_point_down_and_boxes_of_a_row_do_not_overlap(name: str) -> None:
    found = diagram(model_of(name))
    widths = [10.0 * len(box.what) for box in found.boxes]
    placed = layout(found, widths)
    for arrow in found.arrows:
        assert placed.rows[arrow.target] > placed.rows[arrow.source]
        assert len(placed.paths[found.arrows.index(arrow)]) == placed.rows[arrow.target] - placed.rows[arrow.source] - 1
    by_row = sorted(range(len(found.boxes)), key=lambda i: (placed.rows[i], placed.x[i]))
    for left, right in itertools.pairwise(by_row):
        if placed.rows[left] == placed.rows[right]:
            assert placed.x[right] - placed.x[left] >= (widths[left] + widths[right]) / 2 + GAP - 1e-6


def test_merges_shared_layers_states_inputs_and_outputs_are_marked() -> None:
    towers = diagram(functional.two_tower())
    concat = next(i for i, box in enumerate(towers.boxes) if box.what.startswith("Concatenate"))
    assert sum(arrow.target == concat for arrow in towers.arrows) == 2  # a merge takes two arrows
    shared = sorted(box.name for box in towers.boxes if box.shared)
    assert shared == ["tower_1", "tower_1[1]", "tower_2", "tower_2[1]"]  # by application, as the summary names them
    assert not any(box.shared for box in towers.boxes if box.what.startswith("Activation"))  # no weights to share
    assert [box.name for box in towers.boxes if box.is_input] == ["left", "right"]
    assert [box.output for box in towers.boxes if box.output] == ["score"]
    seq2seq = diagram(sequences.seq2seq_lstm())
    assert sorted(arrow.label for arrow in seq2seq.arrows if arrow.label) == ["c", "h"]  # the encoder's state
    assert [box.name for box in seq2seq.boxes].count("encoder") == 1  # its parts are not boxes


def test_texts_are_taken_literally(tmp_path: Path) -> None:
    x = tn.Input(4, name="in<b>")
    model = tn.Model(x, x >> nn.Dense(3, name="a<i>&$x$"), name="<m>")
    text = svg_text(model.plot(tmp_path / "odd.svg"))  # the file parses: the names are escaped
    assert "a<i>&$x$" in text and "in<b>" in text  # and never read as TeX


def test_a_long_repr_is_cut() -> None:
    lines = [line for box in diagram(sequences.seq2seq_lstm()).boxes for line in box_lines(box)]
    assert all(len(line) <= MOST_CHARS for line in lines)
    assert any(line.startswith("LSTM(units=64, return_sequences=False") and line.endswith("…") for line in lines)


def test_the_file_must_be_svg_or_png(tmp_path: Path) -> None:
    model = digits.build()
    with pytest.raises(tn.TypednnError, match=r"model\.jpg: a graph picture is an \.svg or \.png file, not \.jpg"):
        model.plot(tmp_path / "model.jpg")
    with pytest.raises(tn.TypednnError, match="not a file without a suffix"):
        model.plot(tmp_path / "model")
    with pytest.raises(tn.TypednnError, match="its directory does not exist"):
        model.plot(tmp_path / "missing" / "model.svg")
    with pytest.raises(tn.TypednnError, match="a directory"):
        model.plot(tmp_path)
    (tmp_path / "d.svg").mkdir()
    with pytest.raises(tn.TypednnError, match="a directory"):
        model.plot(tmp_path / "d.svg")


def test_only_a_picture_is_replaced(tmp_path: Path) -> None:
    model = digits.build()
    spec = tmp_path / "model.svg"
    spec.write_text("name: not a picture\n")
    with pytest.raises(tn.TypednnError, match="not an SVG or PNG picture"):
        model.plot(spec)
    assert spec.read_text() == "name: not a picture\n"
    for name in ("old.svg", "old.png", "empty.svg"):
        path = tmp_path / name
        path.write_bytes(b"")
        model.plot(path)  # an empty file, then the picture just written, are replaced
        model.plot(path)
        assert path.stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.svg", "model.svg", "old.png", "old.svg"]


def typednn(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_the_plot_command(tmp_path: Path) -> None:
    spec = str(EXAMPLES / "keras_functional" / "two_tower.yaml")
    done = typednn("plot", spec, "-o", "model.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "tower_1[1]" in svg_text(tmp_path / "model.svg")
    assert done.stdout.startswith("model.svg: the graph of 'two_tower'")
    (tmp_path / "notes.txt").write_text("keep me")
    for output, message in (("model.gif", "model.gif: a graph picture is an .svg or .png file"), ("notes.txt", "")):
        failed = typednn("plot", spec, "-o", output, cwd=tmp_path)
        assert failed.returncode == 1 and "Traceback" not in failed.stderr
        lines = failed.stderr.splitlines()
        assert len(lines) == 2 and lines[1].startswith("  hint:") and message in lines[0]
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    missing = typednn("plot", spec, cwd=tmp_path)
    assert missing.returncode == 2 and "-o" in missing.stderr


def test_the_summary_separates_thousands_and_sizes_the_parameters() -> None:
    text = zoo.mlp().summary()
    assert "401,920" in text.splitlines()[4]  # Dense(784 -> 512): 784 * 512 + 512
    assert text.splitlines()[-1] == "Total params: 669,706 (2.6 MiB)"
    x = tn.Input(8, 8, 3)
    with_state = tn.Model(x, x >> nn.BatchNorm() >> nn.Flatten() >> nn.Dense(2)).summary()
    assert with_state.endswith(
        "Total params: 398 (1.6 KiB)\nTrainable params: 392 (1.5 KiB)\nNon-trainable params: 6 (24 bytes)"
    )


def test_a_big_model_is_scaled_down_or_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = functional.unet()  # about 400 x 1800 pixels at full size
    monkeypatch.setattr(_plot_draw, "MOST_PIXELS", 1000)
    with Image.open(model.plot(tmp_path / "small.png")) as image:
        assert max(image.size) == 1000
    monkeypatch.setattr(_plot_draw, "MOST_BOXES", 5)
    with pytest.raises(tn.TypednnError, match=r"model 'unet': 15 inputs and layers are too many to draw \(at most 5\)"):
        model.plot(tmp_path / "big.svg")
