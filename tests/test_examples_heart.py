"""examples/heart.py: the structured-data example in typed Python, twin of examples/heart.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from examples.heart import main, transforms
from typednn.spec import check_data, read

ROOT = Path(__file__).resolve().parents[1]


def test_the_python_transforms_are_as_wide_as_the_specs() -> None:
    assert transforms().output_width == 15  # known before any row: every vocabulary is given
    assert check_data(read(ROOT / "examples" / "heart.yaml")).feature_shape.dims == (15,)


@pytest.mark.slow
def test_the_example_trains_and_predicts_raw_rows_as_in_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    accuracy = main(tmp_path / "run")
    assert accuracy >= 0.75
    assert "predictions on raw rows identical: True" in capsys.readouterr().out
    assert (tmp_path / "run" / "model" / "spec.json").is_file()
