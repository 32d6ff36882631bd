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
    # Qdrant's auth middleware answers `HttpResponse::Unauthorized().body(e)`: the bare text, and
    # actix sets no content type for it (src/actix/auth.rs).
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-length", str(len(body)).encode())],
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


# ---------------------------------------------------------------- `POST /locks` write lock

# POSTs that change data (every PUT, PATCH and DELETE under /collections does, snapshots aside).
_WRITE_POSTS = ("/points/delete", "/points/batch", "/points/payload", "/points/payload/delete", "/points/payload/clear", "/points/vectors/delete")


class Locks:
    """The storage's write lock, set by `POST /locks` (not persisted, as in Qdrant)."""

    def __init__(self) -> None:
        self.write = False
        self.error_message: str | None = None

    def state(self) -> dict[str, Any]:
        return {"write": self.write, "error_message": self.error_message}


def is_write(method: str, path: str) -> bool:
    if not path.startswith("/collections/") or "/snapshots" in path:
        return False
    if method in ("PUT", "PATCH", "DELETE"):
        return True
    return method == "POST" and (path == "/collections/aliases" or path.endswith(_WRITE_POSTS))


class WriteLockMiddleware:
    """While the write lock is on, writes answer 403 with the lock's message, as Qdrant's do."""

    def __init__(self, app: ASGI, locks: Locks) -> None:
        self.app = app
        self.locks = locks

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.locks.write and is_write(scope["method"], scope["path"]):
            from .errors import Locked
            from .http_util import error

            err = Locked(self.locks.error_message or "Write operations are forbidden")
            return await error(err.message, err.status, time.perf_counter())(scope, receive, send)
        return await self.app(scope, receive, send)


# ---------------------------------------------------------------- `/issues` UNINDEXED_FIELD


class UnindexedFieldMiddleware:
    """After a search-family request answers 200, records the filter's unindexed fields as issues."""

    def __init__(self, app: ASGI, issues: Any, registry: Any) -> None:
        self.app = app
        self.issues = issues
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        from .issues import SEARCH_SUFFIXES

        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "POST" or not path.startswith("/collections/") or not path.endswith(SEARCH_SUFFIXES):
            return await self.app(scope, receive, send)
        chunks: list[bytes] = []
        status = [500]

        async def tee() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        await self.app(scope, tee, capture)
        if status[0] == 200:
            self._record(path.split("/")[2], b"".join(chunks))

    def _record(self, name: str, body: bytes) -> None:
        import orjson

        from .issues import filter_fields, request_filters

        coll = self.registry.collections.get(name) or self.registry.collections.get(self.registry.aliases.get(name, ""))
        if coll is None:
            return
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return
        fields: dict[str, str] = {}
        for flt in request_filters(data):
            fields.update(filter_fields(flt))
        if fields:
            self.issues.unindexed(coll.name, fields, set(coll.indexed))
