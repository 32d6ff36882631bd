"""`python -m qdrant_local [--host H --port P --api-key K --storage-path S --snapshots-path D]`
(or Qdrant's QDRANT__SERVICE__* / QDRANT__STORAGE__* variables)."""

from __future__ import annotations

import sys


def main() -> None:
    import uvicorn

    from .app import build
    from .settings import load

    settings = load()
    print(
        f"qdrant-local listening on http://{settings.host}:{settings.port} storage={settings.storage_path}",
        flush=True,
    )
    uvicorn.run(
        build(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    sys.exit(main())
