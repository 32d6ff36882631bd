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

from .errors import FormatError, QdrantError, QueryValidationFailed, ValidationFailed

T = TypeVar("T")
JSON = "application/json"


def _default(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", exclude_none=True)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


# numpy float32 (vectors, scores) is printed by orjson as the shortest f32 text, as Qdrant does.
_DUMP_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, default=_default, option=_DUMP_OPTIONS), status_code=status, media_type=JSON)


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
        parsed = adapter.validate_json(body)
    except ValidationError as err:
        parsed = _without_unknown_fields(adapter, body, err)
    check_filters(parsed)
    return parsed


def parse_data(data: Any, model: Any) -> Any:
    """`parse` for a body already read as JSON (and maybe edited)."""
    adapter = _adapters.get(model)
    if adapter is None:
        adapter = _adapters[model] = TypeAdapter(model)
    try:
        parsed = adapter.validate_python(data)
    except ValidationError as err:
        parsed = _without_unknown_fields(adapter, orjson.dumps(data), err)
    check_filters(parsed)
    return parsed


def _drop_unknown(data: Any, errors: list[Any]) -> bool:
    """Remove the fields the client models forbid and serde ignores, at any depth (`searches[0].exact`);
    `with_vectors` is serde's alias of `with_vector`. Paths through a union branch are left alone: the
    field may belong to another branch."""
    changed = False
    for e in errors:
        loc = e.get("loc", ())
        if e.get("type") != "extra_forbidden" or not loc:
            continue
        node = data
        for part in loc[:-1]:
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                node = None
                break
        key = loc[-1]
        if isinstance(node, dict) and key in node:
            value = node.pop(key)
            if key == "with_vectors" and "with_vector" not in node:
                node["with_vector"] = value
            changed = True
    return changed


def _without_unknown_fields(adapter: TypeAdapter[Any], body: bytes, err: ValidationError) -> Any:
    """Qdrant (serde) ignores unknown fields where the client models forbid them: drop them and
    validate again, while that is the only complaint left."""
    if not any(e.get("type") == "extra_forbidden" for e in err.errors()):
        raise FormatError(_describe(err)) from None
    data = orjson.loads(body)
    for _ in range(8):
        if not _drop_unknown(data, err.errors()):
            raise FormatError(_describe(err)) from None
        try:
            return adapter.validate_python(data)
        except ValidationError as again:
            err = again
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


# Fields that hold vectors, payloads or ids, never a filter: not walked (they can be large).
_NO_FILTERS = frozenset({"vector", "vectors", "payload", "payloads", "query", "nearest", "ids", "batch", "points", "defaults"})


def check_filters(obj: Any, path: str = "") -> None:
    """Qdrant's filter validation, which the client models do not do: a field condition needs
    something to test (`{"key": "city"}` alone is a 422)."""
    from qdrant_client.http import models as m

    if isinstance(obj, m.FieldCondition):
        if all(
            getattr(obj, f, None) is None
            for f in ("match", "range", "geo_bounding_box", "geo_radius", "geo_polygon", "values_count", "is_empty", "is_null")
        ):
            raise ValidationFailed(f"[{path}: At least one field condition must be specified]")
        return
    if isinstance(obj, m.Filter):
        for clause in ("must", "should", "must_not"):
            value = getattr(obj, clause)
            items = value if isinstance(value, list) else [] if value is None else [value]
            for i, c in enumerate(items):
                check_filters(c, f"{path}.{clause}[{i}]" if path else f"{clause}[{i}]")
        if obj.min_should is not None:
            for i, c in enumerate(obj.min_should.conditions):
                check_filters(c, f"{path}.min_should.conditions[{i}]")
        return
    if isinstance(obj, m.NestedCondition):
        check_filters(obj.nested.filter, f"{path}.nested.filter")
        return
    if isinstance(obj, m.SliceCondition):
        total, index = obj.slice.total, obj.slice.index
        if total < 1:  # a NonZero field in Qdrant: refused while the body is read
            raise FormatError(f"{path}.slice.total: invalid value: integer `{total}`, expected a nonzero u32")
        if not 0 <= index < total:
            raise ValidationFailed(f"[{path}.slice.index: value {index} invalid, must be less than total ({total})]")
        return
    if isinstance(obj, list):
        if obj and isinstance(obj[0], (int, float, str)):
            return
        for i, x in enumerate(obj):
            check_filters(x, f"{path}[{i}]")
        return
    if hasattr(obj, "model_fields"):
        for name in type(obj).model_fields:
            if name in _NO_FILTERS:
                continue
            value = getattr(obj, name)
            if value is not None and not isinstance(value, (int, float, str, bool)):
                check_filters(value, f"{path}.{name}" if path else name)
