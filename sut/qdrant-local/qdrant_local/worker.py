"""One process per collection, holding its EdgeShard.

Why a process: every EdgeShard method holds the GIL, and `optimize()` (the HNSW build) runs for
seconds to minutes. In the HTTP process it would freeze every endpoint, `/readyz` included.
Here it only delays calls to the collection being indexed, while the server keeps answering.

Protocol over a `multiprocessing` pipe: the parent sends `(op, kwargs)`, the worker answers
`("ok", result)` or `("err", kind, message)`. One call at a time (the parent serialises).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import traceback
from typing import Any

# Indexing waits for a pause in writes, as Qdrant's optimizer does not compete with an upload.
IDLE_BEFORE_OPTIMIZE_S = 2.0
FLUSH_EVERY_S = 5.0


def worker_main(conn: Any, optimizing: Any) -> None:
    """Imports first, then waits for `("open", coll_dir, config_json, create)`: a spare worker
    is started ahead of time, so that creating a collection does not wait for Python imports."""
    # The server stops its workers itself (flush, close) when it gets SIGTERM or Ctrl-C; a worker
    # whose server died sees the pipe close and exits.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

    import qdrant_edge as qe
    from qdrant_client.http import models as m

    from . import convert
    from . import query as query_mod
    from .errors import QdrantError, from_engine

    try:
        _, coll_dir, config_json, create = conn.recv()
    except EOFError:
        return
    cfg = m.CollectionConfig.model_validate_json(config_json)
    shard_dir = os.path.join(coll_dir, "shard")
    sizes = convert.vector_sizes(cfg)
    counter_path = os.path.join(coll_dir, "operation_id")
    op_id = int(open(counter_path).read()) if os.path.exists(counter_path) else 0

    try:
        if create:
            shard = qe.EdgeShard.create(shard_dir, convert.edge_config(cfg))
        else:
            shard = qe.EdgeShard.load(shard_dir)
    except BaseException as err:  # noqa: BLE001 — reported to the parent, which decides
        conn.send(("err", "start", f"{type(err).__name__}: {err}"))
        return
    conn.send(("ok", "ready"))

    dirty_since_optimize = False
    dirty_since_flush = False
    last_write = 0.0
    last_flush = time.monotonic()

    def persist() -> None:
        nonlocal dirty_since_flush, last_flush
        shard.flush()
        with open(counter_path, "w") as fh:
            fh.write(str(op_id))
        dirty_since_flush = False
        last_flush = time.monotonic()

    def info() -> dict[str, Any]:
        i = shard.info()
        schema = {}
        for name, idx in i.payload_schema.items():
            schema[name] = {"data_type": convert.PAYLOAD_TYPE_NAMES.get(idx.data_type, "keyword"), "points": idx.points}
        return {
            "points_count": i.points_count,
            "indexed_vectors_count": i.indexed_vectors_count,
            "segments_count": i.segments_count,
            "payload_schema": schema,
            "pending_optimization": dirty_since_optimize,
        }

    def points_op(points: list[tuple[Any, Any, Any]], update_filter: Any, update_mode: Any) -> Any:
        built = []
        for pid, vec, payload in points:
            v = convert.vector_in(vec)
            convert.check_dims(v, sizes)
            built.append(qe.Point(convert.point_id(pid), v, payload))
        mode = None
        if update_mode is not None:
            mode = {
                "upsert": qe.UpdateMode.Upsert,
                "insert_only": qe.UpdateMode.InsertOnly,
                "update_only": qe.UpdateMode.UpdateOnly,
            }[update_mode]
        return qe.UpdateOperation.upsert_points(built, convert.filter_(update_filter), mode)

    U = qe.UpdateOperation

    def update(kind: str, **a: Any) -> int:
        nonlocal op_id, dirty_since_optimize, dirty_since_flush, last_write
        ids = [convert.point_id(i) for i in a["ids"]] if a.get("ids") is not None else None
        flt = convert.filter_(a.get("filter"))

        def by_ids_or_filter(on_ids: Any, on_filter: Any, *rest: Any) -> Any:
            # Edge has one operation per target: the listed ids, or the points a filter selects
            return on_ids(ids, *rest) if ids is not None else on_filter(flt, *rest)

        if kind == "upsert":
            op = points_op(a["points"], a.get("update_filter"), a.get("update_mode"))
        elif kind == "delete":
            op = by_ids_or_filter(U.delete_points, U.delete_points_by_filter)
        elif kind == "set_payload":
            op = by_ids_or_filter(U.set_payload, U.set_payload_by_filter, a["payload"], a.get("key"))
        elif kind == "overwrite_payload":
            op = by_ids_or_filter(U.overwrite_payload, U.overwrite_payload_by_filter, a["payload"])
        elif kind == "delete_payload":
            op = by_ids_or_filter(U.delete_payload, U.delete_payload_by_filter, a["keys"])
        elif kind == "clear_payload":
            op = by_ids_or_filter(U.clear_payload, U.clear_payload_by_filter)
        elif kind == "update_vectors":
            pvs = []
            for pid, vec in a["points"]:
                v = convert.vector_in(vec)
                convert.check_dims(v, sizes)
                pvs.append(qe.PointVectors(convert.point_id(pid), v))
            op = qe.UpdateOperation.update_vectors(pvs, convert.filter_(a.get("update_filter")))
        elif kind == "delete_vectors":
            op = by_ids_or_filter(U.delete_vectors, U.delete_vectors_by_filter, a["vector_names"])
        elif kind == "create_index":
            op = qe.UpdateOperation.create_field_index(a["field_name"], convert.index_schema(a["field_type"], a.get("params")))
        elif kind == "delete_index":
            op = qe.UpdateOperation.delete_field_index(a["field_name"])
        else:
            raise QdrantError(f"unknown update {kind}")
        shard.update(op)
        done_id = op_id  # Qdrant numbers a collection's operations from 0
        op_id += 1
        dirty_since_optimize = True
        dirty_since_flush = True
        last_write = time.monotonic()
        return done_id

    def query(req: Any) -> list[dict[str, Any]]:
        """req: a `qdrant_client` QueryRequest (lookup_from already resolved by the caller)."""
        points = [convert.scored_out(p) for p in shard.query(builder.request(req))]
        if not req.with_vector:
            # Edge returns the vectors an MMR query compared; Qdrant leaves them out unless asked.
            for p in points:
                p.pop("vector", None)
        return points

    def vector_of(pid: Any, using: str | None) -> Any:
        recs = shard.retrieve([convert.point_id(pid)], False, [using] if using else True)
        if not recs:
            raise from_engine(Exception(f"No point with id {convert.id_out(convert.point_id(pid))} found"))
        v = recs[0].vector
        if isinstance(v, dict):
            v = v.get(using or "")
        if v is None:
            raise QdrantError(f"Point {pid} has no vector {using or ''}")
        return v

    def scroll(req: dict[str, Any]) -> dict[str, Any]:
        offset = req.get("offset")
        recs, nxt = shard.scroll(
            qe.ScrollRequest(
                offset=convert.point_id(offset) if offset is not None else None,
                limit=req["limit"],
                filter=convert.filter_(req.get("filter")),
                with_payload=convert.with_payload(req.get("with_payload"), True),
                with_vector=convert.with_vector(req.get("with_vector")),
                order_by=query_mod.order_by(req.get("order_by")),
            )
        )
        return {"points": [convert.record_out(r) for r in recs], "next_page_offset": convert.id_out(nxt) if nxt is not None else None}

    def count(flt: Any, exact: bool) -> int:
        return shard.count(qe.CountRequest(exact=exact, filter=convert.filter_(flt)))

    def retrieve(ids: list[Any], with_payload: Any, with_vector: Any) -> list[dict[str, Any]]:
        recs = shard.retrieve(
            [convert.point_id(i) for i in ids],
            convert.with_payload(with_payload, True),
            convert.with_vector(with_vector),
        )
        return [convert.record_out(r) for r in recs]

    builder = query_mod.Builder(shard, sizes, vector_of, convert.multivector_names(cfg))

    def facet(key: str, limit: int, exact: bool, flt: Any) -> list[dict[str, Any]]:
        resp = shard.facet(qe.FacetRequest(key=key, limit=limit, exact=exact, filter=convert.filter_(flt)))
        return [{"value": h.value, "count": h.count} for h in resp.hits]

    def snapshot(target: str) -> None:
        persist()
        # GNU tar keeps the engine's preallocated mmap files sparse (MBs on disk, not 100s).
        tmp = target + ".tmp"
        parent, base = os.path.split(coll_dir.rstrip("/"))
        subprocess.run(
            ["tar", "--sparse", "-cf", tmp, "-C", parent, "--transform", f"s,^{base},collection,", base],
            check=True,
            capture_output=True,
        )
        os.replace(tmp, target)

    def optimize() -> bool:
        nonlocal dirty_since_optimize
        optimizing.value = 1
        try:
            changed = shard.optimize()
        finally:
            optimizing.value = 0
        dirty_since_optimize = False
        return changed

    handlers: dict[str, Any] = {
        "info": info,
        "update": update,
        "query": query,
        "query_batch": lambda reqs: [query(r) for r in reqs],
        "vector_of": vector_of,
        "vectors_of": lambda ids, using: {convert.point_id(i): vector_of(i, using) for i in ids},
        "scroll": scroll,
        "count": count,
        "retrieve": retrieve,
        "facet": facet,
        "snapshot": snapshot,
        "optimize": optimize,
        "flush": persist,
    }

    while True:
        if not conn.poll(0.25):
            now = time.monotonic()
            if dirty_since_optimize and now - last_write >= IDLE_BEFORE_OPTIMIZE_S:
                if conn.poll(0):
                    continue
                try:
                    optimize()
                    persist()
                except Exception:  # noqa: BLE001 — keep serving; the log tells why
                    traceback.print_exc()
                    dirty_since_optimize = False
            elif dirty_since_flush and now - last_flush >= FLUSH_EVERY_S:
                persist()
            continue
        try:
            op, kwargs = conn.recv()
        except EOFError:
            persist()
            shard.close()
            break
        if op == "close":
            persist()
            shard.close()
            conn.send(("ok", None))
            break
        try:
            conn.send(("ok", handlers[op](**kwargs)))
        except QdrantError as err:
            conn.send(("err", type(err).__name__, err.detail))
        except Exception as err:  # noqa: BLE001 — engine errors are plain Exception(str)
            mapped = from_engine(err)
            conn.send(("err", type(mapped).__name__, mapped.detail))
