"""`POST …/points/query/groups`: the Query API's hits grouped by a payload field, as Qdrant groups
them (a group per value, in the order of its best hit; array values put a point in several
groups; values that are not strings or integers make no group), with `with_lookup`.

Grouping happens here, over query results fetched in growing pages from the collection's worker."""

from __future__ import annotations

from typing import Any

import orjson
from qdrant_client.http import models as m
from starlette.requests import Request
from starlette.responses import Response

from . import query as query_api
from .convert import point_id
from .errors import FormatError, NotFound, QdrantError, ValidationFailed
from .http_util import endpoint, ok, parse_data

DEFAULT_GROUPS = 10
DEFAULT_GROUP_SIZE = 3
MAX_FETCH = 100_000


def _values_at(payload: dict[str, Any], path: str) -> list[Any]:
    """The group values of a point: strings and integers at `path` (`a.b`, `arr[]`), arrays flattened one level."""
    node: Any = payload
    for part in path.replace("[]", "").split("."):
        if not isinstance(node, dict) or part not in node:
            return []
        node = node[part]
    items = node if isinstance(node, list) else [node]
    return [v for v in items if (isinstance(v, str) or isinstance(v, int)) and not isinstance(v, bool)]


def _select_payload(payload: dict[str, Any], selector: Any) -> dict[str, Any] | None:
    if selector is None or selector is False:
        return None
    if selector is True:
        return payload
    if isinstance(selector, list):
        return {k: v for k, v in payload.items() if k in selector}
    if isinstance(selector, m.PayloadSelectorInclude):
        return {k: v for k, v in payload.items() if k in selector.include}
    if isinstance(selector, m.PayloadSelectorExclude):
        return {k: v for k, v in payload.items() if k not in selector.exclude}
    return payload


def _lookup_spec(raw: Any) -> tuple[str, Any, Any] | None:
    """(collection, with_payload, with_vector) of `with_lookup` (`with_vector` is an alias of `with_vectors`)."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw, True, False
    if not isinstance(raw, dict) or not isinstance(raw.get("collection"), str):
        raise FormatError("with_lookup: expected a collection name or {collection, with_payload, with_vectors}")
    with_vector = raw.get("with_vectors", raw.get("with_vector", False))
    return raw["collection"], raw.get("with_payload", True), with_vector


@endpoint
async def query_groups(request: Request, started: float) -> Response:
    from .point_routes import _coll, _prepare_query

    coll = _coll(request)
    data = orjson.loads(await request.body() or b"null")
    if not isinstance(data, dict):
        raise FormatError("invalid type: expected a JSON object")
    lookup = _lookup_spec(data.pop("with_lookup", None))
    query_api.null_contexts(data)
    req = parse_data(data, m.QueryGroupsRequest)
    limit = DEFAULT_GROUPS if req.limit is None else req.limit
    size = DEFAULT_GROUP_SIZE if req.group_size is None else req.group_size
    if limit < 1:
        raise ValidationFailed(f"[limit: value {limit} invalid, must be 1 or larger]")
    if size < 1:
        raise ValidationFailed(f"[group_size: value {size} invalid, must be 1 or larger]")
    fields = {k: getattr(req, k) for k in ("prefetch", "query", "using", "filter", "params", "score_threshold", "lookup_from", "shard_key")}
    groups: dict[Any, list[dict[str, Any]]] = {}
    fetch = max(limit * size * 2, 32)
    while True:
        q = await _prepare_query(request, m.QueryRequest(**fields, limit=fetch, with_payload=True, with_vector=req.with_vector))
        hits = await coll.call("query", req=q)
        groups = {}
        for hit in hits:
            for value in _values_at(hit.get("payload") or {}, req.group_by):
                group = groups.get(value)
                if group is None:
                    if len(groups) >= limit:
                        continue
                    group = groups[value] = []
                if len(group) < size:
                    group.append(hit)
        complete = len(groups) >= limit and all(len(g) >= size for g in groups.values())
        if complete or len(hits) < fetch or fetch >= MAX_FETCH:
            break
        fetch *= 4
    out = []
    for value, group_hits in groups.items():
        shown = []
        for hit in group_hits:
            h = dict(hit)
            payload = _select_payload(h.pop("payload", None) or {}, req.with_payload)
            if payload is not None:
                h["payload"] = payload
            shown.append(h)
        out.append({"hits": shown, "id": value})
    if lookup is not None:
        name, with_payload, with_vector = lookup
        registry = request.app.state.registry
        if name not in registry.collections and registry.aliases.get(name) not in registry.collections:
            raise NotFound(f"Collection {name} not found")
        other = registry.get(name)
        wanted = []
        for g in out:
            try:
                wanted.append(point_id(g["id"]))
            except QdrantError:
                pass
        records = await other.call("retrieve", ids=wanted, with_payload=with_payload, with_vector=with_vector) if wanted else []
        by_id = {r["id"]: r for r in records}
        for g in out:
            record = by_id.get(g["id"])
            if record is not None:
                g["lookup"] = record
    return ok({"groups": out}, started)
