"""Qdrant REST models (`qdrant_client.http.models`) → Qdrant Edge objects, and engine results → JSON.

Runs inside collection workers: Edge objects do not cross process boundaries, REST models do.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import qdrant_edge as qe
from qdrant_client.http import models as m

from .errors import BadInput, FormatError, Unsupported

DISTANCES = {
    m.Distance.COSINE: qe.Distance.Cosine,
    m.Distance.EUCLID: qe.Distance.Euclid,
    m.Distance.DOT: qe.Distance.Dot,
    m.Distance.MANHATTAN: qe.Distance.Manhattan,
}

PAYLOAD_TYPES = {
    "keyword": qe.PayloadSchemaType.Keyword,
    "integer": qe.PayloadSchemaType.Integer,
    "float": qe.PayloadSchemaType.Float,
    "geo": qe.PayloadSchemaType.Geo,
    "text": qe.PayloadSchemaType.Text,
    "bool": qe.PayloadSchemaType.Bool,
    "datetime": qe.PayloadSchemaType.Datetime,
    "uuid": qe.PayloadSchemaType.Uuid,
}
PAYLOAD_TYPE_NAMES = {v: k for k, v in PAYLOAD_TYPES.items()}

_INDEX_PARAMS = {
    "keyword": "KeywordIndexParams",
    "integer": "IntegerIndexParams",
    "float": "FloatIndexParams",
    "geo": "GeoIndexParams",
    "text": "TextIndexParams",
    "bool": "BoolIndexParams",
    "datetime": "DatetimeIndexParams",
    "uuid": "UuidIndexParams",
}
_TOKENIZERS = {"prefix": "Prefix", "whitespace": "Whitespace", "word": "Word", "multilingual": "Multilingual", "code": "Code"}


def index_schema(field_type: str, params: dict[str, Any] | None) -> Any:
    """Edge's index schema: the plain type, or its params object when the request gave params."""
    if not params:
        return PAYLOAD_TYPES[field_type]
    kwargs = {k: v for k, v in params.items() if k != "type" and v is not None}
    if "tokenizer" in kwargs:
        kwargs["tokenizer"] = getattr(qe.TokenizerType, _TOKENIZERS[kwargs["tokenizer"]])
    if "stopwords" in kwargs:
        kwargs["stopwords"] = _stopwords(kwargs["stopwords"])
    if "stemmer" in kwargs:
        kwargs["stemmer"] = _stemmer(kwargs["stemmer"])
    if isinstance(kwargs.get("scoring"), dict):
        kwargs["scoring"] = qe.TextScoringParams(qe.TextScoringType.Bm25)
    if "memory" in kwargs:
        kwargs["memory"] = getattr(qe.Memory, str(kwargs["memory"]).capitalize())
    return getattr(qe, _INDEX_PARAMS[field_type])(**kwargs)


def _language(name: str) -> Any:
    return getattr(qe.Language, name.capitalize())


def _stopwords(value: Any) -> Any:
    """Qdrant's `stopwords`: a language name, or `{languages, custom}`."""
    if isinstance(value, str):
        return _language(value)
    languages = {_language(v) for v in value.get("languages") or []} or None
    custom = set(value.get("custom") or []) or None
    return qe.StopwordsSet(languages=languages, custom=custom)


def _stemmer(value: dict[str, Any]) -> Any:
    if value.get("type") == "snowball":
        return qe.SnowballParams(getattr(qe.SnowballLanguage, str(value["language"]).capitalize()))
    return qe.DisabledStemmer()


COMPRESSION = {
    "x4": qe.CompressionRatio.X4,
    "x8": qe.CompressionRatio.X8,
    "x16": qe.CompressionRatio.X16,
    "x32": qe.CompressionRatio.X32,
    "x64": qe.CompressionRatio.X64,
}

# Qdrant's defaults, reported back when a collection leaves them unset.
DEFAULT_HNSW = m.HnswConfig(m=16, ef_construct=100, full_scan_threshold=10000, max_indexing_threads=0, on_disk=False)
DEFAULT_OPTIMIZERS = m.OptimizersConfig(
    deleted_threshold=0.2,
    vacuum_min_vector_number=1000,
    default_segment_number=0,
    max_segment_size=None,
    memmap_threshold=None,
    indexing_threshold=10000,
    flush_interval_sec=5,
    max_optimization_threads=None,
)
DEFAULT_WAL = m.WalConfig(wal_capacity_mb=32, wal_segments_ahead=0, wal_retain_closed=1)


# ---------------------------------------------------------------- ids


def _bad_id(value: Any) -> FormatError:
    # Qdrant parses ids while it reads the body: a bad one is a format error.
    return FormatError(f"value {value} is not a valid point ID, valid values are either an unsigned integer or a UUID")


def point_id(value: Any) -> int | str:
    """Qdrant ids are unsigned integers or UUIDs; anything else is a format error, as in Qdrant."""
    if isinstance(value, bool):
        raise _bad_id(str(value).lower())
    if isinstance(value, int):
        if value < 0:
            raise _bad_id(value)
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise _bad_id(value) from None
    raise _bad_id(value)


def id_out(value: Any) -> int | str:
    return str(value) if isinstance(value, uuid.UUID) else value


# ---------------------------------------------------------------- collection config


def hnsw(diff: m.HnswConfigDiff | None, base: m.HnswConfig = DEFAULT_HNSW) -> m.HnswConfig:
    merged = base.model_dump()
    if diff is not None:
        merged.update(diff.model_dump(exclude_none=True))
    return m.HnswConfig(**merged)


def hnsw_edge(cfg: m.HnswConfig) -> qe.HnswIndexConfig:
    return qe.HnswIndexConfig(
        m=cfg.m,
        ef_construct=cfg.ef_construct,
        full_scan_threshold=cfg.full_scan_threshold,
        max_indexing_threads=cfg.max_indexing_threads or 0,
        on_disk=cfg.on_disk,
        payload_m=cfg.payload_m,
    )


def quantization_edge(q: Any) -> Any:
    if q is None:
        return None
    if isinstance(q, m.ScalarQuantization):
        return qe.ScalarQuantizationConfig(
            type=qe.ScalarType.Int8, quantile=q.scalar.quantile, always_ram=q.scalar.always_ram
        )
    if isinstance(q, m.ProductQuantization):
        return qe.ProductQuantizationConfig(
            compression=COMPRESSION[str(q.product.compression.value)], always_ram=q.product.always_ram
        )
    if isinstance(q, m.BinaryQuantization):
        return qe.BinaryQuantizationConfig(always_ram=q.binary.always_ram)
    raise Unsupported(f"quantization {type(q).__name__}")


def vector_params_edge(p: m.VectorParams, collection_hnsw: m.HnswConfig) -> qe.EdgeVectorParams:
    multivector = None
    if p.multivector_config is not None:
        multivector = qe.MultiVectorConfig(qe.MultiVectorComparator.MaxSim)
    datatype = None
    if p.datatype is not None:
        datatype = {
            m.Datatype.FLOAT32: qe.VectorStorageDatatype.Float32,
            m.Datatype.FLOAT16: qe.VectorStorageDatatype.Float16,
            m.Datatype.UINT8: qe.VectorStorageDatatype.Uint8,
        }[p.datatype]
    return qe.EdgeVectorParams(
        size=p.size,
        distance=DISTANCES[p.distance],
        on_disk=p.on_disk,
        datatype=datatype,
        quantization_config=quantization_edge(p.quantization_config),
        hnsw_config=hnsw_edge(hnsw(p.hnsw_config, collection_hnsw)) if p.hnsw_config else None,
        multivector_config=multivector,
    )


def edge_config(params: m.CollectionConfig) -> qe.EdgeConfig:
    """The Edge shard config for a collection described by Qdrant's own `CollectionConfig`."""
    vectors = params.params.vectors
    if isinstance(vectors, m.VectorParams):
        edge_vectors: Any = vector_params_edge(vectors, params.hnsw_config)
    elif isinstance(vectors, dict):
        edge_vectors = {name: vector_params_edge(p, params.hnsw_config) for name, p in vectors.items()}
    else:
        edge_vectors = None
    sparse = None
    if params.params.sparse_vectors:
        sparse = {
            name: qe.EdgeSparseVectorParams(
                modifier=qe.Modifier.Idf if p.modifier == m.Modifier.IDF else None,
                on_disk=p.index.on_disk if p.index else None,
                full_scan_threshold=p.index.full_scan_threshold if p.index else None,
            )
            for name, p in params.params.sparse_vectors.items()
        }
    opt = params.optimizer_config
    return qe.EdgeConfig(
        vectors=edge_vectors,
        sparse_vectors=sparse,
        on_disk_payload=params.params.on_disk_payload,
        hnsw_config=hnsw_edge(params.hnsw_config),
        quantization_config=quantization_edge(params.quantization_config),
        optimizers=qe.EdgeOptimizersConfig(
            deleted_threshold=opt.deleted_threshold,
            vacuum_min_vector_number=opt.vacuum_min_vector_number,
            default_segment_number=opt.default_segment_number,
            max_segment_size=opt.max_segment_size,
            indexing_threshold=opt.indexing_threshold,
        ),
    )


def multivector_names(cfg: m.CollectionConfig) -> set[str]:
    """The dense vectors of a collection that hold multivectors (`""` is the unnamed one)."""
    vectors = cfg.params.vectors
    if isinstance(vectors, m.VectorParams):
        return {""} if vectors.multivector_config is not None else set()
    if isinstance(vectors, dict):
        return {name for name, p in vectors.items() if p.multivector_config is not None}
    return set()


def vector_sizes(cfg: m.CollectionConfig) -> dict[str, int]:
    vectors = cfg.params.vectors
    if isinstance(vectors, m.VectorParams):
        return {"": vectors.size}
    if isinstance(vectors, dict):
        return {name: p.size for name, p in vectors.items()}
    return {}


# ---------------------------------------------------------------- filters


def _conditions(value: Any) -> list[Any] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return [condition(c) for c in items]


def filter_(f: m.Filter | None) -> qe.Filter | None:
    if f is None:
        return None
    min_should = None
    if f.min_should is not None:
        min_should = qe.MinShould(conditions=_conditions(f.min_should.conditions) or [], min_count=f.min_should.min_count)
    return qe.Filter(
        must=_conditions(f.must),
        should=_conditions(f.should),
        must_not=_conditions(f.must_not),
        min_should=min_should,
    )


def _match(mt: Any) -> Any:
    if mt is None:
        return None
    if isinstance(mt, m.MatchValue):
        return qe.MatchValue(mt.value)
    if isinstance(mt, m.MatchText):
        return qe.MatchText(mt.text)
    if isinstance(mt, m.MatchTextAny):
        return qe.MatchTextAny(mt.text_any)
    if isinstance(mt, m.MatchPhrase):
        return qe.MatchPhrase(mt.phrase)
    if isinstance(mt, m.MatchAny):
        return qe.MatchAny(list(mt.any))
    if isinstance(mt, m.MatchExcept):
        return qe.MatchExcept(list(mt.except_))
    raise Unsupported(f"match {type(mt).__name__}")


# Qdrant's datetime forms (`DateTimeWrapper::from_str`, chrono): RFC 3339 (`T`, `t` or a space
# between date and time; `Z` or an offset, also `+HHMM` / `+HH`), else without an offset (UTC):
# `YYYY-MM-DD[( |T)HH:MM[:SS[.f]]]`.
_WITH_OFFSET = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[Tt ](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))? ?(?:[Zz]|([+-])(\d{2}):?(\d{2})?)"
)
_NO_OFFSET = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?")


def _unexpected(value: Any) -> str:
    """serde's words for a JSON value of the wrong type."""
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value!r}`"
    return "sequence" if isinstance(value, list) else "map"


def datetime_bound(value: Any) -> str:
    """A datetime range bound as Qdrant reads it, written back in RFC 3339 (UTC, microseconds);
    Qdrant's format error otherwise."""
    if not isinstance(value, str):
        raise FormatError(f"invalid type: {_unexpected(value)}, expected a string")
    parsed = None
    aware = _WITH_OFFSET.fullmatch(value)
    naive = None if aware else _NO_OFFSET.fullmatch(value)
    try:
        if aware:
            y, mo, d, h, mi, sec, frac, sign, oh, om = aware.groups()
            offset = timezone.utc
            if sign:
                delta = timedelta(hours=int(oh), minutes=int(om or 0))
                offset = timezone(-delta if sign == "-" else delta)
            parsed = _datetime(y, mo, d, h, mi, sec, frac, offset)
        elif naive:
            y, mo, d, h, mi, sec, frac = naive.groups()
            parsed = _datetime(y, mo, d, h or 0, mi or 0, sec or 0, frac, timezone.utc)
    except ValueError:
        parsed = None
    if parsed is None:
        raise FormatError(f"'{value}' does not match accepted datetime format (RFC3339). Example: 2014-01-01T00:00:00Z")
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _datetime(y: Any, mo: Any, d: Any, h: Any, mi: Any, sec: Any, frac: str | None, tz: timezone) -> datetime:
    second, micro = int(sec), int((frac or "0")[:6].ljust(6, "0"))
    if second == 60:  # a leap second, which chrono reads as the end of the minute before
        second, micro = 59, 999_999
    return datetime(int(y), int(mo), int(d), int(h), int(mi), second, micro, tzinfo=tz)


def _range(r: Any) -> Any:
    if r is None:
        return None
    if isinstance(r, m.Range):
        return qe.RangeFloat(gte=r.gte, gt=r.gt, lte=r.lte, lt=r.lt)
    if isinstance(r, m.DatetimeRange):
        iso = lambda v: None if v is None else (v if isinstance(v, str) else v.isoformat())  # noqa: E731
        return qe.RangeDateTime(gte=iso(r.gte), gt=iso(r.gt), lte=iso(r.lte), lt=iso(r.lt))
    raise Unsupported(f"range {type(r).__name__}")


def _geo(p: m.GeoPoint) -> qe.GeoPoint:
    return qe.GeoPoint(lon=p.lon, lat=p.lat)


def condition(c: Any) -> Any:
    if isinstance(c, m.FieldCondition):
        return qe.FieldCondition(
            key=c.key,
            match=_match(c.match),
            range=_range(c.range),
            geo_bounding_box=(
                qe.GeoBoundingBox(_geo(c.geo_bounding_box.top_left), _geo(c.geo_bounding_box.bottom_right))
                if c.geo_bounding_box
                else None
            ),
            geo_radius=qe.GeoRadius(_geo(c.geo_radius.center), c.geo_radius.radius) if c.geo_radius else None,
            geo_polygon=(
                qe.GeoPolygon(
                    [_geo(p) for p in c.geo_polygon.exterior.points],
                    [[_geo(p) for p in ring.points] for ring in c.geo_polygon.interiors or []] or None,
                )
                if c.geo_polygon
                else None
            ),
            values_count=(
                qe.ValuesCount(
                    lt=c.values_count.lt, gt=c.values_count.gt, lte=c.values_count.lte, gte=c.values_count.gte
                )
                if c.values_count
                else None
            ),
            is_empty=c.is_empty,
            is_null=c.is_null,
        )
    if isinstance(c, m.IsEmptyCondition):
        return qe.IsEmptyCondition(c.is_empty.key)
    if isinstance(c, m.IsNullCondition):
        return qe.IsNullCondition(c.is_null.key)
    if isinstance(c, m.HasIdCondition):
        return qe.HasIdCondition({point_id(i) for i in c.has_id})
    if isinstance(c, m.HasVectorCondition):
        return qe.HasVectorCondition(c.has_vector)
    if isinstance(c, m.NestedCondition):
        return qe.NestedCondition(c.nested.key, filter_(c.nested.filter))
    if isinstance(c, m.SliceCondition):
        return qe.SliceCondition(total=c.slice.total, index=c.slice.index)
    if isinstance(c, m.Filter):
        return filter_(c)
    raise Unsupported(f"condition {type(c).__name__}")


# ---------------------------------------------------------------- selectors


def with_payload(value: Any, default: bool) -> Any:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return qe.PayloadSelector.Include(value)
    if isinstance(value, m.PayloadSelectorInclude):
        return qe.PayloadSelector.Include(value.include)
    if isinstance(value, m.PayloadSelectorExclude):
        return qe.PayloadSelector.Exclude(value.exclude)
    raise Unsupported(f"with_payload {type(value).__name__}")


def with_vector(value: Any) -> Any:
    if value is None:
        return False
    return value


# ---------------------------------------------------------------- vectors


def _one_vector(v: Any) -> Any:
    if isinstance(v, m.SparseVector):
        return qe.SparseVector(v.indices, v.values)
    if isinstance(v, list):
        return v
    if isinstance(v, m.Document | m.Image | m.InferenceObject):
        raise Unsupported("inference (Document/Image) vectors")
    raise Unsupported(f"vector {type(v).__name__}")


def vector_in(v: Any) -> Any:
    """A point's vector: a plain list is the default (unnamed) vector; a dict names them."""
    if isinstance(v, dict):
        return {name: _one_vector(x) for name, x in v.items()}
    return _one_vector(v)


def vector_out(v: Any) -> Any:
    """Vectors as float32 arrays: the HTTP process prints them as Qdrant prints f32 (`0.15`, the
    shortest text that reads back as the same f32, not the f64 expansion `0.15000000596046448`)."""
    if isinstance(v, qe.SparseVector):
        return {"indices": list(v.indices), "values": np.asarray(v.values, dtype=np.float32)}
    if isinstance(v, dict):
        if set(v) == {""}:
            return vector_out(v[""])
        return {name: vector_out(x) for name, x in v.items()}
    if isinstance(v, list) and v and isinstance(v[0], list):
        return [np.asarray(x, dtype=np.float32) for x in v]
    return np.asarray(v, dtype=np.float32)


def check_dims(vector: Any, sizes: dict[str, int]) -> None:
    """Qdrant's dimension check, with its message, before anything reaches the engine."""
    named = vector if isinstance(vector, dict) else {"": vector}
    for name, v in named.items():
        if name not in sizes:
            if isinstance(v, qe.SparseVector):
                continue
            label = name if name else "default"
            raise BadInput(f"Not existing vector name error: {label}")
        if isinstance(v, list) and v and not isinstance(v[0], list) and len(v) != sizes[name]:
            raise BadInput(f"Vector dimension error: expected dim: {sizes[name]}, got {len(v)}")
        if isinstance(v, list) and v and isinstance(v[0], list):
            for inner in v:
                if len(inner) != sizes[name]:
                    raise BadInput(f"Vector dimension error: expected dim: {sizes[name]}, got {len(inner)}")


# ---------------------------------------------------------------- results


def _optional_out(p: Any) -> dict[str, Any]:
    """Payload, vector and order value of a point, each only when the engine returned it."""
    out: dict[str, Any] = {}
    if p.payload is not None:
        out["payload"] = p.payload
    if p.vector is not None:
        out["vector"] = vector_out(p.vector)
    if p.order_value is not None:
        out["order_value"] = p.order_value
    return out


def scored_out(p: Any) -> dict[str, Any]:
    return {"id": id_out(p.id), "version": p.version, "score": np.float32(p.score), **_optional_out(p)}


def record_out(r: Any) -> dict[str, Any]:
    return {"id": id_out(r.id), **_optional_out(r)}
