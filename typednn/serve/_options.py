"""The server's options: batching, body size; validated once, when made."""

from __future__ import annotations

from dataclasses import dataclass

from .._errors import TypednnError

MAX_BATCH = 64
MAX_WAIT_MS = 5.0
MAX_BODY_BYTES = 16 << 20


@dataclass(frozen=True)
class ServeOptions:
    """How `typednn serve` batches and what it accepts.

    Attributes:
        max_batch: The most examples one run of the model takes; a batch closes when it
            holds this many. A request with more is split over several batches.
        max_wait_ms: How long a batch waits for more requests after its first one.
        max_body_bytes: The largest request body read; a larger one gets 413.
    """

    max_batch: int = MAX_BATCH
    max_wait_ms: float = MAX_WAIT_MS
    max_body_bytes: int = MAX_BODY_BYTES

    def __post_init__(self) -> None:
        if isinstance(self.max_batch, bool) or not isinstance(self.max_batch, int) or not 1 <= self.max_batch <= 4096:
            raise TypednnError(
                f"serve: max_batch must be a whole number from 1 to 4096, not {self.max_batch!r}",
                hint="pass --max-batch 64; every batch size up to it is compiled at start-up",
            )
        if not 0 <= self.max_wait_ms <= 10_000:
            raise TypednnError(
                f"serve: max_wait_ms must be from 0 to 10000, not {self.max_wait_ms!r}",
                hint="pass --max-wait-ms 5: a few milliseconds gather concurrent requests",
            )
        if isinstance(self.max_body_bytes, bool) or not isinstance(self.max_body_bytes, int) or self.max_body_bytes < 1:
            raise TypednnError(
                f"serve: max_body_bytes must be a whole number of at least 1, not {self.max_body_bytes!r}",
                hint="pass --max-body-bytes 16777216 (16 MiB)",
            )

    @property
    def batch_sizes(self) -> tuple[int, ...]:
        """The compiled batch sizes: the powers of two below `max_batch`, and `max_batch`.

        Example:
            >>> ServeOptions(max_batch=48).batch_sizes
            (1, 2, 4, 8, 16, 32, 48)
        """
        sizes = [1 << i for i in range(self.max_batch.bit_length()) if 1 << i < self.max_batch]
        return (*sizes, self.max_batch)
