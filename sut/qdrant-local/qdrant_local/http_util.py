"""Qdrant's response envelope and body parsing with Qdrant's own models."""

from __future__ import annotations

import functools
import time
import traceback
from typing import Any, Awaitable, Callable, TypeVar

import orjson
from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from .errors import FormatError, QdrantError, QueryValidationFailed

T = TypeVar("T")
JSON = "application/json"


def _default(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", exclude_none=True)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, default=_default), status_code=status, media_type=JSON)


def ok(result: Any, started: float, status: int = 200) -> Response:
    return json_response({"result": result, "status": "ok", "time": time.perf_counter() - started}, status)


def accepted(started: float) -> Response:
    return json_response({"status": "accepted", "time": time.perf_counter() - started}, 202)


def error(message: str, status: int, started: float) -> Response:
    return json_response({"status": {"error": message}, "time": time.perf_counter() - started}, status)


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    kind = first.get("type", "")
    if kind == "missing":
        return f"missing field `{loc}`"
    if kind == "extra_forbidden":
        return f"unknown field `{loc}`"
    if kind == "json_invalid":
        return first.get("msg", "invalid JSON")
    return f"{loc}: {first.get('msg', kind)}" if loc else first.get("msg", kind)


_adapters: dict[Any, TypeAdapter[Any]] = {}


async def parse(request: Request, model: Any) -> Any:
    """Validate the JSON body against a `qdrant_client.http.models` type (model or union)."""
    body = await request.body()
    if not body.strip():
        raise FormatError("EOF while parsing a value at line 1 column 0")
    adapter = _adapters.get(model)
    if adapter is None:
        adapter = _adapters[model] = TypeAdapter(model)
    try:
        return adapter.validate_json(body)
    except ValidationError as err:
        raise FormatError(_describe(err)) from None


def flag(request: Request, name: str, default: bool = False) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    return value.lower() in ("true", "1", "yes")


def check_timeout(request: Request) -> None:
    """Qdrant's `?timeout=` (seconds, ≥ 1). Accepted and checked; calls here are not cut short."""
    raw = request.query_params.get("timeout")
    if raw is None:
        return
    try:
        value = int(raw)
    except ValueError:
        raise QueryValidationFailed(f"[timeout: `{raw}` is not a number]") from None
    if value < 1:
        raise QueryValidationFailed(f"[timeout: value {value} invalid, must be 1 or larger]")


Handler = Callable[[Request, float], Awaitable[Response]]


def endpoint(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Turn Qdrant errors into Qdrant's error envelope; anything else is a 500 with its text."""

    @functools.wraps(fn)
    async def wrapper(request: Request) -> Response:
        started = time.perf_counter()
        try:
            check_timeout(request)
            return await fn(request, started)
        except QdrantError as err:
            return error(err.message, err.status, started)
        except Exception as err:  # noqa: BLE001 — a server answers, it does not crash
            traceback.print_exc()
            return error(f"Service internal error: {err}", 500, started)

    return wrapper
