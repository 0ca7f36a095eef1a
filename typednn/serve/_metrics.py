"""Prometheus metrics of one server process, in their own registry (several apps never clash)."""

from __future__ import annotations

from typing import Any

PREFIX = "typednn_serve"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The server's metrics; `text()` is what GET /metrics returns.

    - `typednn_serve_request_seconds` (histogram): each POST /v1/predict, from its
      first byte read to its response made.
    - `typednn_serve_batch_size` (histogram): the examples in each run of the model
      (before padding), its buckets the compiled sizes.
    - `typednn_serve_requests_total{status}` (counter): predict requests by HTTP status.
    - `typednn_serve_errors_total{status}` (counter): those refused (4xx) or failed (5xx).
    - `typednn_serve_requests_in_flight` (gauge): predict requests being answered now.

    Args:
        batch_sizes: The compiled batch sizes.
    """

    def __init__(self, batch_sizes: tuple[int, ...]) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram  # noqa: PLC0415 - the serve extra

        self.registry = CollectorRegistry()
        self.latency = Histogram(
            f"{PREFIX}_request_seconds", "Seconds to answer a predict request", buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )  # fmt: skip
        self.batch_size = Histogram(
            f"{PREFIX}_batch_size", "Examples per run of the model (before padding)",
            buckets=tuple(float(size) for size in batch_sizes), registry=self.registry,
        )  # fmt: skip
        self.requests = Counter(
            f"{PREFIX}_requests", "Predict requests by HTTP status", ["status"], registry=self.registry
        )
        self.errors = Counter(
            f"{PREFIX}_errors", "Predict requests refused or failed", ["status"], registry=self.registry
        )
        self.in_flight = Gauge(
            f"{PREFIX}_requests_in_flight", "Predict requests being answered", registry=self.registry
        )

    def answered(self, status: int, seconds: float) -> None:
        """Count one predict request."""
        self.latency.observe(seconds)
        self.requests.labels(status=str(status)).inc()
        if status >= 400:
            self.errors.labels(status=str(status)).inc()

    def text(self) -> tuple[bytes, str]:
        """The metrics in Prometheus's text format, and its content type."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest  # noqa: PLC0415

        found: Any = generate_latest(self.registry)
        return bytes(found), CONTENT_TYPE_LATEST
