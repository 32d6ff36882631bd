"""The legacy search API (`POST …/points/search`, `…/search/batch`): Qdrant 1.19 still serves
it, but qdrant-client 1.20 dropped its models. These are the 1.15 definitions, built from the
client's own parts (Filter, SearchParams, WithPayloadInterface, WithVector, SparseVector)."""

from __future__ import annotations

from typing import List, Optional, Union

from pydantic import BaseModel, StrictFloat
from qdrant_client.http import models as m


class NamedVector(BaseModel, extra="forbid"):
    name: str
    vector: List[StrictFloat]


class NamedSparseVector(BaseModel, extra="forbid"):
    name: str
    vector: m.SparseVector


NamedVectorStruct = Union[List[StrictFloat], NamedVector, NamedSparseVector]


class SearchRequest(BaseModel, extra="forbid"):
    shard_key: Optional[m.ShardKeySelector] = None
    vector: NamedVectorStruct
    filter: Optional[m.Filter] = None
    params: Optional[m.SearchParams] = None
    limit: int
    offset: Optional[int] = None
    with_payload: Optional[m.WithPayloadInterface] = None
    with_vector: Optional[m.WithVector] = None
    score_threshold: Optional[float] = None


class SearchRequestBatch(BaseModel, extra="forbid"):
    searches: List[SearchRequest]


# Legacy recommend / discover (`POST …/points/recommend`, `…/points/discover`, and their batches):
# served through the Query API, as Qdrant 1.10+ does internally.
Example = Union[m.ExtendedPointId, List[StrictFloat], m.SparseVector]


class RecommendRequest(BaseModel, extra="forbid"):
    shard_key: Optional[m.ShardKeySelector] = None
    positive: Optional[List[Example]] = None
    negative: Optional[List[Example]] = None
    strategy: Optional[m.RecommendStrategy] = None
    filter: Optional[m.Filter] = None
    params: Optional[m.SearchParams] = None
    limit: int
    offset: Optional[int] = None
    with_payload: Optional[m.WithPayloadInterface] = None
    with_vector: Optional[m.WithVector] = None
    score_threshold: Optional[float] = None
    using: Optional[str] = None
    lookup_from: Optional[m.LookupLocation] = None


class RecommendRequestBatch(BaseModel, extra="forbid"):
    searches: List[RecommendRequest]


class ContextExamplePair(BaseModel, extra="forbid"):
    positive: Example
    negative: Example


class DiscoverRequest(BaseModel, extra="forbid"):
    shard_key: Optional[m.ShardKeySelector] = None
    target: Optional[Example] = None
    context: Optional[List[ContextExamplePair]] = None
    filter: Optional[m.Filter] = None
    params: Optional[m.SearchParams] = None
    limit: int
    offset: Optional[int] = None
    with_payload: Optional[m.WithPayloadInterface] = None
    with_vector: Optional[m.WithVector] = None
    using: Optional[str] = None
    lookup_from: Optional[m.LookupLocation] = None


class DiscoverRequestBatch(BaseModel, extra="forbid"):
    searches: List[DiscoverRequest]
