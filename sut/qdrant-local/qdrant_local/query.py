"""Qdrant's Query API (`points/query`) on Qdrant Edge: prefetch trees, fusion (rrf, dbsf),
order_by, sample, mmr, formula, recommend / discover / context, nearest by vector or by id.

`check_request` runs in the HTTP process (Qdrant's request-level errors, before any work);
`Builder` runs in the collection's worker and turns the REST models into Edge objects, looking up
the vectors of points given by id (those points are left out of the results, as in Qdrant).
"""

from __future__ import annotations

import uuid
from typing import Any, Callable

import numpy as np
import qdrant_edge as qe
from qdrant_client.http import models as m

from . import convert
from .errors import BadInput, BadRequest, Unsupported, ValidationFailed

DEFAULT_LIMIT = 10
DEFAULT_RRF_K = 2
DEFAULT_MMR_DIVERSITY = 0.5


def _prefetches(value: Any) -> list[m.Prefetch]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def check_request(req: Any, where: str = "") -> None:
    """Qdrant's checks on a query request (root or prefetch), with its words."""
    prefetches = _prefetches(req.prefetch)
    if prefetches and req.query is None:
        raise BadRequest("A query is needed to merge the prefetches. Can't have prefetches without defining a query.")
    if req.score_threshold is not None:
        if req.query is None:
            raise BadRequest("A query is needed to use the score_threshold. Can't have score_threshold without defining a query.")
        if isinstance(req.query, m.OrderByQuery):
            raise BadRequest("Can't use score_threshold with an order_by query.")
    if req.limit is not None and req.limit < 1:
        raise ValidationFailed(f"[{where}internal.limit: value {req.limit} invalid, must be 1 or larger]")
    if getattr(req, "offset", None) is not None and req.offset < 0:
        raise ValidationFailed(f"[{where}internal.offset: value {req.offset} invalid, must be 0 or larger]")
    if isinstance(req.query, m.NearestQuery) and req.query.mmr is not None:
        mmr = req.query.mmr
        if mmr.diversity is not None and not 0.0 <= mmr.diversity <= 1.0:
            raise ValidationFailed(f"[{where}internal.query.mmr.diversity: value {mmr.diversity} invalid, must be in 0.0..=1.0]")
        if mmr.candidates_limit is not None and mmr.candidates_limit < 1:
            raise ValidationFailed(
                f"[{where}internal.query.mmr.candidates_limit: value {mmr.candidates_limit} invalid, must be 1 or larger]"
            )
    for i, p in enumerate(prefetches):
        check_request(p, f"{where}prefetch[{i}].")


def null_contexts(data: Any) -> bool:
    """Qdrant takes `{"discover": {"target": t, "context": null}}` (no context); the client models
    want a list: make it one. True when something changed."""
    changed = False
    if isinstance(data, dict):
        d = data.get("discover")
        if isinstance(d, dict) and "context" in d and d["context"] is None:
            d["context"] = []
            changed = True
        for key in ("query", "prefetch", "searches"):
            if key in data:
                changed = null_contexts(data[key]) or changed
    elif isinstance(data, list):
        for x in data:
            if isinstance(x, dict):
                changed = null_contexts(x) or changed
    return changed


def _is_id(v: Any) -> bool:
    return isinstance(v, (int, str, uuid.UUID)) and not isinstance(v, bool)


def ids_in(query: Any) -> list[Any]:
    """Point ids used as examples in a query (for `lookup_from`, and to leave them out)."""
    if query is None:
        return []
    if _is_id(query):
        return [query]
    if isinstance(query, m.NearestQuery):
        return ids_in(query.nearest)
    if isinstance(query, m.RecommendQuery):
        r = query.recommend
        return [v for v in (r.positive or []) + (r.negative or []) if _is_id(v)]
    if isinstance(query, m.DiscoverQuery):
        pairs = _pairs(query.discover.context)
        return ids_in(query.discover.target) + [v for p in pairs for v in (p.positive, p.negative) if _is_id(v)]
    if isinstance(query, m.ContextQuery):
        return [v for p in _pairs(query.context) for v in (p.positive, p.negative) if _is_id(v)]
    return []


def _pairs(context: Any) -> list[m.ContextPair]:
    if context is None:
        return []
    return context if isinstance(context, list) else [context]


def substitute(query: Any, vectors: dict[Any, Any]) -> Any:
    """The query with ids replaced by the vectors given (ids looked up in another collection)."""
    def sub(v: Any) -> Any:
        return vectors[convert.point_id(v)] if _is_id(v) else v

    if _is_id(query):
        return sub(query)
    if isinstance(query, m.NearestQuery):
        return m.NearestQuery(nearest=sub(query.nearest), mmr=query.mmr)
    if isinstance(query, m.RecommendQuery):
        r = query.recommend
        return m.RecommendQuery(
            recommend=m.RecommendInput(
                positive=[sub(v) for v in r.positive or []], negative=[sub(v) for v in r.negative or []], strategy=r.strategy
            )
        )
    if isinstance(query, m.DiscoverQuery):
        d = query.discover
        pairs = [m.ContextPair(positive=sub(p.positive), negative=sub(p.negative)) for p in _pairs(d.context)]
        return m.DiscoverQuery(discover=m.DiscoverInput(target=sub(d.target), context=pairs))
    if isinstance(query, m.ContextQuery):
        return m.ContextQuery(context=[m.ContextPair(positive=sub(p.positive), negative=sub(p.negative)) for p in _pairs(query.context)])
    return query


def search_params(params: m.SearchParams | None) -> qe.SearchParams | None:
    if params is None:
        return None
    quant = None
    if params.quantization is not None:
        quant = qe.QuantizationSearchParams(
            ignore=bool(params.quantization.ignore),
            rescore=params.quantization.rescore,
            oversampling=params.quantization.oversampling,
        )
    return qe.SearchParams(
        hnsw_ef=params.hnsw_ef, exact=bool(params.exact), quantization=quant, indexed_only=bool(params.indexed_only)
    )


def order_by(ob: Any) -> Any:
    if ob is None:
        return None
    if isinstance(ob, str):
        return qe.OrderBy(ob)
    direction = None
    if ob.direction is not None:
        direction = qe.Direction.Asc if ob.direction.value == "asc" else qe.Direction.Desc
    start = ob.start_from
    if start is not None and not isinstance(start, int | float | str):
        start = start.isoformat()
    return qe.OrderBy(ob.key, direction, start)


_UNARY = {
    m.NegExpression: ("neg", qe.Expression.Neg),
    m.AbsExpression: ("abs", qe.Expression.Abs),
    m.SqrtExpression: ("sqrt", qe.Expression.Sqrt),
    m.ExpExpression: ("exp", qe.Expression.Exp),
    m.Log10Expression: ("log10", qe.Expression.Log10),
    m.LnExpression: ("ln", qe.Expression.Ln),
    m.AcoshExpression: ("acosh", qe.Expression.Acosh),
}
_LISTS = {
    m.MultExpression: ("mult", qe.Expression.Mult),
    m.SumExpression: ("sum", qe.Expression.Sum),
    m.MaxExpression: ("max", qe.Expression.Max),
    m.MinExpression: ("min", qe.Expression.Min),
}
_DECAYS = {
    m.LinDecayExpression: ("lin_decay", qe.DecayKind.Lin),
    m.ExpDecayExpression: ("exp_decay", qe.DecayKind.Exp),
    m.GaussDecayExpression: ("gauss_decay", qe.DecayKind.Gauss),
}


def expression(e: Any) -> Any:
    if isinstance(e, bool):
        raise BadInput(f"invalid formula expression {e!r}")
    if isinstance(e, (int, float)):
        return qe.Expression.Constant(float(e))
    if isinstance(e, str):
        return qe.Expression.Variable(e)
    kind = type(e)
    if kind in _UNARY:
        field, make = _UNARY[kind]
        return make(expression(getattr(e, field)))
    if kind in _LISTS:
        field, make = _LISTS[kind]
        return make([expression(x) for x in getattr(e, field)])
    if kind in _DECAYS:
        field, decay = _DECAYS[kind]
        p = getattr(e, field)
        target = expression(p.target) if p.target is not None else None
        return qe.Expression.Decay(decay, expression(p.x), target, p.midpoint, p.scale)
    if isinstance(e, m.DivExpression):
        return qe.Expression.Div(expression(e.div.left), expression(e.div.right), e.div.by_zero_default)
    if isinstance(e, m.PowExpression):
        return qe.Expression.Pow(expression(e.pow.base), expression(e.pow.exponent))
    if isinstance(e, m.GeoDistance):
        return qe.Expression.GeoDistance(qe.GeoPoint(lon=e.geo_distance.origin.lon, lat=e.geo_distance.origin.lat), e.geo_distance.to)
    if isinstance(e, m.DatetimeExpression):
        return qe.Expression.Datetime(e.datetime)
    if isinstance(e, m.DatetimeKeyExpression):
        return qe.Expression.DatetimeKey(e.datetime_key)
    return qe.Expression.Condition(convert.condition(e))


def _sparse_mean(vectors: list[Any]) -> dict[int, np.float32]:
    total: dict[int, np.float32] = {}
    for v in vectors:
        for i, x in zip(v.indices, v.values):
            total[i] = total.get(i, np.float32(0)) + np.float32(x)
    n = np.float32(len(vectors))
    return {i: x / n for i, x in total.items()}


def _sparse_average(positives: list[Any], negatives: list[Any]) -> Any:
    """Qdrant's average_vector for sparse examples, in f32: avg(positive) + avg(positive) - avg(negative)."""
    pos = _sparse_mean(positives)
    neg = _sparse_mean(negatives) if negatives else {}
    merged = {i: pos.get(i, np.float32(0)) * 2 - neg.get(i, np.float32(0)) for i in sorted(set(pos) | set(neg))} if neg else pos
    indices = sorted(merged)
    return qe.SparseVector(indices, [float(merged[i]) for i in indices])


class Builder:
    """Edge query objects for one request, in a worker that holds `shard`."""

    def __init__(
        self, shard: Any, sizes: dict[str, int], vector_of: Callable[[Any, str | None], Any], multi: set[str] | None = None
    ) -> None:
        self.shard = shard
        self.sizes = sizes
        self.vector_of = vector_of
        self.multi = multi or set()

    def _vec(self, v: Any, using: str | None, exclude: set[Any]) -> Any:
        if _is_id(v):
            pid = convert.point_id(v)
            exclude.add(pid)
            return self.vector_of(pid, using)
        vec = convert.vector_in(v)
        if isinstance(vec, list) and not vec:
            raise BadInput(f"Vector dimension error: expected dim: {self.sizes.get(using or '', 0)}, got 0")
        convert.check_dims({using or "": vec}, self.sizes)
        if (using or "") in self.multi and isinstance(vec, list) and vec and not isinstance(vec[0], list):
            # Qdrant reads a plain vector given for a multivector as a multivector of one.
            vec = [vec]
        return vec

    def scoring(self, q: Any, using: str | None, limit: int, exclude: set[Any]) -> Any:
        if q is None:
            return None
        if isinstance(q, m.NearestQuery):
            if q.mmr is not None:
                vec = self._vec(q.nearest, using, exclude)
                if isinstance(vec, qe.SparseVector):
                    raise Unsupported("mmr over a sparse vector")  # Edge's Mmr takes dense vectors only
                diversity = DEFAULT_MMR_DIVERSITY if q.mmr.diversity is None else q.mmr.diversity
                return qe.Mmr(vec, 1.0 - diversity, q.mmr.candidates_limit or limit, using=using)
            q = q.nearest
        if isinstance(q, (list, m.SparseVector)) or _is_id(q):
            return qe.Query.Nearest(self._vec(q, using, exclude), using=using)
        if isinstance(q, m.RecommendQuery):
            return self._recommend(q.recommend, using, exclude)
        if isinstance(q, m.DiscoverQuery):
            target = self._vec(q.discover.target, using, exclude)
            pairs = [qe.ContextPair(self._vec(p.positive, using, exclude), self._vec(p.negative, using, exclude)) for p in _pairs(q.discover.context)]
            return qe.Query.Discover(qe.DiscoverQuery(target, pairs), using=using)
        if isinstance(q, m.ContextQuery):
            pairs = [qe.ContextPair(self._vec(p.positive, using, exclude), self._vec(p.negative, using, exclude)) for p in _pairs(q.context)]
            return qe.Query.Context(qe.ContextQuery(pairs), using=using)
        if isinstance(q, m.OrderByQuery):
            return order_by(q.order_by)
        if isinstance(q, m.FusionQuery):
            return qe.Fusion.Rrf(k=DEFAULT_RRF_K) if q.fusion == m.Fusion.RRF else qe.Fusion.Dbsf()
        if isinstance(q, m.RrfQuery):
            return qe.Fusion.Rrf(k=q.rrf.k if q.rrf.k is not None else DEFAULT_RRF_K, weights=q.rrf.weights)
        if isinstance(q, m.SampleQuery):
            return qe.Sample.Random
        if isinstance(q, m.FormulaQuery):
            return qe.Formula(expression(q.formula), q.defaults)
        if isinstance(q, (m.Document, m.Image, m.InferenceObject)):
            raise Unsupported("inference (Document/Image) queries")
        raise Unsupported(f"query {type(q).__name__}")

    def _recommend(self, r: m.RecommendInput, using: str | None, exclude: set[Any]) -> Any:
        positives = [self._vec(v, using, exclude) for v in r.positive or []]
        negatives = [self._vec(v, using, exclude) for v in r.negative or []]
        strategy = r.strategy or m.RecommendStrategy.AVERAGE_VECTOR
        if not positives and not negatives:
            raise BadInput("At least one positive or negative vector is required")
        if strategy == m.RecommendStrategy.BEST_SCORE:
            return qe.Query.RecommendBestScore(qe.RecommendQuery(positives, negatives), using=using)
        if strategy == m.RecommendStrategy.SUM_SCORES:
            return qe.Query.RecommendSumScores(qe.RecommendQuery(positives, negatives), using=using)
        if not positives:
            raise BadInput("Positive vectors must not be empty with `average_vector` strategy")
        if any(isinstance(v, qe.SparseVector) for v in positives + negatives):
            return qe.Query.Nearest(_sparse_average(positives, negatives), using=using)
        if (using or "") in self.multi:
            # A multivector has no element-wise mean: the positives' vectors make one multivector.
            return qe.Query.Nearest([inner for v in positives for inner in v], using=using)
        # Qdrant's average_vector, in f32 as Qdrant computes it: avg(positive) + avg(positive) - avg(negative).
        avg_pos = np.mean(np.asarray(positives, dtype=np.float32), axis=0, dtype=np.float32)
        target = avg_pos
        if negatives:
            avg_neg = np.mean(np.asarray(negatives, dtype=np.float32), axis=0, dtype=np.float32)
            target = avg_pos + avg_pos - avg_neg
        return qe.Query.Nearest([float(x) for x in target], using=using)

    def _filter(self, flt: Any, exclude: set[Any]) -> Any:
        f = convert.filter_(flt)
        if not exclude:
            return f
        return qe.Filter(must=[f] if f is not None else None, must_not=[qe.HasIdCondition(set(exclude))])

    def prefetch(self, p: m.Prefetch) -> qe.Prefetch:
        limit = DEFAULT_LIMIT if p.limit is None else p.limit
        exclude: set[Any] = set()
        scoring = self.scoring(p.query, p.using, limit, exclude)
        return qe.Prefetch(
            limit=limit,
            query=scoring,
            prefetches=[self.prefetch(x) for x in _prefetches(p.prefetch)] or None,
            params=search_params(p.params),
            filter=self._filter(p.filter, exclude),
            score_threshold=p.score_threshold,
        )

    def request(self, req: m.QueryRequest) -> qe.QueryRequest:
        limit = DEFAULT_LIMIT if req.limit is None else req.limit
        exclude: set[Any] = set()
        scoring = self.scoring(req.query, req.using, limit + (req.offset or 0), exclude)
        return qe.QueryRequest(
            limit=limit,
            offset=req.offset or 0,
            query=scoring,
            prefetches=[self.prefetch(x) for x in _prefetches(req.prefetch)] or None,
            with_payload=convert.with_payload(req.with_payload, False),
            with_vector=convert.with_vector(req.with_vector),
            filter=self._filter(req.filter, exclude),
            score_threshold=req.score_threshold,
            params=search_params(req.params),
        )
