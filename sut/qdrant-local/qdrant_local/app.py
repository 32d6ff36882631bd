"""Builds the ASGI app: routes, API-key check, metrics. `__main__` only serves it."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timezone
from typing import Any, AsyncIterator

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import collection_routes, point_routes, service_routes, snapshot_routes
from .errors import Unsupported
from .http_util import endpoint
from .issues import Issues
from .metrics import Metrics
from .middleware import ApiKeyMiddleware, Locks, MetricsMiddleware, UnindexedFieldMiddleware, WriteLockMiddleware
from .registry import SPARES, Registry
from .settings import Settings


# Qdrant serves these; this stand-in does not (README "not served"): 400 in Qdrant's envelope,
# never a 404 that would say the route does not exist.
NOT_SERVED = {
    "/collections/{name}/points/search/groups": "legacy `search/groups` (use `query/groups`)",
    "/collections/{name}/points/recommend/groups": "legacy `recommend/groups` (use `query/groups`)",
    "/collections/{name}/points/search/matrix/pairs": "`search/matrix/pairs`",
    "/collections/{name}/points/search/matrix/offsets": "`search/matrix/offsets`",
}


def _not_served(what: str) -> Any:
    @endpoint
    async def refuse(request: Request, started: float) -> Response:
        raise Unsupported(what)

    return refuse


async def not_found(request: Request, exc: Exception) -> Response:
    """An unknown route: actix's default answer in Qdrant, a bare 404 (no body, no content type)."""
    return Response(status_code=404)


def build(settings: Settings) -> Any:
    routes: list[Route] = [
        *service_routes.routes,
        *collection_routes.routes,
        *snapshot_routes.routes,
        *point_routes.routes,
        *(Route(path, _not_served(what), methods=["POST"]) for path, what in NOT_SERVED.items()),
    ]
    registry = Registry(settings.storage_path)
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(SPARES.warm)
        # The server answers (`/healthz`, `/livez`) while the collections on disk are opened in
        # the background; `/readyz` says 503 until every one of them is open.
        loading = asyncio.create_task(registry.load_all())
        app.state.ready = True
        yield
        app.state.ready = False
        loading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loading
        await anyio.to_thread.run_sync(registry.close_all)

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found})
    app.state.settings = settings
    app.state.registry = registry
    app.state.metrics = metrics
    app.state.ready = False
    app.state.started_at = datetime.now(timezone.utc).isoformat()
    app.state.telemetry_id = service_routes.new_telemetry_id()
    app.state.issues = Issues()
    app.state.locks = Locks()
    templates = {r.endpoint: r.path for r in routes}
    inner = WriteLockMiddleware(UnindexedFieldMiddleware(app, app.state.issues, registry), app.state.locks)
    return ApiKeyMiddleware(MetricsMiddleware(inner, metrics, templates), settings.api_key)
