"""The comparison leg of `npm run bench:engine`: Python's qdrant-client uploads the same points
(float32 vectors + JSON payloads written by the Node side) and prints its figures as JSON.

Usage: python python_upload.py URL COLLECTION VECTORS.f32 PAYLOADS.jsonl DIM BATCH [API_KEY env QDRANT_API_KEY]
"""

import json
import os
import sys
import time

import numpy as np
from qdrant_client import QdrantClient, models


def main() -> None:
    url, collection, vectors_path, payloads_path, dim, batch = sys.argv[1:7]
    dim, batch = int(dim), int(batch)
    vectors = np.fromfile(vectors_path, dtype=np.float32).reshape(-1, dim)
    with open(payloads_path) as fh:
        payloads = [json.loads(line) for line in fh]
    client = QdrantClient(url=url, api_key=os.environ.get("QDRANT_API_KEY") or None, timeout=600, check_compatibility=False)
    if client.collection_exists(collection):
        client.delete_collection(collection)
    client.create_collection(collection, vectors_config=models.VectorParams(size=dim, distance=models.Distance.COSINE))
    started = time.perf_counter()
    client.upload_collection(collection, vectors=vectors, payload=payloads, ids=range(len(vectors)), batch_size=batch, parallel=1, wait=True)
    seconds = time.perf_counter() - started
    count = client.count(collection, exact=True).count
    client.delete_collection(collection)
    print(json.dumps({"points": len(vectors), "counted": count, "seconds": seconds, "pointsPerSecond": len(vectors) / seconds}))


if __name__ == "__main__":
    main()
