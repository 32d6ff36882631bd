"""Points: upsert, retrieve, delete, query / search (and batches), scroll, count, facet,
payload and vector updates."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from qdrant_client.http import models as m
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import groups
from . import legacy_models as legacy
from . import query as query_api
from .convert import point_id
from .errors import BadInput, FormatError, NotFound, Unsupported, ValidationFailed
from .http_util import endpoint, flag, ok, parse, parse_data
from .registry import Collection, Registry

DEFAULT_LIMIT = 10


def _coll(request: Request) -> Collection:
    registry: Registry = request.app.state.registry
    return registry.get(request.path_params["name"])


def _update_result(op_id: int, request: Request) -> dict[str, Any]:
    return {"operation_id": op_id, "status": "completed" if flag(request, "wait") else "acknowledged"}


def _limit(value: int | None, field: str = "limit") -> int:
    limit = DEFAULT_LIMIT if value is None else value
    if limit < 1:
        raise ValidationFailed(f"[{field}: value {limit} invalid, must be 1 or larger]")
    return limit


def _ids(values: list[Any]) -> list[int | str]:
    return [point_id(v) for v in values]


# ---------------------------------------------------------------- writes


def _batch_points(b: m.Batch) -> list[tuple[Any, Any, Any]]:
    n = len(b.ids)
    vectors: Any = b.vectors
    if isinstance(vectors, dict):
        for name, vs in vectors.items():
            if len(vs) != n:
                raise BadInput(f"number of ids and vectors `{name}` must be equal ({n} != {len(vs)})")
        per_point = [{name: vs[i] for name, vs in vectors.items()} for i in range(n)]
    else:
        if len(vectors) != n:
            raise BadInput(f"number of ids and vectors must be equal ({n} != {len(vectors)})")
        per_point = vectors
    payloads = b.payloads if b.payloads is not None else [None] * n
    if len(payloads) != n:
        raise BadInput(f"number of ids and payloads must be equal ({n} != {len(payloads)})")
    return [(point_id(b.ids[i]), per_point[i], payloads[i]) for i in range(n)]


def _check_vector(v: Any, where: str) -> None:
    """Qdrant's checks on one vector (its `Validate` impls), with its paths and words."""
    if isinstance(v, dict):
        for x in v.values():
            _check_vector(x, f"{where}.?")
        return
    if isinstance(v, m.SparseVector):
        if len(v.indices) != len(v.values):
            raise ValidationFailed(f"[{where}.values: Validation error: must be the same length as indices [{{}}]]")
        if len(set(v.indices)) != len(v.indices):
            raise ValidationFailed(f"[{where}.indices: Validation error: must be unique [{{}}]]")
        return
    if isinstance(v, list) and v and isinstance(v[0], list):
        if any(not inner for inner in v):
            raise ValidationFailed(f"[{where}.data: all vectors must be non-empty]")
        dim = len(v[0])
        for inner in v:
            if len(inner) != dim:
                raise ValidationFailed(f"[{where}.data: all vectors must have the same dimension, found vector with dimension {len(inner)}]")


def _check_points(points: list[Any], where: str, updating: bool = False) -> None:
    for i, p in enumerate(points):
        if updating and isinstance(p.vector, dict) and not p.vector:
            raise ValidationFailed(f"[{where}points[{i}].vector: must specify vectors to update for point]")
        _check_vector(p.vector, f"{where}points[{i}].vector")


# Each write is (kind, kwargs) for the worker's `update`, so that `points/batch` runs a list of them.


def _upsert_op(ops: Any, where: str = "") -> tuple[str, dict[str, Any]]:
    if isinstance(ops, m.PointsBatch):
        points = _batch_points(ops.batch)
    else:
        _check_points(ops.points, where)
        points = [(point_id(p.id), p.vector, p.payload) for p in ops.points]
    mode = ops.update_mode.value if ops.update_mode is not None else None
    return "upsert", {"points": points, "update_filter": ops.update_filter, "update_mode": mode}


def _selector_op(kind: str, sel: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(sel, m.PointIdsList):
        return kind, {"ids": _ids(sel.points)}
    return kind, {"filter": sel.filter}


def _target(req: Any) -> dict[str, Any]:
    if req.points is None and req.filter is None:
        raise BadInput("Either `points` or `filter` is required")
    return {"ids": _ids(req.points)} if req.points is not None else {"filter": req.filter}


def _payload_op(kind: str, req: m.SetPayload) -> tuple[str, dict[str, Any]]:
    extra = {"key": req.key} if kind == "set_payload" else {}
    return kind, {"payload": req.payload, **_target(req), **extra}


def _delete_payload_op(req: m.DeletePayload) -> tuple[str, dict[str, Any]]:
    return "delete_payload", {"keys": req.keys, **_target(req)}


def _update_vectors_op(req: m.UpdateVectors, where: str = "") -> tuple[str, dict[str, Any]]:
    _check_points(req.points, where, updating=True)
    return "update_vectors", {"points": [(point_id(p.id), p.vector) for p in req.points], "update_filter": req.update_filter}


def _delete_vectors_op(req: m.DeleteVectors) -> tuple[str, dict[str, Any]]:
    return "delete_vectors", {"vector_names": req.vector, **_target(req)}


async def _write(request: Request, started: float, model: Any, make: Any) -> Response:
    coll = _coll(request)
    kind, kwargs = make(await parse(request, model))
    op_id = await coll.call("update", kind=kind, **kwargs)
    return ok(_update_result(op_id, request), started)


@endpoint
async def upsert(request: Request, started: float) -> Response:
    return await _write(request, started, m.PointInsertOperations, _upsert_op)


@endpoint
async def delete_points(request: Request, started: float) -> Response:
    return await _write(request, started, m.PointsSelector, lambda sel: _selector_op("delete", sel))


@endpoint
async def clear_payload(request: Request, started: float) -> Response:
    return await _write(request, started, m.PointsSelector, lambda sel: _selector_op("clear_payload", sel))


@endpoint
async def set_payload(request: Request, started: float) -> Response:
    return await _write(request, started, m.SetPayload, lambda r: _payload_op("set_payload", r))


@endpoint
async def overwrite_payload(request: Request, started: float) -> Response:
    return await _write(request, started, m.SetPayload, lambda r: _payload_op("overwrite_payload", r))


@endpoint
async def delete_payload(request: Request, started: float) -> Response:
    return await _write(request, started, m.DeletePayload, _delete_payload_op)


@endpoint
async def update_vectors(request: Request, started: float) -> Response:
    return await _write(request, started, m.UpdateVectors, _update_vectors_op)


@endpoint
async def delete_vectors(request: Request, started: float) -> Response:
    return await _write(request, started, m.DeleteVectors, _delete_vectors_op)


def _batch_op(op: Any, where: str = "") -> tuple[str, dict[str, Any]]:
    if isinstance(op, m.UpsertOperation):
        return _upsert_op(op.upsert, f"{where}upsert.")
    if isinstance(op, m.DeleteOperation):
        return _selector_op("delete", op.delete)
    if isinstance(op, m.SetPayloadOperation):
        return _payload_op("set_payload", op.set_payload)
    if isinstance(op, m.OverwritePayloadOperation):
        return _payload_op("overwrite_payload", op.overwrite_payload)
    if isinstance(op, m.DeletePayloadOperation):
        return _delete_payload_op(op.delete_payload)
    if isinstance(op, m.ClearPayloadOperation):
        return _selector_op("clear_payload", op.clear_payload)
    if isinstance(op, m.UpdateVectorsOperation):
        return _update_vectors_op(op.update_vectors, f"{where}update_vectors.")
    if isinstance(op, m.DeleteVectorsOperation):
        return _delete_vectors_op(op.delete_vectors)
    raise Unsupported(f"batch operation {type(op).__name__}")


@endpoint
async def batch_update(request: Request, started: float) -> Response:
    """`POST …/points/batch`: the operations in order, one update result each."""
    coll = _coll(request)
    req = await parse(request, m.UpdateOperations)
    ops = [_batch_op(op, f"operations[{i}].") for i, op in enumerate(req.operations)]
    results = []
    for kind, kwargs in ops:
        results.append(_update_result(await coll.call("update", kind=kind, **kwargs), request))
    return ok(results, started)


# ---------------------------------------------------------------- reads


@endpoint
async def retrieve(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, m.PointRequest)
    recs = await coll.call("retrieve", ids=_ids(req.ids), with_payload=req.with_payload, with_vector=req.with_vector)
    return ok(recs, started)


def _path_id(raw: str) -> int | str:
    if raw.isascii() and raw.isdigit() and int(raw) < 2**64:  # Rust's u64 parse
        return int(raw)
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise BadInput(f'Can not recognize "{raw}" as point id') from None  # Qdrant's get_point


@endpoint
async def get_point(request: Request, started: float) -> Response:
    coll = _coll(request)
    pid = _path_id(request.path_params["id"])
    recs = await coll.call("retrieve", ids=[pid], with_payload=True, with_vector=True)
    if not recs:
        raise NotFound(f"No point with id {pid} found")
    return ok(recs[0], started)


async def _resolve_lookups(registry: Registry, req: Any) -> Any:
    """`lookup_from`: the example points' vectors come from another collection (its own worker)."""
    if req.lookup_from is not None:
        # Qdrant resolves the collection first: a missing one is a 404 even when no example is an id.
        other = registry.get(req.lookup_from.collection)
        ids = query_api.ids_in(req.query)
        if ids:
            using = req.lookup_from.vector if req.lookup_from.vector is not None else req.using
            vectors = await other.call("vectors_of", ids=[point_id(i) for i in ids], using=using)
            req = req.model_copy(update={"query": query_api.substitute(req.query, vectors)})
        req = req.model_copy(update={"lookup_from": None})
    prefetch = req.prefetch
    if prefetch is not None:
        items = prefetch if isinstance(prefetch, list) else [prefetch]
        req = req.model_copy(update={"prefetch": [await _resolve_lookups(registry, p) for p in items]})
    return req


async def _prepare_query(request: Request, req: m.QueryRequest) -> m.QueryRequest:
    if req.shard_key is not None:
        raise Unsupported("shard_key")
    query_api.check_request(req)
    return await _resolve_lookups(request.app.state.registry, req)


def _legacy_query(req: legacy.SearchRequest, where: str = "") -> m.QueryRequest:
    v: Any = req.vector
    using = None
    if isinstance(v, (legacy.NamedVector, legacy.NamedSparseVector)):
        using, v = v.name, v.vector
    return m.QueryRequest(
        query=v,
        using=using,
        filter=req.filter,
        params=req.params,
        # Qdrant's request structs flatten an inner one, which names the field in its errors.
        limit=_limit(req.limit, f"{where}search_request.limit"),
        offset=req.offset,
        with_payload=req.with_payload,
        with_vector=req.with_vector,
        score_threshold=req.score_threshold,
    )


def _recommend_query(req: legacy.RecommendRequest, where: str = "") -> m.QueryRequest:
    return m.QueryRequest(
        query=m.RecommendQuery(recommend=m.RecommendInput(positive=req.positive or [], negative=req.negative or [], strategy=req.strategy)),
        using=req.using,
        filter=req.filter,
        params=req.params,
        limit=_limit(req.limit, f"{where}recommend_request.limit"),
        offset=req.offset,
        with_payload=req.with_payload,
        with_vector=req.with_vector,
        score_threshold=req.score_threshold,
        lookup_from=req.lookup_from,
    )


def _discover_query(req: legacy.DiscoverRequest, where: str = "") -> m.QueryRequest:
    pairs = [m.ContextPair(positive=p.positive, negative=p.negative) for p in req.context or []]
    query: Any = (
        m.DiscoverQuery(discover=m.DiscoverInput(target=req.target, context=pairs))
        if req.target is not None
        else m.ContextQuery(context=pairs)
    )
    return m.QueryRequest(
        query=query,
        using=req.using,
        filter=req.filter,
        params=req.params,
        limit=_limit(req.limit, f"{where}discover_request.limit"),
        offset=req.offset,
        with_payload=req.with_payload,
        with_vector=req.with_vector,
        lookup_from=req.lookup_from,
    )


async def _legacy(request: Request, started: float, model: Any, convert_one: Any) -> Response:
    coll = _coll(request)
    req = await _prepare_query(request, convert_one(await parse(request, model)))
    return ok(await coll.call("query", req=req), started)


async def _legacy_batch(request: Request, started: float, model: Any, convert_one: Any) -> Response:
    coll = _coll(request)
    batch = await parse(request, model)
    reqs = [await _prepare_query(request, convert_one(s, f"searches[{i}].")) for i, s in enumerate(batch.searches)]
    return ok(await coll.call("query_batch", reqs=reqs), started)


@endpoint
async def recommend(request: Request, started: float) -> Response:
    return await _legacy(request, started, legacy.RecommendRequest, _recommend_query)


@endpoint
async def recommend_batch(request: Request, started: float) -> Response:
    return await _legacy_batch(request, started, legacy.RecommendRequestBatch, _recommend_query)


@endpoint
async def discover(request: Request, started: float) -> Response:
    return await _legacy(request, started, legacy.DiscoverRequest, _discover_query)


@endpoint
async def discover_batch(request: Request, started: float) -> Response:
    return await _legacy_batch(request, started, legacy.DiscoverRequestBatch, _discover_query)


async def parse_query(request: Request, model: Any) -> Any:
    """`parse`, taking what Qdrant takes and the client models refuse (a null discover context)."""
    try:
        return await parse(request, model)
    except FormatError as err:
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise err from None
        if not query_api.null_contexts(data):
            raise
        return parse_data(data, model)


@endpoint
async def query(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await _prepare_query(request, await parse_query(request, m.QueryRequest))
    return ok({"points": await coll.call("query", req=req)}, started)


@endpoint
async def query_batch(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse_query(request, m.QueryRequestBatch)
    reqs = [await _prepare_query(request, s) for s in req.searches]
    results = await coll.call("query_batch", reqs=reqs)
    return ok([{"points": r} for r in results], started)


@endpoint
async def search(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, legacy.SearchRequest)
    return ok(await coll.call("query", req=_legacy_query(req)), started)


@endpoint
async def search_batch(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, legacy.SearchRequestBatch)
    reqs = [_legacy_query(s, f"searches[{i}].") for i, s in enumerate(req.searches)]
    return ok(await coll.call("query_batch", reqs=reqs), started)


@endpoint
async def scroll(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, m.ScrollRequest)
    spec = {
        "offset": point_id(req.offset) if req.offset is not None else None,
        "limit": _limit(req.limit, "scroll_request.limit"),
        "filter": req.filter,
        "with_payload": req.with_payload,
        "with_vector": req.with_vector,
        "order_by": req.order_by,
    }
    return ok(await coll.call("scroll", req=spec), started)


@endpoint
async def count(request: Request, started: float) -> Response:
    coll = _coll(request)
    body = await request.body()
    req = await parse(request, m.CountRequest) if body.strip() else m.CountRequest()
    exact = True if req.exact is None else req.exact
    return ok({"count": await coll.call("count", flt=req.filter, exact=exact)}, started)


@endpoint
async def facet(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, m.FacetRequest)
    hits = await coll.call("facet", key=req.key, limit=_limit(req.limit), exact=bool(req.exact), flt=req.filter)
    return ok({"hits": hits}, started)


routes = [
    Route("/collections/{name}/points", upsert, methods=["PUT"]),
    Route("/collections/{name}/points", retrieve, methods=["POST"]),
    Route("/collections/{name}/points/delete", delete_points, methods=["POST"]),
    Route("/collections/{name}/points/batch", batch_update, methods=["POST"]),
    Route("/collections/{name}/points/query", query, methods=["POST"]),
    Route("/collections/{name}/points/query/batch", query_batch, methods=["POST"]),
    Route("/collections/{name}/points/query/groups", groups.query_groups, methods=["POST"]),
    Route("/collections/{name}/points/search", search, methods=["POST"]),
    Route("/collections/{name}/points/search/batch", search_batch, methods=["POST"]),
    Route("/collections/{name}/points/recommend", recommend, methods=["POST"]),
    Route("/collections/{name}/points/recommend/batch", recommend_batch, methods=["POST"]),
    Route("/collections/{name}/points/discover", discover, methods=["POST"]),
    Route("/collections/{name}/points/discover/batch", discover_batch, methods=["POST"]),
    Route("/collections/{name}/points/scroll", scroll, methods=["POST"]),
    Route("/collections/{name}/points/count", count, methods=["POST"]),
    Route("/collections/{name}/points/payload", set_payload, methods=["POST"]),
    Route("/collections/{name}/points/payload", overwrite_payload, methods=["PUT"]),
    Route("/collections/{name}/points/payload/delete", delete_payload, methods=["POST"]),
    Route("/collections/{name}/points/payload/clear", clear_payload, methods=["POST"]),
    Route("/collections/{name}/points/vectors", update_vectors, methods=["PUT"]),
    Route("/collections/{name}/points/vectors/delete", delete_vectors, methods=["POST"]),
    Route("/collections/{name}/points/{id}", get_point, methods=["GET"]),
    Route("/collections/{name}/facet", facet, methods=["POST"]),
]
