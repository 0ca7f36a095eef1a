"""The model card: what a model was trained on, how well it does, and the spec it is.

Pushed as a JSON blob beside the export (`card.json` in the cache)::

    {
      "format": "typednn-hub-card",
      "version": 1,
      "name": "mnist-mlp", "tag": "v1",
      "typednn_version": "0.1.0",
      "created": "2026-05-01T12:00:00Z",
      "metrics": {"accuracy": 0.97},
      "data": "MNIST, 60,000 training images",
      "text": "A two-layer perceptron.",
      "spec": {...}                          (the export's spec.json, as it is)
    }
"""

from __future__ import annotations

import importlib.metadata
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .._errors import TypednnError
from .._reading import excerpt
from ..export import _json
from ._reference import Reference

FORMAT = "typednn-hub-card"
VERSION = 1
CARD_LIMIT = 64 << 20
"""The largest card: the spec inside is a few KiB for most models."""
_KEYS = ("format", "version", "name", "tag", "typednn_version", "created", "metrics", "data", "text", "spec")
_CORRUPT = "the registry holds a corrupted model card; push the model again"


@dataclass(frozen=True)
class Card:
    """What the pusher says about a model; `push` adds the spec, the version and the time.

    Args:
        metrics: Scores on held-out data, `{"accuracy": 0.97}`.
        data: What it was trained on.
        text: Anything else: intended use, limits, license.

    Raises:
        TypednnError: if a metric's name is not text or its value not a finite number.

    Example:
        >>> Card(metrics={"accuracy": 0.97}, data="MNIST").metrics
        {'accuracy': 0.97}
    """

    metrics: Mapping[str, float] = field(default_factory=dict)
    data: str = ""
    text: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "metrics", check_metrics(self.metrics, "card"))
        for key in ("data", "text"):
            if not isinstance(getattr(self, key), str):
                raise TypednnError(f"card: {key} must be text, not {type(getattr(self, key)).__name__}")


@dataclass(frozen=True)
class ModelCard:
    """A pushed model's card, as `tn.hub.show` reads it back.

    Attributes:
        reference: The model's `NAME:TAG`.
        card: The pusher's metrics, data description and text.
        spec: The export's spec.json, parsed (its "model" section is the graph).
        typednn_version: The typednn that pushed it.
        created: When it was pushed, ISO 8601 in UTC.
    """

    reference: Reference
    card: Card
    spec: Mapping[str, Any]
    typednn_version: str
    created: str

    def __str__(self) -> str:
        lines = [
            f"{self.reference}",
            f"  pushed: {self.created} with typednn {self.typednn_version}",
            f"  model: {self.spec.get('name', '?')}, {_layers(self.spec)} layers",
        ]
        if self.card.data:
            lines.append(f"  data: {self.card.data}")
        lines.extend(f"  {name}: {value:g}" for name, value in self.card.metrics.items())
        if self.card.text:
            lines.append("")
            lines.append(self.card.text)
        return "\n".join(lines)


def _layers(spec: Mapping[str, Any]) -> int:
    model = spec.get("model")
    layers = model.get("layers") if isinstance(model, dict) else None
    return len(layers) if isinstance(layers, list) else 0


def check_metrics(metrics: object, where: str) -> dict[str, float]:
    """Metrics as `{name: finite number}`; raises a TypednnError naming the bad one."""
    hint = 'give metrics as {"name": number}, e.g. {"accuracy": 0.97}'
    if not isinstance(metrics, Mapping):
        raise TypednnError(f"{where}: metrics must be an object of numbers, not {type(metrics).__name__}", hint=hint)
    checked: dict[str, float] = {}
    for name, value in metrics.items():
        if not isinstance(name, str):
            raise TypednnError(f"{where}: the metric name {excerpt(name)} is not text", hint=hint)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise TypednnError(f"{where}: the metric {name!r} is {excerpt(value)}, not a finite number", hint=hint)
        checked[name] = float(value)
    return checked


def dumps(reference: Reference, card: Card, spec: Mapping[str, Any]) -> bytes:
    """A new card's bytes, stamped with this typednn's version and the time."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "name": reference.name,
        "tag": reference.tag,
        "typednn_version": typednn_version(),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "metrics": dict(card.metrics),
        "data": card.data,
        "text": card.text,
        "spec": spec,
    }
    return (json.dumps(document, indent=2) + "\n").encode()


def typednn_version() -> str:
    try:
        return importlib.metadata.version("typednn")
    except importlib.metadata.PackageNotFoundError:  # a source tree never installed
        return "(not installed)"


def parse(data: bytes, *, source: str, reference: Reference) -> ModelCard:
    """A card read from a registry or the cache, checked for form.

    Raises:
        TypednnError: naming the key that is wrong.
    """
    document = _json.loads(data, source=source)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TypednnError(f'{source}: not a typednn model card (no "format": "{FORMAT}")', hint=_CORRUPT)
    if document.get("version") != VERSION:
        raise TypednnError(
            f"{source}: model card version {excerpt(document.get('version'))}; this typednn reads version {VERSION}",
            hint="upgrade typednn to read this card",
        )
    unknown = sorted(set(document) - set(_KEYS))
    if unknown:
        raise TypednnError(f"{source}: unknown key {excerpt(unknown[0])} in the model card", hint=_CORRUPT)
    if (document.get("name"), document.get("tag")) != (reference.name, reference.tag):
        raise TypednnError(f"{source}: the model card is not {reference}'s", hint=_CORRUPT)
    for key in ("typednn_version", "created", "data", "text"):
        if not isinstance(document.get(key), str):
            raise TypednnError(f"{source}: the card's {key!r} must be text", hint=_CORRUPT)
    if not isinstance(document.get("spec"), dict):
        raise TypednnError(f'{source}: the card\'s "spec" must be an object', hint=_CORRUPT)
    card = Card(check_metrics(document.get("metrics"), source), document["data"], document["text"])
    return ModelCard(reference, card, document["spec"], document["typednn_version"], document["created"])
