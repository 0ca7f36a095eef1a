"""Trainer: fits a typed model to a typed dataset with an optax optimizer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Generic, overload

import jax
import optax

from .._errors import TypednnError
from .._memory import require as require_memory
from .._model import In, Model, Out
from .._reading import excerpt
from ..data import Dataset
from ..distributed import Placement, collective_failures, data_mesh, process_count
from ..layers import Tensor
from ..lower import Params
from ._accumulate import accumulating, check_accumulate
from ._callback import Callback
from ._checkpoint_callback import Checkpoint
from ._compile_cache import enable as enable_compilation_cache
from ._feed import Feed
from ._fit import fit
from ._frozen import freeze, frozen_layers
from ._heads import Loss, Metrics, heads_of
from ._history import History
from ._inference import check_data, evaluate_feed, predict_as
from ._keras_checks import check_heads
from ._parts import agree, feed_of
from ._precision import Policy, Precision, check_precision, loss_scaled
from ._progress import Verbose
from ._remat import Remat, remat_spans, rematerialise
from ._results import Results
from ._steps import Compiled, adopt, init_optimizer

if TYPE_CHECKING:
    from jax.sharding import Mesh


SEED_LIMIT: Final = 2**63 - 1
"""The largest seed: `jax.random.key` takes a 64-bit int (numpy any int >= 0); 10**30 overflowed in it."""


class Trainer(Results, Generic[In, Out]):
    """Trains a model; its type carries the model's, so mismatched data is a mypy error.

    Args:
        model: The model to train.
        loss: A pure function `(outputs, targets) -> per-example losses`, e.g.
            `tn.losses.softmax_cross_entropy`. For a model with several outputs, one
            loss for all, or one per output: a list in their order, or a dict by output
            name (Keras's `compile(loss=...)`).
        optimizer: Any optax `GradientTransformation`. Wrap it in
            `optax.inject_hyperparams` to let callbacks change the learning rate.
        metrics: Metrics or their names (`"accuracy"`, `"f1"`, `tn.metrics.TopKAccuracy(k=3)`);
            for several outputs, a list per output or a dict by output name, reported
            as `label_accuracy` (Keras's naming).
        loss_weights: Each output's weight in the loss training minimizes, a list or a
            dict by output name (default 1 each); the history's `loss` is that weighted
            sum, and `label_loss`, `box_loss`... each output's own.
        seed: Seeds parameter initialisation, the order of examples and dropout.
        steps_per_dispatch: Optimizer steps per compiled dispatch (`lax.scan`); by
            default a whole epoch of up to 64 steps, else 32 (on CPU, models with
            convolutions run one step per dispatch, XLA:CPU being slow on them
            inside loops, and 8 unrolled steps after the first epoch of a long fit;
            see docs/training.md).
        device_data_limit: Datasets up to this many bytes are copied to the device once
            and batched there; larger ones are fed from the host, one chunk ahead. By
            default a quarter of the device's memory (2 GiB when it does not say).
        mesh: Train data-parallel on these devices: each batch is split over the mesh's
            `data` axis (`tn.distributed.data_mesh()`), and XLA reduces the gradients
            across them. By default one device; in a multi-process job, every device
            of the job.
        shard_params: With a mesh, split the parameters and optimizer state over the
            `data` axis too (FSDP-style) instead of replicating them on every device.
        frozen: Layers to hold fixed, for transfer learning (Keras's `layer.trainable =
            False`): layer names, or patterns that match several (`"conv2d*"`, `"*"`;
            shell-style, `fnmatch`). The optimizer never updates a frozen layer (it keeps
            no state for it), and a frozen BatchNorm runs in inference mode: it
            normalises with its moving statistics and keeps them, as in Keras.
        accumulate: Apply the optimizer once every `accumulate` batches, with the mean of
            their gradients (`optax.MultiSteps`): N full batches of B examples make the
            update one batch of N*B would, in the memory of B (see docs/training.md,
            "Memory"). `step` still counts batches, as Keras 3's `iterations` does with
            `gradient_accumulation_steps`; the optimizer's own count (its schedules)
            counts updates. The running mean is optimizer state: checkpoints carry it.
        remat: Rematerialise layers in the training step (`jax.checkpoint`): their
            activations are recomputed for the gradient instead of kept, trading compute
            for memory. A list of layer names or patterns (`"block1_*"`): each entry is a
            block, from the first layer it matches to the last with all that runs
            between them, that keeps only its input. True: every layer on its own (what
            a layer keeps inside, such as attention's scores). The numbers do not
            change; `predict` and exports are not affected.
        precision: The dtype the layers compute in while training and evaluating:
            `"float32"`, or `"bfloat16"` / `"float16"` for mixed precision (Keras's
            `mixed_bfloat16` policy): the parameters and optimizer state stay float32,
            the losses, softmax, norm statistics and metrics are float32. float16 scales
            the loss dynamically, skipping steps with non-finite gradients (logged as
            `skipped_steps` and `loss_scale`). `predict` and exports stay float32. See
            docs/training.md, "Mixed precision".

    Attributes:
        params: The model's parameters, `{layer name: {"kernel": .., "bias": ..}}`, with
            BatchNorm's running statistics ("mean", "var"), which each step updates.
            Assigning arrays (pretrained weights) copies them: `fit` never deletes yours.
        opt_state: The optimizer's state (of the trainable parameters only).
        frozen: The names of the frozen layers (`frozen=`, its patterns matched).
        accumulate: Batches per optimizer update.
        remat: The rematerialised blocks, as ranges of `model.graph.nodes()` (`remat=`, matched).
        precision: The compute dtype, `"float32"`, `"bfloat16"` or `"float16"`.
        step: Training steps (batches) taken; with `accumulate`, the updates are every N-th.
        epoch: Epochs completed.

    Example:
        >>> import numpy as np, optax
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(4)
        >>> model = tn.Model(x, x >> nn.Dense(3))
        >>> data = tn.data.from_arrays(np.ones((10, 4)), np.arange(10) % 3)
        >>> trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1),
        ...                      metrics=["accuracy"])
        >>> history = trainer.fit(data, epochs=2, batch_size=4, verbose=0)
        >>> len(history), sorted(history.epochs[-1]), trainer.step
        (2, ['accuracy', 'loss'], 6)
    """

    def __init__(
        self,
        model: Model[In, Out],
        *,
        loss: Loss | Sequence[Loss] | Mapping[str, Loss],
        optimizer: optax.GradientTransformation,
        metrics: Metrics | Sequence[Metrics] | Mapping[str, Metrics] = (),
        loss_weights: Sequence[float] | Mapping[str, float] | None = None,
        seed: int = 0,
        steps_per_dispatch: int | None = None,
        device_data_limit: int | None = None,
        mesh: Mesh | None = None,
        shard_params: bool = False,
        frozen: Sequence[str] = (),
        accumulate: int = 1,
        remat: Remat = False,
        precision: Precision = "float32",
    ) -> None:
        enable_compilation_cache()  # once per process, before the first compile (`_compile_cache`)
        self.model = model
        self.heads = check_heads(model, heads_of(model, loss=loss, metrics=metrics, loss_weights=loss_weights))
        self.loss = loss
        self.optimizer = optimizer
        self.metrics = metrics
        self.loss_weights = loss_weights
        if type(seed) is not int or not 0 <= seed <= SEED_LIMIT:
            raise TypednnError(
                f"Trainer: seed must be an int from 0 to 2**63 - 1, not {excerpt(seed)}",
                hint="jax.random.key takes a 64-bit seed",
            )
        self.seed = seed
        self.steps_per_dispatch = steps_per_dispatch
        self.device_data_limit = device_data_limit
        self.shard_params = shard_params
        require_memory(model, optimizer)  # before `init` makes the arrays
        self.frozen = frozen_layers(model.graph, frozen)
        # The model's functions, with the frozen layers' arrays as state (`_frozen`).
        self._lowered = freeze(model.lowered, model.graph, self.frozen)
        self.accumulate = check_accumulate(accumulate)
        # The optimizer the steps run: with `accumulate`, it updates every N-th batch (`_accumulate`).
        self._optimizer = accumulating(optimizer, self.accumulate)
        self.precision = check_precision(precision)
        # The BatchNorm statistics stay float32; float16 scales its loss (`_precision`).
        self._policy = Policy(self.precision, keep=model.lowered.state_names)
        if self._policy.scaled:
            self._optimizer = loss_scaled(self._optimizer)
        self.remat = remat_spans(model.graph, remat)
        self._lowered = rematerialise(self._lowered, model.graph, self.remat, self.frozen)
        self._params: Params = model.init(jax.random.key(seed))
        # Non-trainable state (BatchNorm's running statistics, frozen layers) is not the optimizer's.
        self.opt_state: Any = init_optimizer(self._optimizer, self._lowered.split(self._params)[0])
        self.step = 0
        self.epoch = 0
        self._checkpoint: Checkpoint | None = None  # the last fit's, for `load_best`
        self._key = jax.random.fold_in(jax.random.key(seed), 1)  # dropout; apart from init's key
        slow_in_loops = any(layer.slow_in_cpu_loops for layer in model.graph.layers())
        self._loops_ok = not (slow_in_loops and jax.default_backend() == "cpu")
        if mesh is None and shard_params:
            raise TypednnError(
                "shard_params=True needs a mesh to shard over", hint="pass mesh=tn.distributed.data_mesh()"
            )
        if mesh is None and process_count() > 1:
            mesh = data_mesh()  # a job's processes train one model together
        self._placement: Placement | None = None
        self._compiled = self._compile()
        if mesh is not None:
            self.distribute(mesh)

    @property
    def params(self) -> Params:
        """The model's parameters and state, `{layer name: {array name: array}}`.

        `fit` donates these arrays to its compiled steps, which update them in place
        (deleting the old ones), so assigning copies each array the trainer does not hold
        already, once: the caller's arrays stay readable, as in Keras.
        """
        return self._params

    @params.setter
    def params(self, params: Params) -> None:
        self._params = adopt(self._params, params)

    def _compile(self) -> Compiled:
        return Compiled(
            self._lowered,
            self.heads,
            self._optimizer,
            unroll=not self._loops_ok,
            placement=self._placement,
            precision=self._policy,
        )

    def distribute(self, mesh: Mesh) -> None:
        """Train on `mesh` from now on: lay the parameters and optimizer state out on it.

        Args:
            mesh: A mesh with a `data` axis (`tn.distributed.data_mesh(...)`).
        """
        placement = Placement(mesh, self.shard_params)
        self._params = placement.place(self._params)
        self.opt_state = placement.place(self.opt_state)
        self._key = placement.replicate(self._key)
        self._placement = placement
        self._compiled = self._compile()

    def check(self, data: Dataset[Any, Any]) -> None:
        """Raise `ShapeError` if the data does not fit the model (before any compiling).

        A named dim of the model's input or output (`tn.Input(Seq, 4)`) takes the size
        the data has on its axis, one size throughout the dataset. Token ids are checked
        against the vocab too (`TypednnError` naming the row).

        Raises:
            TypednnError: if `data` is not a `tn.data.Dataset`.
            ShapeError: if its shapes do not fit the model.
        """
        self._check(data, "Trainer.check")

    def _check(self, data: object, method: str, *, argument: str = "data") -> Dataset[Any, Any]:
        """`data`, checked, its arrays in the order of the model's inputs and outputs."""
        return check_data(self.model, data, method, argument=argument)

    def fit(
        self,
        data: Dataset[In, Any] | Iterable[tuple[Any, Any]] | Iterable[tuple[Any, Any, Any]],
        *,
        epochs: int,
        batch_size: int | None = None,
        validation: Dataset[In, Any] | Iterable[tuple[Any, Any]] | float | None = None,
        callbacks: Sequence[Callback] = (),
        verbose: Verbose = "auto",
        shuffle: bool = True,
        resume: bool = False,
        terminate_on_nan: bool = True,
        sample_weight: Any = None,
        class_weight: Mapping[int, float] | None = None,
        steps_per_epoch: int | None = None,
    ) -> History:
        """Train for `epochs` passes over `data`.

        On the trainer's devices: to train data-parallel, give it a mesh
        (`Trainer(..., mesh=...)`, or `distribute(tn.distributed.data_mesh(4))` between
        fits); each step still takes `batch_size` examples, split evenly over them.

        Args:
            data: The training examples; a last batch smaller than `batch_size` is used
                too, its loss averaged over its real examples. Or batches from Python
                (Keras's `fit(generator)`): an iterable of `(x, y)` or `(x, y,
                sample_weight)` NumPy or JAX batches, drawn on a host thread a few
                chunks ahead of the steps. The first batch is checked as a dataset is
                and sets the batch size; a smaller batch is padded as a dataset's
                ragged last batch. A generator needs `steps_per_epoch`; a list (or an
                object whose `__iter__` starts anew) is one epoch per pass. Such
                batches are not shuffled, and `resume` cannot put the generator back
                where it was: the order of the data is the generator's. In a
                multi-process job, each process may pass its own part instead
                (`data.shard(process_index, process_count)`): it feeds only its rows
                (see docs/distributed.md, "Each process reads its own rows").
            epochs: How many epochs to train. With `resume=True` it counts the epochs of
                the whole run, those done before the interruption included.
            batch_size: Examples per optimizer step (32 by default); not for batches
                from Python, whose first batch sets it.
            validation: Examples to evaluate after each epoch (`val_` metrics), or the
                share of `data` to hold out for that (its last examples, as Keras does),
                or batches from Python, read once at the start (they must end).
            callbacks: E.g. `tn.callbacks.EarlyStopping()`, `tn.callbacks.Checkpoint(dir)`.
            verbose: How the default `ProgressBar` reports (0 silent, 1 a live bar, 2 a line
                per epoch, `"auto"`). Ignored when `callbacks` holds a ProgressBar.
            shuffle: Shuffle the examples each epoch (seeded by `seed` and the epoch).
            resume: Continue from the newest checkpoint of the `Checkpoint` callback
                (parameters, optimizer state, step, epoch and data order), so the run
                ends as an uninterrupted one would; without a checkpoint yet, start.
            terminate_on_nan: Stop with `NonFiniteLossError` when the loss is NaN or
                infinite (unless `callbacks` holds its own `TerminateOnNaN`).
            sample_weight: One weight per example of `data` (an array), for every output
                alike, as Keras's: a step's loss is `sum(weight * loss) / batch size`
                (Keras's `sum_over_batch_size`, so the history's `loss` is that over the
                epoch). As Keras's `metrics=`, the metrics are not weighted. With
                `validation=0.2`, the weights of all of `data`; validation is not weighted.
                For a process's part of the data, one per example of that part.
            class_weight: `{class id: weight}` for a model with one output and class-id,
                one-hot or binary targets: each example weighs its class's weight. Every
                class of the data needs one (Keras would weigh a missing class 1.0
                silently). Not together with `sample_weight` (as in Keras).
            steps_per_epoch: For batches from Python: the batches of an epoch, all
                drawn from one iterator over the run. When it ends early, training
                stops with a warning, as in Keras.

        Returns:
            The metrics of each epoch (with `resume`, the earlier epochs' too).

        Raises:
            TypednnError: if `data` (or `validation`) is not a `tn.data.Dataset` nor
                batches (a generator without `steps_per_epoch` included); for sample or
                class weights that do not fit the data (naming the row); when a
                batch generator raises (its exception chained as the cause); in a
                multi-process job, for a part that is not the process's own, or
                parts given by some processes and the whole by others (every process
                raises it).
            ShapeError: if the data does not fit the model, before any compiling.
            NonFiniteLossError: when the loss becomes NaN or infinite.
            DistributedError: in a multi-process job, when another process stops.
        """
        return fit(
            self,
            data,
            epochs=epochs,
            batch_size=batch_size,
            validation=validation,
            callbacks=callbacks,
            verbose=verbose,
            shuffle=shuffle,
            resume=resume,
            terminate_on_nan=terminate_on_nan,
            sample_weight=sample_weight,
            class_weight=class_weight,
            steps_per_epoch=steps_per_epoch,
        )

    def evaluate(self, data: Dataset[In, Any], *, batch_size: int = 256) -> dict[str, float]:
        """The loss and each metric over `data`, exact over a ragged last batch.

        The same as `typednn.train.evaluate(trainer.model, trainer.params, data, loss=trainer.loss,
        metrics=trainer.metrics)`, on the trainer's devices and with its compiled programs.

        Returns:
            `{"loss": .., "accuracy": .., ...}`.

        In a multi-process job each process may pass its own part of the data
        (`data.shard(process_index, process_count)`); the scores are the job's, over
        every process's examples, as one process would compute them over the whole.

        Raises:
            TypednnError: if `data` is not a `tn.data.Dataset`, or, in a multi-process
                job, a process's part is not its own.
            ShapeError: if the data does not fit the model.
            DistributedError: in a multi-process job, when another process stops.
        """
        data = self._check(data, "Trainer.evaluate")
        with collective_failures():
            parts = agree(data, self._placement, what="data", method="Trainer.evaluate")
            feed = feed_of(data, self.device_data_limit, self._placement, parts)
            try:
                return self._evaluate(feed, len(data) if parts is None else parts.total, batch_size)
            finally:
                feed.close()

    def _evaluate(self, feed: Feed, examples: int, batch_size: int) -> dict[str, float]:
        return evaluate_feed(
            self._compiled,
            self.params,
            feed,
            examples,
            batch_size,
            steps_per_dispatch=self.steps_per_dispatch,
            method="Trainer.evaluate",
        )

    @overload
    def predict(self: Trainer[Any, Tensor[*tuple[Any, ...]]], inputs: Any, *, batch_size: int = ...) -> jax.Array: ...
    @overload
    def predict(self, inputs: Any, *, batch_size: int = ...) -> tuple[jax.Array, ...]: ...
    def predict(self, inputs: Any, *, batch_size: int = 256) -> Any:
        """The model's outputs for an array of inputs, `(examples, *input_dims)`, or a dataset's features.

        For several inputs, a tuple of arrays (or a dict by input name); for several
        outputs, a tuple of arrays.

        The same as `typednn.train.predict(trainer.model, trainer.host_params(), inputs)`.

        Raises:
            ShapeError: if the inputs do not match the model's input shape.
        """
        return predict_as(self.model, self.host_params(), inputs, batch_size, method="Trainer.predict")
