"""Qdrant's REST API as an OpenAPI 3.1 document, generated from qdrant-client's own API layer.

    python qdrant_spec.py --collection NAME --out FILE [--writes]

A real Qdrant serves no /openapi.json. qdrant-client's generated API classes
(qdrant_client/http/api/*_api.py, made by Qdrant from its published openapi.json) hold, per
operation, the method, the URL template, the body parameter and the response model; its pydantic
models (qdrant_client.http.models) give the JSON schemas. So the document is Qdrant's own
contract, at the pinned qdrant-client version, without vendoring Qdrant's 350 kB spec.

Only operations that leave the model collections alone are kept: the service endpoints, and the
read (and, with --writes, point-level write) operations of one collection, whose path parameter is
restricted to NAME: the scratch collection the fuzzer made. No collection is created, changed or
deleted through the document, and no alias, snapshot, shard or cluster operation is in it.
"""

import argparse
import inspect
import json
import re
import typing
from importlib.metadata import version

from pydantic import TypeAdapter
from qdrant_client.http import models as m
from qdrant_client.http.api import (
    aliases_api,
    beta_api,
    collections_api,
    points_api,
    search_api,
    service_api,
)

REF = "#/components/schemas/{model}"

# operationId -> kept as a read (always) or as a point write on the scratch collection (--writes)
READS = {
    "root", "healthz", "livez", "readyz", "telemetry", "metrics", "get_issues", "cluster_status",
    "get_collections", "get_collection", "collection_exists", "get_collection_aliases", "get_aliases",
    "get_point", "get_points", "scroll_points", "count_points", "facet",
    "search_points", "search_batch_points", "search_point_groups",
    "recommend_points", "recommend_batch_points", "recommend_point_groups",
    "discover_points", "discover_batch_points",
    "search_matrix_pairs", "search_matrix_offsets",
}
# Left out: query_points, query_batch_points, query_points_groups. Their body (QueryRequest: a union
# of every query kind, each with nested filters) is more than schemathesis's generator finishes
# with: it spends minutes on one example, past any --max-time. Reads are fuzzed through get, scroll,
# count, facet and the search-matrix operations (qdrant-client 1.20 has no search/recommend calls).
WRITES = {
    "upsert_points", "delete_points", "set_payload", "overwrite_payload", "delete_payload",
    "clear_payload", "update_vectors", "delete_vectors", "batch_update",
}

# What Qdrant answers without its API key (its auth middleware lets these through).
PUBLIC = {"root", "healthz", "livez", "readyz"}

MODULES = [service_api, collections_api, points_api, search_api, aliases_api, beta_api]


def schema_of(annotation, defs):
    """The JSON schema of a parameter or model type, its definitions merged into `defs`."""
    if isinstance(annotation, str):
        annotation = getattr(m, annotation.split(".")[-1])
    s = TypeAdapter(annotation).json_schema(ref_template=REF)
    defs.update(s.pop("$defs", {}))
    return s


def operations():
    for module in MODULES:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not cls.__name__.startswith("_"):
                continue
            for name, fn in inspect.getmembers(cls, inspect.isfunction):
                if name.startswith("_build_for_"):
                    yield name[len("_build_for_"):], fn


def build(collection, writes):
    defs = {}
    paths = {}
    kept = READS | (WRITES if writes else set())
    hints_ns = {"m": m}
    for op_id, fn in operations():
        if op_id not in kept:
            continue
        src = inspect.getsource(fn)
        method = re.search(r'method="(\w+)"', src).group(1).lower()
        url = re.search(r'url="([^"]+)"', src).group(1)
        type_ = re.search(r"type_=(m\.\w+|\w+)", src).group(1)
        body_var = re.search(r"body = jsonable_encoder\((\w+)\)", src)
        sig = inspect.signature(fn)
        hints = typing.get_type_hints(fn, globalns={**fn.__globals__, **hints_ns})
        params = []
        body = None
        for pname, p in sig.parameters.items():
            if pname == "self":
                continue
            ann = hints.get(pname, str)
            if body_var and pname == body_var.group(1):
                body = schema_of(ann, defs)
                continue
            if "{" + pname + "}" in url:
                if pname == "collection_name":
                    ps = {"type": "string", "enum": [collection]}
                else:
                    ps = schema_of(ann, defs)
                params.append({"name": pname, "in": "path", "required": True, "schema": ps})
            else:
                ps = schema_of(ann, defs)
                if pname == "timeout":
                    # qdrant-client types it `int`; Qdrant's published document (and Qdrant) say minimum 1
                    ps = {"type": "integer", "minimum": 1}
                params.append({"name": pname, "in": "query", "required": False, "schema": ps})
        responses = {"4XX": {"description": "error", "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorResponse")}}}}}
        if type_ in ("str", "m.str"):
            responses["200"] = {"description": "text", "content": {"text/plain": {"schema": {"type": "string"}}}}
        elif type_ in ("object", "m.object", "Any"):
            responses["200"] = {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
        else:
            responses["200"] = {"description": "ok", "content": {"application/json": {"schema": schema_of(type_.split(".")[-1], defs)}}}
        operation = {"operationId": op_id, "parameters": params, "responses": responses}
        if op_id in PUBLIC:
            operation["security"] = []
        else:
            # Qdrant's auth middleware answers `HttpResponse::Unauthorized().body(text)`: no JSON, no
            # content type (src/actix/auth.rs), whatever its published document says for 4XX.
            responses["401"] = {"description": "no or a wrong API key: the bare text, no content type"}
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        paths.setdefault(url, {})[method] = operation
    schema_of(m.ErrorResponse, defs)
    defs.setdefault("ErrorResponse", TypeAdapter(m.ErrorResponse).json_schema(ref_template=REF))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Qdrant REST API (from qdrant-client's API layer; non-destructive operations, scratch collection only)",
            "version": version("qdrant-client"),
        },
        "components": {
            "schemas": defs,
            "securitySchemes": {"api-key": {"type": "apiKey", "in": "header", "name": "api-key"}},
        },
        "security": [{"api-key": []}],
        "paths": paths,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--collection", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--writes", action="store_true")
    a = parser.parse_args()
    doc = build(a.collection, a.writes)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    print(json.dumps({"operations": sum(len(v) for v in doc["paths"].values())}))


if __name__ == "__main__":
    main()
