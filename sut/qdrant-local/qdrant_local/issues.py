"""`/issues`: Qdrant's UNINDEXED_FIELD issue, raised when a search filters on a field that has no
payload index, with the index to create as its immediate solution; dropped once that index
exists or the collection is deleted."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

# Requests whose filter Qdrant checks for unindexed fields (the search family).
SEARCH_SUFFIXES = (
    "/points/search", "/points/search/batch", "/points/query", "/points/query/batch", "/points/query/groups",
    "/points/recommend", "/points/recommend/batch", "/points/discover", "/points/discover/batch",
)
_CONDITION_LISTS = ("must", "should", "must_not")


def _schema_for(cond: dict[str, Any]) -> str | None:
    """The index type that would serve a field condition, as Qdrant infers it."""
    match = cond.get("match")
    if isinstance(match, dict):
        if "text" in match or "phrase" in match:
            return "text"
        value = match.get("value", (match.get("any") or match.get("except") or [None])[0])
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            return "integer"
        if isinstance(value, str):
            return "keyword"
        return None
    if cond.get("range") is not None:
        bounds = [v for v in cond["range"].values() if v is not None] if isinstance(cond["range"], dict) else []
        return "datetime" if any(isinstance(v, str) for v in bounds) else "float"
    if any(cond.get(k) is not None for k in ("geo_bounding_box", "geo_radius", "geo_polygon")):
        return "geo"
    return None


def filter_fields(flt: Any, prefix: str = "") -> dict[str, str]:
    """Field name -> inferred index type for every field condition in a filter (nested included)."""
    found: dict[str, str] = {}
    if not isinstance(flt, dict):
        return found
    conditions: list[Any] = []
    for key in _CONDITION_LISTS:
        value = flt.get(key)
        conditions.extend(value if isinstance(value, list) else [value] if isinstance(value, dict) else [])
    min_should = flt.get("min_should")
    if isinstance(min_should, dict) and isinstance(min_should.get("conditions"), list):
        conditions.extend(min_should["conditions"])
    for cond in conditions:
        if not isinstance(cond, dict):
            continue
        if isinstance(cond.get("nested"), dict):
            nested = cond["nested"]
            found.update(filter_fields(nested.get("filter"), f"{prefix}{nested.get('key', '')}[]."))
        elif "key" in cond and isinstance(cond["key"], str):
            schema = _schema_for(cond)
            if schema is not None:
                found.setdefault(prefix + cond["key"], schema)
        elif any(k in cond for k in _CONDITION_LISTS + ("min_should",)):
            found.update(filter_fields(cond, prefix))
    return found


def request_filters(body: Any) -> list[Any]:
    """The filters of a search-family body: top level, each of `searches`, and each prefetch."""
    out: list[Any] = []
    if isinstance(body, dict):
        if "filter" in body:
            out.append(body["filter"])
        for key in ("searches", "prefetch"):
            items = body.get(key)
            for item in items if isinstance(items, list) else [items] if isinstance(items, dict) else []:
                out.extend(request_filters(item))
    return out


class Issues:
    def __init__(self) -> None:
        self._issues: dict[str, dict[str, Any]] = {}

    def unindexed(self, collection: str, fields: dict[str, str], indexed: set[str]) -> None:
        for field, schema in fields.items():
            if field in indexed:
                continue
            code = f"{collection}.UNINDEXED_FIELD.{field}"
            if code in self._issues:
                continue
            self._issues[code] = {
                "code": code,
                "description": f"Unindexed field '{field}' might be slowing queries down in collection '{collection}'",
                "solution": {
                    "immediate": {
                        "message": f"Create an index on field '{field}' of schema {schema} in collection '{collection}'. "
                        "Check the documentation for more details: https://qdrant.tech/documentation/concepts/indexing/#payload-index",
                        "action": {
                            "method": "PUT",
                            "uri": f"/collections/{collection}/index",
                            "headers": {},
                            "body": {"field_name": field, "field_schema": schema},
                        },
                    }
                },
                "timestamp": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            }

    def indexed(self, collection: str, field: str) -> None:
        self._issues.pop(f"{collection}.UNINDEXED_FIELD.{field}", None)

    def collection_gone(self, collection: str) -> None:
        for code in [c for c in self._issues if c.startswith(f"{collection}.")]:
            del self._issues[code]

    def list(self) -> list[dict[str, Any]]:
        return list(self._issues.values())

    def clear(self) -> None:
        self._issues.clear()
