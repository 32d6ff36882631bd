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

from . import convert
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
        parts = first.get("loc", ())
        if len(parts) >= 2 and (parts[-2] in _FILTER_FIELDS or parts[-2] in _DENY_UNKNOWN_TAGS):
            return f"unknown field `{parts[-1]}`, expected one of `should`, `min_should`, `must`, `must_not`"
        return f"unknown field `{loc}`"
    if kind == "json_invalid":
        return first.get("msg", "invalid JSON")
    return f"{loc}: {first.get('msg', kind)}" if loc else first.get("msg", kind)


_adapters: dict[Any, TypeAdapter[Any]] = {}


def _adapter(model: Any) -> TypeAdapter[Any]:
    adapter = _adapters.get(model)
    if adapter is None:
        adapter = _adapters[model] = TypeAdapter(model)
    return adapter


async def parse(request: Request, model: Any) -> Any:
    """Validate the JSON body against a `qdrant_client.http.models` type (model or union)."""
    body = await request.body()
    if not body.strip():
        raise FormatError("EOF while parsing a value at line 1 column 0")
    if b'"range"' in body:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = None  # validate_json words the error
        if data is not None and datetime_ranges(data):
            return parse_data(data, model)
    adapter = _adapter(model)
    try:
        parsed = adapter.validate_json(body)
    except ValidationError as err:
        parsed = _without_unknown_fields(adapter, body, err)
    check_filters(parsed)
    return parsed


def parse_data(data: Any, model: Any) -> Any:
    """`parse` for a body already read as JSON (and maybe edited)."""
    datetime_ranges(data)
    adapter = _adapter(model)
    try:
        parsed = adapter.validate_python(data)
    except ValidationError as err:
        parsed = _without_unknown_fields(adapter, orjson.dumps(data), err)
    check_filters(parsed)
    return parsed


_BOUNDS = ("lt", "gt", "gte", "lte")
# Body fields that hold vectors, payloads, ids or user metadata, never a condition: not walked.
_NO_CONDITIONS = frozenset({"vector", "vectors", "payload", "payloads", "points", "batch", "ids", "metadata"})


def datetime_ranges(node: Any) -> bool:
    """Qdrant (its `RangeInterface`) reads a condition's range with any string bound as a datetime
    range, in its own datetime formats only, every bound a string; the client models would read
    `"1422758400000"` as a number. Checks those ranges and writes their bounds in RFC 3339 (UTC),
    in place; True when the body has any."""
    found = False
    if isinstance(node, dict):
        bounds = node.get("range")
        if "key" in node and isinstance(bounds, dict) and any(isinstance(bounds.get(b), str) for b in _BOUNDS):
            for name, value in bounds.items():
                if name in _BOUNDS and value is not None:
                    bounds[name] = convert.datetime_bound(value)
            found = True
        for name, value in node.items():
            if name not in _NO_CONDITIONS and isinstance(value, (dict, list)):
                found = datetime_ranges(value) or found
    elif isinstance(node, list) and node and isinstance(node[0], (dict, list)):
        for value in node:
            found = datetime_ranges(value) or found
    return found


def _locate(data: Any, loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[tuple[tuple[Any, ...], Any], ...]]:
    """An error's location read against the body: the data path it names, and the union branches it
    went through (pydantic's tags such as `VectorParams` or `dict[str,VectorParams]`, which are no
    key of the data), each as (the union's place in the data, the tag)."""
    node, path, branches = data, [], []
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
        else:
            branches.append((tuple(path), part))
    return tuple(path), tuple(branches)


_Located = tuple[tuple[Any, ...], tuple[tuple[tuple[Any, ...], Any], ...], str]


def _plan(errors: list[_Located], depth: int = 0) -> tuple[list[tuple[Any, ...]], bool]:
    """The unknown fields to drop, and whether that clears every error. At a union, serde takes the
    first branch that reads; here the branch whose only complaints are unknown fields (the fewest),
    and nothing inside a union none of whose branches would read."""
    drops: list[tuple[Any, ...]] = []
    clears = True
    unions: dict[tuple[Any, ...], dict[Any, list[_Located]]] = {}
    for err in errors:
        path, branches, kind = err
        if len(branches) > depth:
            place, tag = branches[depth]
            unions.setdefault(place, {}).setdefault(tag, []).append(err)
        elif kind == "extra_forbidden":
            drops.append(path)
        else:
            clears = False
    for alternatives in unions.values():
        best: list[tuple[Any, ...]] | None = None
        for branch_errors in alternatives.values():
            sub, sub_clears = _plan(branch_errors, depth + 1)
            if sub_clears and (best is None or len(sub) < len(best)):
                best = sub
        if best is None:
            clears = False
        else:
            drops += best
    return drops, clears


# Qdrant's `Filter` is `deny_unknown_fields`: an unknown field in a filter is an error there, and
# dropping it from a filter given as a condition would turn that condition into "match everything".
_DENY_UNKNOWN_TAGS = frozenset({"Filter"})
_FILTER_FIELDS = frozenset({"filter", "update_filter"})


def _in_filter(path: tuple[Any, ...], branches: tuple[tuple[tuple[Any, ...], Any], ...]) -> bool:
    parent = path[:-1]
    tags = [tag for place, tag in branches if place == parent]
    if tags:
        return tags[-1] in _DENY_UNKNOWN_TAGS
    return bool(parent) and parent[-1] in _FILTER_FIELDS


def _drop_unknown(data: Any, errors: list[Any]) -> bool:
    """Remove the fields the client models forbid and serde ignores, at any depth (`searches[0].exact`)
    and inside union branches (a named vector's params); `with_vectors` is serde's alias of
    `with_vector`."""
    located: list[_Located] = []
    for e in errors:
        loc = tuple(e.get("loc", ()))
        path, branches = _locate(data, loc)
        kind = e.get("type", "")
        if kind == "extra_forbidden" and not (path and loc and path[-1] == loc[-1]):
            kind = "unlocated"  # a key the walk did not reach: never guess what to drop
        elif kind == "extra_forbidden" and _in_filter(path, branches):
            kind = "denied"
        located.append((path, branches, kind))
    drops, _ = _plan(located)
    changed = False
    for path in dict.fromkeys(drops):
        node = data
        for part in path[:-1]:
            node = node[part]
        key = path[-1]
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
            if obj.min_should.min_count < 0:  # a usize in Qdrant: refused while the body is read
                raise FormatError(f"invalid value: integer `{obj.min_should.min_count}`, expected usize")
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
