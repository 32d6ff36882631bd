"""Request statistics and the Prometheus text of `/metrics`, under Qdrant's names and in its form
(families as Qdrant's `src/common/metrics.rs` builds them: `app_info`, `collections_total`,
`collection_points{id=…}`, `rest_responses_total{method,endpoint,status}`, ...; values printed as
Rust prints an f64, `1` not `1.0`). `/telemetry` reads the same statistics, keyed as Qdrant keys
them: `"METHOD /route/{template}"`, then the status code."""

from __future__ import annotations

import math
import os
import time
from datetime import datetime, timezone
from typing import Any

from .settings import QDRANT_VERSION

_PAGE = os.sysconf("SC_PAGE_SIZE")
# Qdrant reports REST timings (avg/min/max gauges) for this status only.
REST_TIMINGS_FOR_STATUS = 200
DURATION_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0)


def rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except OSError:
        return 0


def _num(value: float) -> str:
    """An f64 as Rust's `Display` prints it (what Qdrant's encoder writes)."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _labels(pairs: tuple[tuple[str, str], ...]) -> str:
    if not pairs:
        return ""
    inner = ",".join(f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for k, v in pairs)
    return "{" + inner + "}"


class _Stats:
    __slots__ = ("count", "fail", "total", "min", "max", "last", "buckets")

    def __init__(self) -> None:
        self.count = 0
        self.fail = 0
        self.total = 0.0
        self.min = math.inf
        self.max = 0.0
        self.last = 0.0
        self.buckets = [0] * len(DURATION_BUCKETS)


class Metrics:
    def __init__(self) -> None:
        # (method, endpoint) -> status -> stats
        self._rest: dict[tuple[str, str], dict[int, _Stats]] = {}
        self.snapshots_created: dict[str, int] = {}
        self.snapshots_running: dict[str, int] = {}
        self.recoveries_running: dict[str, int] = {}

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        by_status = self._rest.setdefault((method, endpoint), {})
        s = by_status.get(status)
        if s is None:
            s = by_status[status] = _Stats()
        s.count += 1
        if status >= 400:
            s.fail += 1
        s.total += seconds
        s.min = min(s.min, seconds)
        s.max = max(s.max, seconds)
        s.last = time.time()
        for i, bound in enumerate(DURATION_BUCKETS):
            if seconds <= bound:
                s.buckets[i] += 1
                break

    def telemetry_responses(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for (method, endpoint), by_status in sorted(self._rest.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            entry = {}
            for status, s in sorted(by_status.items()):
                stats: dict[str, Any] = {"count": s.count}
                if s.fail:
                    stats["fail_count"] = s.fail
                stats["avg_duration_micros"] = 1e6 * s.total / s.count
                stats["min_duration_micros"] = 1e6 * s.min
                stats["max_duration_micros"] = 1e6 * s.max
                stats["total_duration_micros"] = int(1e6 * s.total)
                stats["last_responded"] = datetime.fromtimestamp(s.last, timezone.utc).isoformat().replace("+00:00", "Z")
                entry[str(status)] = stats
            out[f"{method} {endpoint}"] = entry
        return out

    def render(self, registry: Any) -> tuple[bytes, str]:
        lines: list[str] = []

        def family(name: str, help_: str, kind: str, samples: list[tuple[tuple[tuple[str, str], ...], float]]) -> None:
            lines.append(f"# HELP {name} {help_}")
            lines.append(f"# TYPE {name} {kind}")
            for labels, value in samples:
                lines.append(f"{name}{_labels(labels)} {_num(value)}")

        family("app_info", "information about qdrant server", "gauge", [((("name", "qdrant"), ("version", QDRANT_VERSION)), 1)])
        family("app_status_recovery_mode", "features enabled in qdrant server", "gauge", [((), 0)])
        colls = sorted(registry.collections.items())
        family("collections_total", "number of collections", "gauge", [((), len(colls))])
        points = []
        vectors = []
        optimizing = []
        for name, c in colls:
            info = c.last_info or {}
            n = info.get("points_count", 0) or 0
            points.append(((("id", name),), n))
            for vector_name in _vector_names(c.config):
                vectors.append(((("collection", name), ("vector", vector_name)), n))
            optimizing.append(((("id", name),), 1 if c.optimizing else 0))
        family("collections_vector_total", "total number of vectors in all collections", "gauge", [((), sum(v for _, v in vectors))])
        family("collection_vectors", "amount of vectors grouped by vector name", "gauge", vectors)
        replicas = 1 if colls else 0
        family("collection_active_replicas_min", "minimum number of active replicas across all shards", "gauge", [((), replicas)])
        family("collection_active_replicas_max", "maximum number of active replicas across all shards", "gauge", [((), replicas)])
        family("collection_running_optimizations", "number of currently running optimization tasks per collection", "gauge", optimizing)
        family("collection_points", "approximate amount of points per collection", "gauge", points)
        family("collection_dead_replicas", "total amount of shard replicas in non-active state", "gauge", [((), 0)])
        ids = [name for name, _ in colls]
        family("snapshot_creation_running", "amount of snapshot creations that are currently running", "gauge",
               [((("id", i),), self.snapshots_running.get(i, 0)) for i in ids])
        family("snapshot_recovery_running", "amount of snapshot recovery operations currently running", "gauge",
               [((("id", i),), self.recoveries_running.get(i, 0)) for i in ids])
        family("snapshot_created_total", "total amount of snapshots created", "counter",
               [((("id", i),), self.snapshots_created.get(i, 0)) for i in ids])
        family("cluster_enabled", "is cluster support enabled", "gauge", [((), 0)])

        rest = sorted(self._rest.items())
        if rest:
            total, fail, avg, mn, mx = [], [], [], [], []
            hist: list[str] = []
            for (method, endpoint), by_status in rest:
                for status, s in sorted(by_status.items()):
                    labels = (("method", method), ("endpoint", endpoint), ("status", str(status)))
                    total.append((labels, s.count))
                    fail.append((labels, s.fail))
                    if status == REST_TIMINGS_FOR_STATUS:
                        avg.append((labels, s.total / s.count))
                        mn.append((labels, s.min))
                        mx.append((labels, s.max))
                    cumulative = 0
                    for bound, n in zip(DURATION_BUCKETS, s.buckets):
                        cumulative += n
                        hist.append(f"rest_responses_duration_seconds_bucket{_labels(labels + (('le', _num(bound)),))} {cumulative}")
                    hist.append(f"rest_responses_duration_seconds_bucket{_labels(labels + (('le', '+Inf'),))} {s.count}")
                    hist.append(f"rest_responses_duration_seconds_sum{_labels(labels)} {_num(s.total)}")
                    hist.append(f"rest_responses_duration_seconds_count{_labels(labels)} {s.count}")
            family("rest_responses_total", "total number of responses", "counter", total)
            family("rest_responses_fail_total", "total number of failed responses", "counter", fail)
            if avg:
                family("rest_responses_avg_duration_seconds", "average response duration", "gauge", avg)
                family("rest_responses_min_duration_seconds", "minimum response duration", "gauge", mn)
                family("rest_responses_max_duration_seconds", "maximum response duration", "gauge", mx)
            lines.append("# HELP rest_responses_duration_seconds response duration histogram")
            lines.append("# TYPE rest_responses_duration_seconds histogram")
            lines.extend(hist)

        pids = [os.getpid()] + [c.worker.proc.pid for _, c in colls if c.worker is not None]
        family("memory_resident_bytes", "Resident memory: physical memory, in bytes, used by the process", "gauge",
               [((), sum(rss(p) for p in pids if p))])
        family("process_threads", "count of active threads", "gauge", [((), _threads())])
        family("process_open_fds", "count of currently open file descriptors", "gauge", [((), _open_fds())])
        return ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4"


def _vector_names(cfg: Any) -> list[str]:
    vectors = cfg.params.vectors
    names = [""] if hasattr(vectors, "size") else sorted(vectors or {})
    return names + sorted(cfg.params.sparse_vectors or {})


def _threads() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0
