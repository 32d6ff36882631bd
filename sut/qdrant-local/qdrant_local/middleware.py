"""ASGI middleware: Qdrant's API-key check, then response metrics per route template."""

from __future__ import annotations

import hmac
import time
from typing import Any, Awaitable, Callable

from .metrics import Metrics

Scope = dict[str, Any]
ASGI = Callable[[Scope, Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]], Awaitable[None]]

# Qdrant answers these without a key (load balancers and orchestrators probe them).
OPEN_PATHS = frozenset({"/", "/healthz", "/livez", "/readyz"})
MISSING_KEY = b"Must provide an API key or an Authorization bearer token"
WRONG_KEY = b"Invalid API key or JWT"


async def _plain(send: Callable[..., Awaitable[Any]], status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ApiKeyMiddleware:
    def __init__(self, app: ASGI, api_key: str | None) -> None:
        self.app = app
        self.key = api_key.encode() if api_key else None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if self.key is None or scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            return await self.app(scope, receive, send)
        given = None
        for name, value in scope["headers"]:
            if name == b"api-key":
                given = value
                break
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                given = value[7:].strip()
        if given is None:
            return await _plain(send, 401, MISSING_KEY)
        if not hmac.compare_digest(given, self.key):
            return await _plain(send, 401, WRONG_KEY)
        return await self.app(scope, receive, send)


class MetricsMiddleware:
    def __init__(self, app: ASGI, metrics: Metrics, templates: dict[Any, str]) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = [500]

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            endpoint = self.templates.get(scope.get("endpoint"))
            if endpoint is not None:  # Qdrant counts matched routes only
                self.metrics.observe(scope["method"], endpoint, status[0], time.perf_counter() - started)
