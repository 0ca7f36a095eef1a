"""The request and response schemas of POST /v1/predict, made from the model's contract.

Each input is a nested list as deep as its shape, plus the batch axis; a fixed axis
says its length (`minItems` = `maxItems`), a named one (`Seq`) takes any length. The
pydantic models publish the schemas (OpenAPI at /openapi.json, the docs UI at /docs);
the body itself is read by `_decode`, so that a bad one gets typednn's words.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, create_model

from ..export._contract import Contract, TensorSpec
from ._decode import CSV, JSON, NPY


def _nested(spec: TensorSpec) -> Any:
    """The type of a batch of `spec`'s examples: lists, each fixed axis of its length."""
    kind: Any = int if spec.dtype == "int32" else float
    for size in reversed(spec.shape):
        kind = Annotated[list[kind], Field(min_length=size, max_length=size)] if isinstance(size, int) else list[kind]
    return list[kind]


def _fields(specs: tuple[TensorSpec, ...]) -> dict[str, Any]:
    return {
        f"tensor_{i}": (
            _nested(spec),
            Field(
                alias=spec.name,
                description=f"{spec.dtype}, shape (batch, {', '.join(map(str, spec.shape))})",
                json_schema_extra={"x-shape": ["batch", *spec.shape], "x-dtype": spec.dtype},
            ),
        )
        for i, spec in enumerate(specs)
    }


def request_model(contract: Contract) -> type[BaseModel]:
    """`{"inputs": {name: nested list}}`, one field per input."""
    inputs: type[BaseModel] = create_model("PredictInputs", **_fields(contract.inputs))
    return create_model("PredictRequest", inputs=(inputs, Field(description="A batch of examples per input name")))


def response_model(contract: Contract) -> type[BaseModel]:
    """`{"outputs": {name: nested list}}`, one field per output."""
    outputs: type[BaseModel] = create_model("PredictOutputs", **_fields(contract.outputs))
    return create_model("PredictResponse", outputs=(outputs, Field(description="One row per example, per output")))


def request_body(contract: Contract, *, csv: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI `requestBody` of POST /v1/predict, and the schemas it refers to (for `components`)."""
    schema = request_model(contract).model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = schema.pop("$defs", {})
    content: dict[str, Any] = {JSON: {"schema": {"$ref": "#/components/schemas/PredictRequest"}}}
    if len(contract.inputs) == 1:
        content[NPY] = {"schema": {"type": "string", "format": "binary", "description": "one .npy array (no pickle)"}}
    if csv:
        content[CSV] = {
            "schema": {"type": "string", "description": "raw rows with a header, through the saved transforms"}
        }
    return {"required": True, "content": content}, {**definitions, "PredictRequest": schema}


class ErrorBody(BaseModel):
    """What a refused request gets (4xx), in typednn's words; a failure (500) says only that it is one."""

    error: str = Field(description="What is wrong, where, expected vs actual")
    hint: str | None = Field(description="How to fix it")
