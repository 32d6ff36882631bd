"""Collections: list, exists, create, get, update, delete; payload indexes; aliases (none)."""

from __future__ import annotations

import asyncio
from typing import Any

from qdrant_client.http import models as m
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import convert
import orjson

from .errors import BadInput, FormatError, Unsupported, ValidationFailed, collection_not_found
from .http_util import endpoint, flag, ok, parse, parse_data
from .registry import Collection, Registry, check_name

MAX_DIM = 65536


def _registry(request: Request) -> Registry:
    return request.app.state.registry


def _check_vector_params(name: str, p: m.VectorParams) -> None:
    where = f"vectors.{name}" if name else "vectors"
    if not 1 <= p.size <= MAX_DIM:
        raise ValidationFailed(f"[{where}.size: value {p.size} invalid, must be from 1 to {MAX_DIM}]")
    _check_min(f"{where}.hnsw_config", p.hnsw_config, HNSW_MIN)


# Qdrant's own lower bounds on the settings it validates.
HNSW_MIN = {"m": 0, "ef_construct": 4, "full_scan_threshold": 10, "payload_m": 0}
OPTIMIZER_MIN = {"vacuum_min_vector_number": 100, "max_segment_size": 1, "memmap_threshold": 0, "indexing_threshold": 0}


def _check_min(prefix: str, diff: Any, minimums: dict[str, int]) -> None:
    if diff is None:
        return
    for field, low in minimums.items():
        value = getattr(diff, field, None)
        if value is not None and value < low:
            raise ValidationFailed(f"[{prefix}.{field}: value {value} invalid, must be {low} or larger]")


def check_settings(hnsw_diff: Any, optimizers: Any) -> None:
    _check_min("hnsw_config", hnsw_diff, HNSW_MIN)
    _check_min("optimizers_config", optimizers, OPTIMIZER_MIN)
    threshold = getattr(optimizers, "deleted_threshold", None)
    if threshold is not None and not 0 <= threshold <= 1:
        raise ValidationFailed(f"[optimizers_config.deleted_threshold: value {threshold} invalid, must be in 0.0..=1.0]")


def build_config(req: m.CreateCollection) -> m.CollectionConfig:
    check_settings(req.hnsw_config, req.optimizers_config)
    if isinstance(req.vectors, m.VectorParams):
        _check_vector_params("", req.vectors)
    elif isinstance(req.vectors, dict):
        for name, p in req.vectors.items():
            _check_vector_params(name, p)
    optimizers = convert.DEFAULT_OPTIMIZERS.model_dump()
    if req.optimizers_config is not None:
        optimizers.update(req.optimizers_config.model_dump(exclude_none=True))
    wal = convert.DEFAULT_WAL.model_dump()
    if req.wal_config is not None:
        wal.update(req.wal_config.model_dump(exclude_none=True))
    return m.CollectionConfig(
        params=m.CollectionParams(
            vectors=req.vectors if req.vectors is not None else {},
            shard_number=req.shard_number or 1,
            replication_factor=req.replication_factor or 1,
            write_consistency_factor=req.write_consistency_factor or 1,
            on_disk_payload=True if req.on_disk_payload is None else req.on_disk_payload,
            sparse_vectors=req.sparse_vectors,
        ),
        hnsw_config=convert.hnsw(req.hnsw_config),
        optimizer_config=m.OptimizersConfig(**optimizers),
        wal_config=m.WalConfig(**wal),
        quantization_config=req.quantization_config,
        strict_mode_config=m.StrictModeConfigOutput(enabled=False),
        metadata=req.metadata,
    )


INFO_WAIT_S = 2.0


async def collection_info(coll: Collection) -> dict[str, Any]:
    # While the worker builds an index it cannot answer: report the last figures, status yellow.
    # An info call that slipped in just as an optimisation began finishes in the background.
    if coll.optimizing and coll.last_info is not None:
        info, status = coll.last_info, "yellow"
    else:
        task = asyncio.ensure_future(coll.call("info"))
        done, _ = await asyncio.wait({task}, timeout=INFO_WAIT_S)
        if not done and coll.last_info is not None:
            task.add_done_callback(_remember_info(coll))
            info, status = coll.last_info, "yellow"
        else:
            info = await task
            coll.last_info = info
            status = "yellow" if coll.optimizing or info["pending_optimization"] else "green"
    if status == "green" and not coll.optimizers_triggered:
        status = "grey"  # optimizations pending since start-up, awaiting an update operation
    payload_schema = {}
    for name, idx in info["payload_schema"].items():
        entry: dict[str, Any] = {"data_type": idx["data_type"]}
        if coll.index_params.get(name):
            entry["params"] = coll.index_params[name]
        entry["points"] = idx["points"]
        payload_schema[name] = entry
    return {
        "status": status,
        "optimizer_status": "ok",
        "indexed_vectors_count": info["indexed_vectors_count"],
        "points_count": info["points_count"],
        "segments_count": info["segments_count"],
        "config": config_out(coll.config),
        "payload_schema": payload_schema,
        "created_at": coll.created_at,
    }


def config_out(cfg: m.CollectionConfig) -> dict[str, Any]:
    """The config as Qdrant prints it: unset options left out, except those Qdrant prints as null."""
    out = cfg.model_dump(mode="json", exclude_none=True)
    out.setdefault("quantization_config", None)
    for key in ("max_segment_size", "memmap_threshold", "max_optimization_threads"):
        out["optimizer_config"].setdefault(key, None)
    return out


def _remember_info(coll: Collection) -> Any:
    def done(task: asyncio.Future[Any]) -> None:
        if not task.cancelled() and task.exception() is None:
            coll.last_info = task.result()

    return done


@endpoint
async def list_collections(request: Request, started: float) -> Response:
    names = sorted(_registry(request).collections)
    return ok({"collections": [{"name": n} for n in names]}, started)


@endpoint
async def exists(request: Request, started: float) -> Response:
    registry = _registry(request)
    name = request.path_params.get("name", "")
    check_name(name)
    return ok({"exists": name in registry.collections or registry.aliases.get(name) in registry.collections}, started)


def _serde_compat(raw: dict[str, Any]) -> bool:
    """Edits a create body as Qdrant's serde reads it (unknown fields such as the newer
    `hnsw_config.copy_vectors` are dropped by `parse`); True when anything changed."""
    if "quantization" in raw and "quantization_config" not in raw:
        raw["quantization_config"] = raw.pop("quantization")
        return True
    return False


async def _create_request(request: Request) -> tuple[m.CreateCollection, str | None]:
    """The body, with what the client models lack: serde's alias `quantization` of
    `quantization_config`, and `init_from` (the collection to copy the points from)."""
    try:
        raw = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raw = None
    if isinstance(raw, dict) and _serde_compat(raw):
        req = parse_data(raw, m.CreateCollection)
    else:
        req = await parse(request, m.CreateCollection)  # also words a malformed body's error
    init_from = raw.get("init_from") if isinstance(raw, dict) else None
    if init_from is None:
        return req, None
    if not isinstance(init_from, dict) or not isinstance(init_from.get("collection"), str):
        raise FormatError("init_from: missing field `collection`")
    return req, init_from["collection"]


def _vector_shapes(vectors: Any) -> dict[str, tuple[int, str]]:
    if isinstance(vectors, m.VectorParams):
        return {"": (vectors.size, vectors.distance.value)}
    return {name: (p.size, p.distance.value) for name, p in (vectors or {}).items()}


def check_init_from(source: Collection, target: m.CollectionConfig) -> None:
    """Qdrant's rule: every vector of the source exists in the target with the same size and distance."""
    src, dst = _vector_shapes(source.config.params.vectors), _vector_shapes(target.params.vectors)
    for name, (size, distance) in src.items():
        label = f"`{name}`" if name else "default vector"
        if name not in dst:
            raise BadInput(f"Cannot initialize collection from `{source.name}`: {label} is missing in the new collection")
        if dst[name] != (size, distance):
            raise BadInput(
                f"Cannot initialize collection from `{source.name}`: {label} has size {dst[name][0]} and distance "
                f"{dst[name][1]}, the source has size {size} and distance {distance}"
            )


INIT_PAGE = 256


def _plain(vector: Any) -> Any:
    """A record's vector as the REST input takes it (the engine hands out numpy arrays)."""
    if isinstance(vector, dict):
        return {k: _plain(v) for k, v in vector.items()}
    return vector.tolist() if hasattr(vector, "tolist") else vector


async def copy_points(source: Collection, target: Collection) -> None:
    offset = None
    while True:
        page = await source.call(
            "scroll",
            req={"offset": offset, "limit": INIT_PAGE, "filter": None, "with_payload": True, "with_vector": True, "order_by": None},
        )
        points = [(p["id"], _plain(p.get("vector")), p.get("payload")) for p in page["points"]]
        if points:
            await target.call("update", kind="upsert", points=points)
        offset = page["next_page_offset"]
        if offset is None:
            return


@endpoint
async def create(request: Request, started: float) -> Response:
    name = request.path_params["name"]
    registry = _registry(request)
    req, init_from = await _create_request(request)
    config = build_config(req)
    source = registry.get(init_from) if init_from is not None else None
    if source is not None:
        check_init_from(source, config)
    coll = await registry.create(name, config)
    if source is not None:
        try:
            await copy_points(source, coll)
        except Exception:
            await registry.delete(name)
            raise
    return ok(True, started)


@endpoint
async def get(request: Request, started: float) -> Response:
    coll = _registry(request).get(request.path_params["name"])
    return ok(await collection_info(coll), started)


def _quantization(value: Any) -> Any:
    return None if isinstance(value, m.Disabled) else value


def _merge_hnsw_diff(base: m.HnswConfigDiff | None, diff: m.HnswConfigDiff) -> m.HnswConfigDiff:
    merged = base.model_dump(exclude_none=True) if base is not None else {}
    merged.update(diff.model_dump(exclude_none=True))
    return m.HnswConfigDiff(**merged)


def _update_vector(p: m.VectorParams, diff: m.VectorParamsDiff, where: str) -> m.VectorParams:
    _check_min(f"{where}.hnsw_config", diff.hnsw_config, HNSW_MIN)
    update: dict[str, Any] = {}
    if diff.hnsw_config is not None:
        update["hnsw_config"] = _merge_hnsw_diff(p.hnsw_config, diff.hnsw_config)
    if "quantization_config" in diff.model_fields_set:
        update["quantization_config"] = _quantization(diff.quantization_config)
    if diff.on_disk is not None:
        update["on_disk"] = diff.on_disk
    return p.model_copy(update=update)


def apply_update(cfg: m.CollectionConfig, req: m.UpdateCollection) -> m.CollectionConfig:
    """PATCH: Qdrant's diff semantics on the stored config (reported back by GET)."""
    cfg = cfg.model_copy(deep=True)
    if req.vectors:
        vectors = cfg.params.vectors
        for name, diff in req.vectors.items():
            if isinstance(vectors, m.VectorParams) and name == "":
                vectors = _update_vector(vectors, diff, "vectors")
            elif isinstance(vectors, dict) and name in vectors:
                vectors = {**vectors, name: _update_vector(vectors[name], diff, f"vectors.{name}")}
            else:
                raise BadInput(f"Not existing vector name error: {name if name else 'default'}")
        cfg.params.vectors = vectors
    if req.sparse_vectors:
        sparse = dict(cfg.params.sparse_vectors or {})
        for name, diff in req.sparse_vectors.items():
            if name not in sparse:
                raise BadInput(f"Not existing vector name error: {name}")
            merged = sparse[name].model_dump(exclude_none=True)
            if diff.index is not None:
                merged["index"] = {**merged.get("index", {}), **diff.index.model_dump(exclude_none=True)}
            if diff.modifier is not None:
                merged["modifier"] = diff.modifier
            sparse[name] = m.SparseVectorParams(**merged)
        cfg.params.sparse_vectors = sparse
    if req.params is not None:
        for field, value in req.params.model_dump(exclude_none=True).items():
            if field in type(cfg.params).model_fields:
                setattr(cfg.params, field, value)
    if req.optimizers_config is not None:
        merged = cfg.optimizer_config.model_dump()
        merged.update(req.optimizers_config.model_dump(exclude_none=True))
        cfg.optimizer_config = m.OptimizersConfig(**merged)
    if req.hnsw_config is not None:
        cfg.hnsw_config = convert.hnsw(req.hnsw_config, cfg.hnsw_config)
    if "quantization_config" in req.model_fields_set:
        cfg.quantization_config = _quantization(req.quantization_config)
    if req.metadata is not None:
        cfg.metadata = {**(cfg.metadata or {}), **req.metadata}
    return cfg


@endpoint
async def update(request: Request, started: float) -> Response:
    """Settings are stored and reported back; the shard keeps the parameters it was built with."""
    coll = _registry(request).get(request.path_params["name"])
    req = await parse(request, m.UpdateCollection)
    check_settings(req.hnsw_config, req.optimizers_config)
    coll.config = apply_update(coll.config, req)
    coll.save_meta()
    if req.model_fields_set - {"metadata"}:
        coll.optimizers_triggered = True  # Qdrant recreates the optimizers and triggers them
    return ok(True, started)


@endpoint
async def delete(request: Request, started: float) -> Response:
    name = request.path_params["name"]
    deleted = await _registry(request).delete(name)
    if deleted:
        request.app.state.issues.collection_gone(name)
    return ok(deleted, started)


def _field_type(schema: Any) -> str:
    if schema is None:
        raise ValidationFailed("[field_schema: field_schema is required]")
    if isinstance(schema, m.PayloadSchemaType):
        return schema.value
    kind = getattr(schema, "type", None)
    if kind is None:
        raise Unsupported(f"field_schema {type(schema).__name__}")
    return kind.value if hasattr(kind, "value") else str(kind)


# Index params Qdrant prints even when unset (as null), and their defaults it fills in.
_PARAMS_NULLS = {"integer": ("lookup", "range", "is_principal"), "float": ("is_principal",), "datetime": ("is_principal",)}


def _index_params(field_type: str, schema: Any) -> dict[str, Any] | None:
    """Validated REST params of an index (Qdrant's checks), as Qdrant reports them back."""
    if isinstance(schema, m.PayloadSchemaType):
        return None
    if field_type == "integer" and schema.lookup is False and schema.range is False:
        raise ValidationFailed("[field_schema.lookup: the 'lookup' and 'range' capabilities can't be both disabled]")
    if field_type == "text":
        lo, hi = schema.min_token_len, schema.max_token_len
        if lo is not None and hi is not None and lo > hi:
            raise ValidationFailed(f"[field_schema.min_token_len: min_token_len ({lo}) must not exceed max_token_len ({hi})]")
    params = schema.model_dump(mode="json", exclude_none=True)
    for key in _PARAMS_NULLS.get(field_type, ()):
        params.setdefault(key, None)
    if field_type == "text":
        params.setdefault("tokenizer", "word")
    return params


def _update_result(op_id: int, wait: bool) -> dict[str, Any]:
    return {"operation_id": op_id, "status": "completed" if wait else "acknowledged"}


@endpoint
async def create_index(request: Request, started: float) -> Response:
    coll = _registry(request).get(request.path_params["name"])
    req = await parse(request, m.CreateFieldIndex)
    field_type = _field_type(req.field_schema)
    params = _index_params(field_type, req.field_schema)
    engine_params = {k: v for k, v in (params or {}).items() if v is not None} if params else None
    op_id = await coll.call("update", kind="create_index", field_name=req.field_name, field_type=field_type, params=engine_params)
    coll.index_params = {**coll.index_params, req.field_name: params} if params else {
        k: v for k, v in coll.index_params.items() if k != req.field_name
    }
    coll.indexed = {**coll.indexed, req.field_name: field_type}
    coll.save_meta()
    request.app.state.issues.indexed(coll.name, req.field_name)
    return ok(_update_result(op_id, flag(request, "wait")), started)


@endpoint
async def delete_index(request: Request, started: float) -> Response:
    coll = _registry(request).get(request.path_params["name"])
    field = request.path_params["field_name"]
    op_id = await coll.call("update", kind="delete_index", field_name=field)
    if field in coll.index_params or field in coll.indexed:
        coll.index_params = {k: v for k, v in coll.index_params.items() if k != field}
        coll.indexed = {k: v for k, v in coll.indexed.items() if k != field}
        coll.save_meta()
    return ok(_update_result(op_id, flag(request, "wait")), started)


def _alias_list(registry: Registry, collection: str | None = None) -> dict[str, Any]:
    return {
        "aliases": [
            {"alias_name": alias, "collection_name": target}
            for alias, target in sorted(registry.aliases.items())
            if collection is None or target == collection
        ]
    }


@endpoint
async def aliases(request: Request, started: float) -> Response:
    return ok(_alias_list(_registry(request)), started)


@endpoint
async def collection_aliases(request: Request, started: float) -> Response:
    name = request.path_params["name"]
    registry = _registry(request)
    if name not in registry.collections:
        raise collection_not_found(name)
    return ok(_alias_list(registry, name), started)


@endpoint
async def change_aliases(request: Request, started: float) -> Response:
    req = await parse(request, m.ChangeAliasesOperation)
    await _registry(request).change_aliases(req.actions)
    return ok(True, started)


@endpoint
async def cluster_info(request: Request, started: float) -> Response:
    coll = _registry(request).get(request.path_params["name"])
    info = await collection_info(coll)
    return ok(
        {
            "peer_id": request.app.state.settings.peer_id,
            "shard_count": 1,
            "local_shards": [{"shard_id": 0, "points_count": info["points_count"], "state": "Active"}],
            "remote_shards": [],
            "shard_transfers": [],
        },
        started,
    )


routes = [
    Route("/collections", list_collections, methods=["GET"]),
    Route("/aliases", aliases, methods=["GET"]),
    Route("/collections/aliases", change_aliases, methods=["POST"]),
    Route("/collections/{name}", get, methods=["GET"]),
    Route("/collections/{name}", create, methods=["PUT"]),
    Route("/collections/{name}", update, methods=["PATCH"]),
    Route("/collections/{name}", delete, methods=["DELETE"]),
    Route("/collections/{name}/exists", exists, methods=["GET"]),
    Route("/collections//exists", exists, methods=["GET"]),
    Route("/collections/{name}/aliases", collection_aliases, methods=["GET"]),
    Route("/collections/{name}/cluster", cluster_info, methods=["GET"]),
    Route("/collections/{name}/index", create_index, methods=["PUT"]),
    Route("/collections/{name}/index/{field_name}", delete_index, methods=["DELETE"]),
]
