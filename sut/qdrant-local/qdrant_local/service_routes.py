"""Service endpoints: version info, health probes, telemetry, cluster (standalone), metrics."""

from __future__ import annotations

import asyncio
import os
import platform
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from pydantic import BaseModel

from .http_util import endpoint, json_response, ok, parse
from .errors import MethodNotAllowed, QueryValidationFailed
from .metrics import Metrics, rss

INFO_WAIT_S = 1.0
from .settings import QDRANT_LOCAL_VERSION, QDRANT_VERSION


async def root(request: Request) -> Response:
    return json_response(
        {
            "title": "qdrant - vector search engine",
            "version": QDRANT_VERSION,
            "commit": None,
            # Not in Qdrant's answer: says that this is the stand-in, and on which engine.
            "qdrant_local": {"version": QDRANT_LOCAL_VERSION, "engine": "qdrant-edge-py"},
        }
    )


async def healthz(request: Request) -> Response:
    return PlainTextResponse("healthz check passed")


async def livez(request: Request) -> Response:
    return PlainTextResponse("healthz check passed")


async def readyz(request: Request) -> Response:
    if not request.app.state.ready or request.app.state.registry.not_ready():
        return PlainTextResponse("some shards are not ready", status_code=503)
    return PlainTextResponse("all shards are ready")


def _collection_telemetry(coll: Any, level: int, init_ms: int) -> dict[str, Any]:
    """One collection at a `details_level`, with the fields Qdrant gives at that level."""
    from .collection_routes import config_out

    info = coll.last_info or {}
    config = config_out(coll.config)
    if level == 1:
        return {
            "vectors": info.get("points_count", 0),
            "optimizers_status": "ok",
            "params": config["params"],
        }
    out: dict[str, Any] = {"id": coll.name, "init_time_ms": init_ms, "config": config}
    if level >= 3:
        local: dict[str, Any] = {
            "variant_name": "local",
            "status": "green" if not coll.optimizing else "yellow",
            "total_optimized_points": info.get("indexed_vectors_count", 0),
            "vectors_size_bytes": 0,
            "payloads_size_bytes": 0,
            "num_points": info.get("points_count", 0),
            "num_vectors": info.get("points_count", 0),
            "optimizations": {"status": "ok", "optimizations": {"count": 0}, "log": []},
            "async_scorer": False,
        }
        if level >= 4:
            local["segments"] = [_segment_telemetry(coll, info) for _ in range(max(1, info.get("segments_count", 1)))]
        out["shards"] = [
            {"id": 0, "key": None, "local": local, "remote": [], "replicate_states": {}, "partial_snapshot": None}
        ]
        out["transfers"] = []
        out["resharding"] = []
    return out


def _segment_telemetry(coll: Any, info: dict[str, Any]) -> dict[str, Any]:
    """A segment's entry at details_level 4 with Qdrant's keys; Edge gives no per-segment figures,
    so the shard's totals stand in for each and the sizes are 0."""
    return {
        "info": {
            "segment_type": "plain",
            "num_vectors": info.get("points_count", 0),
            "num_points": info.get("points_count", 0),
            "num_indexed_vectors": info.get("indexed_vectors_count", 0),
            "num_deleted_vectors": 0,
            "vectors_size_bytes": 0,
            "payloads_size_bytes": 0,
            "ram_usage_bytes": 0,
            "disk_usage_bytes": 0,
            "is_appendable": True,
            "index_schema": {},
            "vector_data": {},
        },
        "config": {"vector_data": {}, "sparse_vector_data": {}, "payload_storage_type": {"type": "mmap"}},
        "vector_index_searches": [],
        "payload_field_indices": [],
    }


@endpoint
async def telemetry(request: Request, started: float) -> Response:
    """Qdrant's `/telemetry`: the keys it gives at each `details_level` (0 by default)."""
    state = request.app.state
    registry = state.registry
    metrics: Metrics = state.metrics
    raw = request.query_params.get("details_level", "0")
    try:
        level = int(raw)
    except ValueError:
        raise QueryValidationFailed(f"[details_level: `{raw}` is not a number]") from None
    await refresh_counts(registry)
    collections: dict[str, Any] = {"number_of_collections": len(registry.collections)}
    if level >= 1:
        collections["collections"] = [
            _collection_telemetry(coll, level, 0) for _, coll in sorted(registry.collections.items())
        ]
    result: dict[str, Any] = {
        "id": state.telemetry_id,
        "app": {
            "name": "qdrant",
            "version": QDRANT_VERSION,
            "startup": state.started_at,
            # Qdrant's `RunningEnvironmentTelemetry` requires these three; no container is detected.
            "system": {"distribution": platform.system(), "cores": os.cpu_count(), "is_docker": False, "container_runtime": "none", "cpu_flags": ""},
        },
        "collections": collections,
        "cluster": {"enabled": False},
        "requests": {"rest": {"responses": metrics.telemetry_responses()}, "grpc": {"responses": {}}},
    }
    if level >= 1:
        pids = [os.getpid()] + [c.worker.proc.pid for c in registry.collections.values() if c.worker is not None]
        resident = sum(rss(p) for p in pids if p)
        result["memory"] = {"active_bytes": resident, "allocated_bytes": resident, "metadata_bytes": 0, "resident_bytes": resident, "retained_bytes": 0}
        result["hardware"] = {"collection_data": {}}
    return ok(result, started)


@endpoint
async def cluster(request: Request, started: float) -> Response:
    return ok({"status": "disabled"}, started)


class LocksOption(BaseModel):
    """Qdrant's `LocksOption` body (gone from qdrant-client's models, still served by Qdrant)."""

    write: bool
    error_message: str | None = None


STANDALONE = "Distributed deployment is disabled: this operation is not available in standalone mode"


@endpoint
async def cluster_standalone(request: Request, started: float) -> Response:
    """`POST /cluster/recover`, `DELETE /cluster/peer/{id}` on a standalone node: 405, as Qdrant."""
    raise MethodNotAllowed(STANDALONE)


@endpoint
async def issues(request: Request, started: float) -> Response:
    return ok({"issues": request.app.state.issues.list()}, started)


@endpoint
async def clear_issues(request: Request, started: float) -> Response:
    request.app.state.issues.clear()
    return ok(True, started)


@endpoint
async def get_locks(request: Request, started: float) -> Response:
    return ok(request.app.state.locks.state(), started)


@endpoint
async def set_locks(request: Request, started: float) -> Response:
    """`POST /locks`: answers the state before the change, as Qdrant does."""
    req = await parse(request, LocksOption)
    locks = request.app.state.locks
    before = locks.state()
    locks.write = req.write
    locks.error_message = req.error_message
    return ok(before, started)


async def refresh_counts(registry: Any) -> None:
    """Fresh point counts for /metrics and /telemetry; a collection that is busy indexing keeps
    its last figures (its worker cannot answer until the build ends)."""

    async def one(coll: Any) -> None:
        if coll.optimizing or coll.load_state != "ok":
            return
        try:
            coll.last_info = await asyncio.wait_for(coll.call("info"), INFO_WAIT_S)
        except Exception:  # noqa: BLE001 — the figures are best effort; the last ones stand
            pass

    await asyncio.gather(*(one(c) for c in list(registry.collections.values())))


async def metrics_text(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    await refresh_counts(request.app.state.registry)
    body, content_type = metrics.render(request.app.state.registry)
    return Response(body, media_type=content_type)


def new_telemetry_id() -> str:
    return str(uuid.uuid4())


routes = [
    Route("/", root, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/livez", livez, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/telemetry", telemetry, methods=["GET"]),
    Route("/cluster", cluster, methods=["GET"]),
    Route("/cluster/recover", cluster_standalone, methods=["POST"]),
    Route("/cluster/peer/{peer_id}", cluster_standalone, methods=["DELETE"]),
    Route("/locks", get_locks, methods=["GET"]),
    Route("/locks", set_locks, methods=["POST"]),
    Route("/issues", issues, methods=["GET"]),
    Route("/issues", clear_issues, methods=["DELETE"]),
    Route("/metrics", metrics_text, methods=["GET"]),
]
