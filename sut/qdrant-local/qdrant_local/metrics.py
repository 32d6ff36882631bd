"""Prometheus metrics under Qdrant's names (`app_info`, `collections_total`,
`rest_responses_total`, `rest_responses_duration_seconds`, `memory_resident_bytes`, ...)."""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .settings import QDRANT_VERSION

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except OSError:
        return 0


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        Gauge("app_info", "information about qdrant server", ["name", "version"], registry=self.registry).labels(
            "qdrant", QDRANT_VERSION
        ).set(1)
        Gauge("cluster_enabled", "is cluster support enabled", registry=self.registry).set(0)
        self.collections_total = Gauge("collections_total", "number of collections", registry=self.registry)
        self.collections_vector_total = Gauge(
            "collections_vector_total", "total number of vectors in all collections", registry=self.registry
        )
        self.memory_resident = Gauge(
            "memory_resident_bytes", "resident memory of the server and its collection workers", registry=self.registry
        )
        self.responses = Counter(
            "rest_responses", "total number of responses", ["method", "endpoint", "status"], registry=self.registry
        )
        self.failures = Counter(
            "rest_responses_fail", "total number of failed responses", ["method", "endpoint", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "rest_responses_duration_seconds", "response duration histogram", ["method", "endpoint", "status"],
            buckets=(0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0),
            registry=self.registry,
        )
        self._by_endpoint: dict[str, dict[str, Any]] = defaultdict(lambda: {"count": 0, "fail": 0, "total": 0.0})

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        labels = (method, endpoint, str(status))
        self.responses.labels(*labels).inc()
        if status >= 400:
            self.failures.labels(*labels).inc()
        self.duration.labels(*labels).observe(seconds)
        stats = self._by_endpoint[f"{method} {endpoint}"]
        stats["count"] += 1
        stats["total"] += seconds
        if status >= 400:
            stats["fail"] += 1

    def telemetry_responses(self) -> dict[str, Any]:
        return {
            key: {"count": s["count"], "fail_count": s["fail"], "avg_duration_micros": 1e6 * s["total"] / s["count"]}
            for key, s in self._by_endpoint.items()
        }

    def render(self, registry: Any) -> tuple[bytes, str]:
        self.collections_total.set(len(registry.collections))
        self.collections_vector_total.set(
            sum((c.last_info or {}).get("points_count", 0) for c in registry.collections.values())
        )
        pids = [os.getpid()] + [c.worker.proc.pid for c in registry.collections.values() if c.worker is not None]
        self.memory_resident.set(sum(_rss(p) for p in pids if p))
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
