"""What operators see of a running server: health and readiness checks, Prometheus metrics,
structured logs with a request id."""
