"""A real server's predictions equal `model.apply`: JSON, .npy and raw CSV bodies, one or several inputs and outputs."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import typednn as tn

from .conftest import RAW, Server, clean, rows, serving


def post(server: Server, **request: Any) -> dict[str, Any]:
    response = httpx.post(f"{server.url}/v1/predict", timeout=60, **request)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def close(found: Any, expected: Any) -> None:
    np.testing.assert_allclose(np.asarray(found, np.float32), np.asarray(expected), rtol=1e-6, atol=1e-6)


def npy(array: np.ndarray[Any, Any]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.mark.slow
def test_json_instances_and_npy_bodies_give_applys_outputs(models: dict[str, Path], mlp_server: Server) -> None:
    model, params = tn.load(models["mlp"])
    (name,), (output,) = model.input_names, model.output_names
    x = rows((70, 4))  # more than --max-batch 64: split over two batches, joined again
    expected = np.asarray(model.apply(params, x))
    close(post(mlp_server, json={"inputs": {name: x.tolist()}})["outputs"][output], expected)
    close(post(mlp_server, json={"instances": x[:3].tolist()})["outputs"][output], expected[:3])
    found = post(mlp_server, content=npy(x[:5]), headers={"Content-Type": "application/x-npy"})
    close(found["outputs"][output], expected[:5])
    found = post(mlp_server, content=npy(x[:2].astype(np.float64)), headers={"Content-Type": "application/x-npy"})
    close(found["outputs"][output], expected[:2])
    clean(mlp_server.log())


@pytest.mark.slow
def test_a_model_with_two_inputs_takes_them_by_name(models: dict[str, Path], tmp_path: Path) -> None:
    model, params = tn.load(models["pair"])
    image = rows((6, 3, 3, 2))
    ids = np.arange(30, dtype=np.int32).reshape(6, 5) % 20
    expected = np.asarray(model.apply(params, {"image": image, "ids": ids}))
    with serving(models["pair"], tmp_path) as server:
        found = post(server, json={"inputs": {"ids": ids.tolist(), "image": image.tolist()}})
        close(found["outputs"][model.output_names[0]], expected)
        clean(server.log())


@pytest.mark.slow
def test_a_model_with_two_outputs_answers_both(models: dict[str, Path], tmp_path: Path) -> None:
    model, params = tn.load(models["heads"])
    x = rows((3, 6), seed=1)
    label, box = model.apply(params, x)
    with serving(models["heads"], tmp_path, "--max-batch", "4") as server:
        found = post(server, json={"inputs": {model.input_names[0]: x.tolist()}})["outputs"]
        assert sorted(found) == ["box", "label"]
        close(found["label"], label)
        close(found["box"], box)
        clean(server.log())


@pytest.mark.slow
def test_raw_csv_rows_go_through_the_saved_transforms(models: dict[str, Path], tmp_path: Path) -> None:
    loaded = tn.load(models["raw"])
    assert loaded.transform is not None
    model, params = loaded
    raw_file = tmp_path / "rows.csv"
    raw_file.write_text(RAW)
    expected = np.asarray(model.apply(params, loaded.transform.features(tn.data.table(raw_file))))
    with serving(models["raw"], tmp_path) as server:
        found = post(server, content=RAW.encode(), headers={"Content-Type": "text/csv"})
        close(found["outputs"][model.output_names[0]], expected)
        bad = httpx.post(
            f"{server.url}/v1/predict", content=b"age,town\n1,x\n", headers={"Content-Type": "text/csv"}, timeout=60
        )
        assert bad.status_code == 422
        assert "city" in bad.json()["error"] and "typednn-serve-" not in bad.text  # the body, not a temp file
        clean(server.log())
