"""Points: upsert, retrieve, delete, query / search (and batches), scroll, count, facet,
payload and vector updates."""

from __future__ import annotations

import uuid
from typing import Any

from qdrant_client.http import models as m
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import legacy_models as legacy
from .convert import point_id
from .errors import BadInput, NotFound, Unsupported, ValidationFailed
from .http_util import endpoint, flag, ok, parse
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


@endpoint
async def upsert(request: Request, started: float) -> Response:
    coll = _coll(request)
    ops = await parse(request, m.PointInsertOperations)
    if isinstance(ops, m.PointsBatch):
        points = _batch_points(ops.batch)
    else:
        points = [(point_id(p.id), p.vector, p.payload) for p in ops.points]
    mode = ops.update_mode.value if ops.update_mode is not None else None
    op_id = await coll.call("update", kind="upsert", points=points, update_filter=ops.update_filter, update_mode=mode)
    return ok(_update_result(op_id, request), started)


async def _selector_update(request: Request, started: float, kind: str, **extra: Any) -> Response:
    coll = _coll(request)
    sel = await parse(request, m.PointsSelector)
    if isinstance(sel, m.PointIdsList):
        op_id = await coll.call("update", kind=kind, ids=_ids(sel.points), **extra)
    else:
        op_id = await coll.call("update", kind=kind, filter=sel.filter, **extra)
    return ok(_update_result(op_id, request), started)


@endpoint
async def delete_points(request: Request, started: float) -> Response:
    return await _selector_update(request, started, "delete")


@endpoint
async def clear_payload(request: Request, started: float) -> Response:
    return await _selector_update(request, started, "clear_payload")


async def _payload_update(request: Request, started: float, kind: str) -> Response:
    coll = _coll(request)
    req = await parse(request, m.SetPayload)
    if req.points is None and req.filter is None:
        raise BadInput("Either `points` or `filter` is required")
    target = {"ids": _ids(req.points)} if req.points is not None else {"filter": req.filter}
    extra = {"key": req.key} if kind == "set_payload" else {}
    op_id = await coll.call("update", kind=kind, payload=req.payload, **target, **extra)
    return ok(_update_result(op_id, request), started)


@endpoint
async def set_payload(request: Request, started: float) -> Response:
    return await _payload_update(request, started, "set_payload")


@endpoint
async def overwrite_payload(request: Request, started: float) -> Response:
    return await _payload_update(request, started, "overwrite_payload")


@endpoint
async def delete_payload(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, m.DeletePayload)
    if req.points is None and req.filter is None:
        raise BadInput("Either `points` or `filter` is required")
    target = {"ids": _ids(req.points)} if req.points is not None else {"filter": req.filter}
    op_id = await coll.call("update", kind="delete_payload", keys=req.keys, **target)
    return ok(_update_result(op_id, request), started)


@endpoint
async def update_vectors(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, m.UpdateVectors)
    points = [(point_id(p.id), p.vector) for p in req.points]
    op_id = await coll.call("update", kind="update_vectors", points=points, update_filter=req.update_filter)
    return ok(_update_result(op_id, request), started)


@endpoint
async def delete_vectors(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, m.DeleteVectors)
    target = {"ids": _ids(req.points)} if req.points is not None else {"filter": req.filter}
    op_id = await coll.call("update", kind="delete_vectors", vector_names=req.vector, **target)
    return ok(_update_result(op_id, request), started)


# ---------------------------------------------------------------- reads


@endpoint
async def retrieve(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, m.PointRequest)
    recs = await coll.call("retrieve", ids=_ids(req.ids), with_payload=req.with_payload, with_vector=req.with_vector)
    return ok(recs, started)


def _path_id(raw: str) -> int | str:
    if raw.isdigit():
        return int(raw)
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise BadInput(
            f"value {raw} is not a valid point ID, valid values are either an unsigned integer or a UUID"
        ) from None


@endpoint
async def get_point(request: Request, started: float) -> Response:
    coll = _coll(request)
    pid = _path_id(request.path_params["id"])
    recs = await coll.call("retrieve", ids=[pid], with_payload=True, with_vector=True)
    if not recs:
        raise NotFound(f"No point with id {pid} found")
    return ok(recs[0], started)


def _query_spec(req: m.QueryRequest) -> dict[str, Any]:
    if req.prefetch:
        raise Unsupported("prefetch")
    if req.lookup_from is not None:
        raise Unsupported("lookup_from")
    spec: dict[str, Any] = {
        "using": req.using,
        "filter": req.filter,
        "limit": _limit(req.limit),
        "offset": req.offset or 0,
        "with_payload": req.with_payload,
        "with_vector": req.with_vector,
        "score_threshold": req.score_threshold,
        "params": req.params,
    }
    q = req.query
    if isinstance(q, m.NearestQuery):
        if q.mmr is not None:
            raise Unsupported("mmr")
        q = q.nearest
    if q is None:
        pass
    elif isinstance(q, (int, str, uuid.UUID)) and not isinstance(q, bool):
        spec["by_id"] = point_id(q)
    elif isinstance(q, list):
        if q and isinstance(q[0], list):
            raise Unsupported("multivector queries")
        spec["vector"] = q
    elif isinstance(q, m.SparseVector):
        spec["vector"] = q
    else:
        raise Unsupported(f"query {type(q).__name__}")
    return spec


def _search_spec(req: legacy.SearchRequest) -> dict[str, Any]:
    v: Any = req.vector
    using = None
    if isinstance(v, legacy.NamedVector):
        using, v = v.name, v.vector
    elif isinstance(v, legacy.NamedSparseVector):
        using, v = v.name, v.vector
    return {
        "vector": v,
        "using": using,
        "filter": req.filter,
        "limit": _limit(req.limit),
        "offset": req.offset or 0,
        "with_payload": req.with_payload,
        "with_vector": req.with_vector,
        "score_threshold": req.score_threshold,
        "params": req.params,
    }


@endpoint
async def query(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, m.QueryRequest)
    return ok({"points": await coll.call("query", req=_query_spec(req))}, started)


@endpoint
async def query_batch(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, m.QueryRequestBatch)
    results = await coll.call("query_batch", reqs=[_query_spec(s) for s in req.searches])
    return ok([{"points": r} for r in results], started)


@endpoint
async def search(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, legacy.SearchRequest)
    return ok(await coll.call("query", req=_search_spec(req)), started)


@endpoint
async def search_batch(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, legacy.SearchRequestBatch)
    return ok(await coll.call("query_batch", reqs=[_search_spec(s) for s in req.searches]), started)


@endpoint
async def scroll(request: Request, started: float) -> Response:
    coll = _coll(request)
    req = await parse(request, m.ScrollRequest)
    spec = {
        "offset": point_id(req.offset) if req.offset is not None else None,
        "limit": _limit(req.limit),
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
    Route("/collections/{name}/points/query", query, methods=["POST"]),
    Route("/collections/{name}/points/query/batch", query_batch, methods=["POST"]),
    Route("/collections/{name}/points/search", search, methods=["POST"]),
    Route("/collections/{name}/points/search/batch", search_batch, methods=["POST"]),
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
