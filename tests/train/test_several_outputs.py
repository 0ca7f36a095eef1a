"""Training a model with several inputs and outputs: per-output losses, weights and metrics (Keras's compile)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn
from typednn.train import evaluate, predict

N = 24


def two_heads() -> tn.Model[Any, Any]:
    image = tn.Input(4, 4, 1, name="image")
    meta = tn.Input(3, name="meta")
    z = nn.concat(image >> nn.Flatten(), meta >> nn.Dense(4))
    return tn.Model((image, meta), (z >> nn.Dense(3, name="label"), z >> nn.Dense(2, name="box")))


def arrays() -> tuple[tuple[np.ndarray[Any, Any], ...], tuple[np.ndarray[Any, Any], ...]]:
    rng = np.random.default_rng(0)
    images = rng.normal(size=(N, 4, 4, 1)).astype(np.float32)
    metas = rng.normal(size=(N, 3)).astype(np.float32)
    labels = (np.arange(N) % 3).astype(np.int32)
    boxes = rng.normal(size=(N, 2)).astype(np.float32)
    return (images, metas), (labels, boxes)


LOSSES = (tn.losses.softmax_cross_entropy, tn.losses.mean_squared_error)


def test_training_equals_a_hand_written_optax_loop_with_the_same_weighted_losses() -> None:
    (images, metas), (labels, boxes) = arrays()
    model = two_heads()
    trainer = tn.Trainer(model, loss=LOSSES, optimizer=optax.sgd(0.1), loss_weights=(1.0, 0.5))
    start = jax.tree.map(jnp.array, trainer.params)
    data = tn.data.from_arrays((images, metas), (labels, boxes))
    history = trainer.fit(data, epochs=3, batch_size=8, shuffle=False, verbose=0)

    def objective(params: Any, x: tuple[jax.Array, ...], y: tuple[jax.Array, ...]) -> jax.Array:
        label, box = model.apply(params, x)
        return jnp.mean(LOSSES[0](label, y[0])) + 0.5 * jnp.mean(LOSSES[1](box, y[1]))

    optimizer = optax.sgd(0.1)
    params, state = start, optax.sgd(0.1).init(start)
    for _ in range(3):
        for first in range(0, N, 8):
            batch = slice(first, first + 8)
            grads = jax.grad(objective)(params, (images[batch], metas[batch]), (labels[batch], boxes[batch]))
            updates, state = optimizer.update(grads, state, params)
            params = optax.apply_updates(params, updates)
    for layer, weights in params.items():
        for name, value in weights.items():
            np.testing.assert_allclose(trainer.params[layer][name], value, atol=1e-5, err_msg=f"{layer}.{name}")
    assert sorted(history.epochs[-1]) == ["box_loss", "label_loss", "loss"]
    last = history.epochs[-1]
    assert last["loss"] == pytest.approx(last["label_loss"] + 0.5 * last["box_loss"], rel=1e-5)


def test_dicts_by_name_as_keras_takes_them() -> None:
    (images, metas), (labels, boxes) = arrays()
    trainer = tn.Trainer(
        two_heads(),
        loss={"box": tn.losses.mean_squared_error, "label": tn.losses.softmax_cross_entropy},
        optimizer=optax.adam(1e-2),
        metrics={"label": ["accuracy"]},
        loss_weights={"label": 1.0, "box": 2.0},
    )
    data = tn.data.from_arrays({"meta": metas, "image": images}, {"box": boxes, "label": labels})
    history = trainer.fit(data, epochs=2, batch_size=8, verbose=0, validation=data)
    assert set(history.epochs[-1]) == {
        "loss", "label_loss", "label_accuracy", "box_loss",
        "val_loss", "val_label_loss", "val_label_accuracy", "val_box_loss",
    }  # fmt: skip
    scores = trainer.evaluate(data)
    assert scores["loss"] == pytest.approx(scores["label_loss"] + 2.0 * scores["box_loss"], rel=1e-5)
    scores_again = evaluate(
        trainer.model,
        trainer.params,
        data,
        loss=trainer.loss,
        metrics=trainer.metrics,
        loss_weights=trainer.loss_weights,
    )
    assert scores_again == pytest.approx(scores)
    label, box = trainer.predict((images, metas))
    assert (label.shape, box.shape) == ((N, 3), (N, 2))
    by_name = predict(trainer.model, trainer.params, {"image": images, "meta": metas}, batch_size=5)
    np.testing.assert_allclose(by_name[0], label, atol=1e-6)
    from_data = trainer.predict(data)
    np.testing.assert_allclose(from_data[1], box, atol=1e-6)


def test_a_single_output_model_keeps_its_names() -> None:
    x = tn.Input(3)
    trainer = tn.Trainer(
        tn.Model(x, x >> nn.Dense(3)), loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1),
        metrics=["accuracy"],
    )  # fmt: skip
    history = trainer.fit(tn.data.from_arrays(np.ones((6, 3)), np.arange(6) % 3), epochs=1, verbose=0)
    assert sorted(history.epochs[-1]) == ["accuracy", "loss"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"loss": LOSSES[:1]}, r"loss has 1 entries, but the model has 2 outputs \(label, box\)"),
        ({"loss": {"label": LOSSES[0], "boxes": LOSSES[1]}}, r"loss names 'boxes', but the model's outputs are"),
        ({"loss": {"label": LOSSES[0]}}, r"loss gives nothing for the output\(s\) 'box'"),
        ({"loss": LOSSES, "metrics": ["accuracy"]}, r"the model has 2 outputs \(label, box\): give metrics per output"),
        ({"loss": LOSSES, "loss_weights": (1.0, -1.0)}, r"the loss weight of 'box' must be a number of at least 0"),
    ],
)
def test_losses_metrics_and_weights_of_another_form_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(tn.TypednnError, match=message) as caught:
        tn.Trainer(two_heads(), optimizer=optax.sgd(0.1), **options)
    assert caught.value.hint


def test_data_that_does_not_fit_names_the_input_or_output() -> None:
    (images, metas), (labels, boxes) = arrays()
    trainer = tn.Trainer(two_heads(), loss=LOSSES, optimizer=optax.sgd(0.1))
    with pytest.raises(tn.TypednnError, match=r"the features are named 'image', 'metadata'.*no features for 'meta'"):
        trainer.fit(tn.data.from_arrays({"image": images, "metadata": metas}, (labels, boxes)), epochs=1, verbose=0)
    with pytest.raises(tn.ShapeError, match="meta"):
        trainer.fit(tn.data.from_arrays((images, metas[:, :2]), (labels, boxes)), epochs=1, verbose=0)
    with pytest.raises(tn.TypednnError, match=r"the output 'box': mean_squared_error"):
        trainer.fit(tn.data.from_arrays((images, metas), (labels, labels % 2)), epochs=1, verbose=0)
