"""Service endpoints: version info, health probes, telemetry, cluster (standalone), metrics."""

from __future__ import annotations

import platform
import uuid

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .http_util import endpoint, json_response, ok
from .metrics import Metrics
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


@endpoint
async def telemetry(request: Request, started: float) -> Response:
    state = request.app.state
    registry = state.registry
    metrics: Metrics = state.metrics
    collections = []
    for name, coll in sorted(registry.collections.items()):
        info = coll.last_info or {}
        collections.append({"id": name, "points_count": info.get("points_count"), "optimizing": coll.optimizing})
    return ok(
        {
            "id": state.telemetry_id,
            "app": {
                "name": "qdrant",
                "version": QDRANT_VERSION,
                "qdrant_local": QDRANT_LOCAL_VERSION,
                "startup": state.started_at,
                "system": {"distribution": platform.system(), "cores": None},
            },
            "collections": {"number_of_collections": len(registry.collections), "collections": collections},
            "cluster": {"enabled": False},
            "requests": {"rest": {"responses": metrics.telemetry_responses()}, "grpc": {"responses": {}}},
        },
        started,
    )


@endpoint
async def cluster(request: Request, started: float) -> Response:
    return ok({"status": "disabled"}, started)


@endpoint
async def issues(request: Request, started: float) -> Response:
    return ok({"issues": []}, started)


async def metrics_text(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
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
    Route("/issues", issues, methods=["GET"]),
    Route("/metrics", metrics_text, methods=["GET"]),
]
