"""Settings from Qdrant's own environment variables (`QDRANT__SERVICE__*`, `QDRANT__STORAGE__*`),
so that a launcher starts qdrant-local and a real `qdrant` binary the same way. Flags override."""

from __future__ import annotations

import argparse
import os
import secrets
from dataclasses import dataclass

QDRANT_VERSION = "1.19.0"  # the Qdrant REST API version served (js-client checks it)
QDRANT_LOCAL_VERSION = "0.1.0"


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    api_key: str | None
    storage_path: str
    snapshots_path: str
    peer_id: int


def _peer_id(storage_path: str) -> int:
    path = os.path.join(storage_path, "peer_id")
    if os.path.exists(path):
        return int(open(path).read().strip())
    peer = secrets.randbits(52)
    with open(path, "w") as fh:
        fh.write(str(peer))
    return peer


def load(argv: list[str] | None = None) -> Settings:
    env = os.environ
    parser = argparse.ArgumentParser(prog="qdrant-local", description="Qdrant-REST-compatible server on Qdrant Edge")
    parser.add_argument("--host", default=env.get("QDRANT__SERVICE__HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("QDRANT__SERVICE__HTTP_PORT", "6333")))
    parser.add_argument("--api-key", default=env.get("QDRANT__SERVICE__API_KEY") or None)
    parser.add_argument("--storage-path", default=env.get("QDRANT__STORAGE__STORAGE_PATH", "./storage"))
    parser.add_argument("--snapshots-path", default=env.get("QDRANT__STORAGE__SNAPSHOTS_PATH"))
    args = parser.parse_args(argv)
    storage = os.path.abspath(args.storage_path)
    snapshots = os.path.abspath(args.snapshots_path or os.path.join(storage, "snapshots"))
    os.makedirs(storage, exist_ok=True)
    os.makedirs(snapshots, exist_ok=True)
    return Settings(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        storage_path=storage,
        snapshots_path=snapshots,
        peer_id=_peer_id(storage),
    )
