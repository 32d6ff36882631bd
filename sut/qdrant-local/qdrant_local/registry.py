"""The collections on disk and the worker process that holds each one's shard.

Layout: `<storage>/collections/<name>/collection.json` (Qdrant's `CollectionConfig` as the
client gave it, defaults filled in) and `<storage>/collections/<name>/shard/` (the EdgeShard).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import re
import shutil
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Any

import anyio.to_thread
import orjson
from qdrant_client.http import models as m

from . import errors
from .worker import worker_main

_ERRORS = {cls.__name__: cls for cls in (
    errors.QdrantError, errors.BadInput, errors.BadRequest, errors.NotFound, errors.AlreadyExists,
    errors.Unsupported, errors.FormatError, errors.ValidationFailed, errors.PathValidationFailed,
)}
MAX_NAME = 255
# A data call for a collection that start-up is still opening waits this long for it, then
# answers 503. Opening takes a worker start (Python imports, ~1-2 s) plus the shard load.
LOAD_WAIT_S = 60.0
NAME_RE = re.compile(r"^[^/\\:*?\"<>|\x00-\x1f\x7f]{1,255}$")


class Worker:
    """The parent's end of one collection's worker process. Blocking: call from a thread."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self.optimizing = ctx.Value("b", 0, lock=False)
        self.proc = ctx.Process(target=worker_main, args=(child, self.optimizing), daemon=True)
        self.proc.start()
        child.close()

    def open(self, coll_dir: str, config: m.CollectionConfig, create: bool) -> None:
        try:
            self._conn.send(("open", coll_dir, config.model_dump_json(), create))
            reply = self._conn.recv()
        except (EOFError, BrokenPipeError):
            raise errors.QdrantError(f"collection worker for {coll_dir} exited at start") from None
        if reply[0] != "ok":
            self.proc.join(5)
            raise errors.QdrantError(reply[2])

    def call(self, op: str, **kwargs: Any) -> Any:
        try:
            self._conn.send((op, kwargs))
            reply = self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            raise errors.QdrantError("collection worker stopped unexpectedly") from None
        if reply[0] == "ok":
            return reply[1]
        _, kind, detail = reply
        cls = _ERRORS.get(kind, errors.QdrantError)
        err = cls.__new__(cls)
        errors.QdrantError.__init__(err, detail)
        raise err

    def alive(self) -> bool:
        return self.proc.is_alive()

    def discard(self) -> None:
        """Stop a spare that never opened a collection."""
        self._conn.close()
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)

    def close(self) -> None:
        if self.proc.is_alive():
            try:
                self.call("close")
            except errors.QdrantError:
                pass
            self.proc.join(30)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)


class Spares:
    """One worker process started ahead of need (imports done), replaced as soon as it is taken."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spare: Worker | None = None
        self._closed = False

    def warm(self) -> None:
        with self._lock:
            if self._spare is None and not self._closed:
                self._spare = Worker()

    def take(self) -> Worker:
        with self._lock:
            worker, self._spare = self._spare, None
        if worker is None or not worker.alive():
            worker = Worker()
        threading.Thread(target=self.warm, daemon=True).start()
        return worker

    def close(self) -> None:
        with self._lock:
            self._closed = True
            spare, self._spare = self._spare, None
        if spare is not None:
            spare.discard()


SPARES = Spares()


class ShardNotReady(errors.QdrantError):
    status = 503
    prefix = "Service unavailable: "


class Collection:
    def __init__(self, name: str, coll_dir: str, config: m.CollectionConfig, created_at: str, loaded: bool = True) -> None:
        self.name = name
        self.dir = coll_dir
        self.config = config
        self.created_at = created_at
        # Payload index parameters as the client gave them (Qdrant reports them in payload_schema).
        self.index_params: dict[str, Any] = {}
        # Field name -> index type of every payload index (for `/issues`).
        self.indexed: dict[str, str] = {}
        self.lock = asyncio.Lock()
        self.worker: Worker | None = None
        self.last_info: dict[str, Any] | None = None
        # Set when the collection is deleted or replaced while requests still wait on `lock`.
        self.gone = False
        # Collections found on disk at start-up are opened in the background (`Registry.load_all`):
        # "loading" until the first attempt ends, then "ok" or "failed" (a later call retries).
        self.load_state = "ok" if loaded else "loading"
        self.load_error: str | None = None
        self.load_attempted = asyncio.Event()
        if loaded:
            self.load_attempted.set()
        # Qdrant's `has_triggered_optimizers`: it does not start optimizers on a shard loaded at
        # start-up (no OOM crash loop) and reports `grey` until an update operation or a config
        # PATCH triggers them. Edge cannot tell whether a loaded shard needs optimising without
        # running `optimize()`, so every collection opened from disk at start-up counts as pending.
        self.optimizers_triggered = loaded

    @property
    def optimizing(self) -> bool:
        return self.worker is not None and bool(self.worker.optimizing.value)

    def _ensure_worker(self, create: bool = False) -> Worker:
        if self.worker is None or not self.worker.alive():
            worker = SPARES.take()
            try:
                worker.open(self.dir, self.config, create)
            except Exception:
                worker.discard()
                raise
            self.worker = worker
        return self.worker

    async def call(self, op: str, **kwargs: Any) -> Any:
        if not self.load_attempted.is_set():
            try:
                await asyncio.wait_for(self.load_attempted.wait(), LOAD_WAIT_S)
            except asyncio.TimeoutError:
                raise ShardNotReady(f"collection `{self.name}` is still loading, retry later") from None
        async with self.lock:
            if self.gone:
                raise errors.collection_not_found(self.name)
            if self.load_state != "ok":
                # The start-up load failed: try again, and leave the failed state on success.
                await anyio.to_thread.run_sync(self._ensure_worker)
                self._loaded()
            result = await anyio.to_thread.run_sync(lambda: self._ensure_worker().call(op, **kwargs))
            if op == "update":
                self.optimizers_triggered = True
            return result

    async def start(self, create: bool) -> None:
        async with self.lock:
            if self.gone:
                return
            await anyio.to_thread.run_sync(lambda: self._ensure_worker(create))

    async def load(self) -> None:
        """Open a collection found on disk at start-up; a failure is logged and kept in `load_state`."""
        started = time.monotonic()
        try:
            await self.start(create=False)
        except Exception as err:  # noqa: BLE001 — reported in the log and by /readyz
            self.load_state = "failed"
            self.load_error = str(err)
            print(
                f"qdrant-local: ERROR collection `{self.name}` failed to load: {err} "
                f"(/readyz answers 503 until it loads on a later call or is deleted)",
                file=sys.stderr,
                flush=True,
            )
        else:
            if not self.gone:
                self._loaded()
                print(f"qdrant-local: collection `{self.name}` loaded in {time.monotonic() - started:.1f} s", flush=True)
        finally:
            self.load_attempted.set()

    def _loaded(self) -> None:
        if self.load_state == "failed":
            print(f"qdrant-local: collection `{self.name}` loaded after an earlier failure", flush=True)
        self.load_state = "ok"
        self.load_error = None

    async def stop(self) -> None:
        """Close the worker (flushes the shard). Caller holds `lock`."""
        self.gone = True
        if self.worker is not None:
            worker, self.worker = self.worker, None
            await anyio.to_thread.run_sync(worker.close)

    def set_index_meta(self, meta: dict[str, Any]) -> None:
        self.index_params = meta["index_params"]
        self.indexed = meta["indexed"]

    def save_meta(self) -> None:
        meta = {
            "config": self.config.model_dump(mode="json"),
            "created_at": self.created_at,
            "index_params": self.index_params,
            "indexed": self.indexed,
        }
        tmp = os.path.join(self.dir, "collection.json.tmp")
        with open(tmp, "wb") as fh:
            fh.write(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
        os.replace(tmp, os.path.join(self.dir, "collection.json"))


def check_name(name: str) -> None:
    if not name:
        raise errors.PathValidationFailed("[collection_name: length must be between 1 and 255]")
    if len(name) > MAX_NAME:
        raise errors.PathValidationFailed(f"[collection_name: length must be at most {MAX_NAME}]")
    if not NAME_RE.match(name) or name in (".", ".."):
        raise errors.PathValidationFailed(f"[collection_name: `{name}` is not a valid collection name]")


def load_meta(coll_dir: str) -> tuple[m.CollectionConfig, str, dict[str, Any]]:
    with open(os.path.join(coll_dir, "collection.json"), "rb") as fh:
        meta = orjson.loads(fh.read())
    params = {"index_params": meta.get("index_params") or {}, "indexed": meta.get("indexed") or {}}
    return m.CollectionConfig.model_validate(meta["config"]), meta.get("created_at") or now_iso(), params


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


class Registry:
    def __init__(self, storage_path: str) -> None:
        self.root = os.path.join(storage_path, "collections")
        os.makedirs(self.root, exist_ok=True)
        self.collections: dict[str, Collection] = {}
        # Create/delete/recover change the set of names; a plain lock keeps them atomic.
        self.names_lock = asyncio.Lock()
        self._close_lock = threading.Lock()
        self._aliases_path = os.path.join(storage_path, "aliases.json")
        self.aliases: dict[str, str] = {}
        if os.path.exists(self._aliases_path):
            with open(self._aliases_path, "rb") as fh:
                self.aliases = orjson.loads(fh.read())
        for name in sorted(os.listdir(self.root)):
            coll_dir = os.path.join(self.root, name)
            if os.path.exists(os.path.join(coll_dir, "collection.json")) and os.path.isdir(os.path.join(coll_dir, "shard")):
                config, created_at, index_meta = load_meta(coll_dir)
                self.collections[name] = Collection(name, coll_dir, config, created_at, loaded=False)
                self.collections[name].set_index_meta(index_meta)

    async def load_all(self) -> None:
        """Start-up: open every collection found on disk, a few at a time (each in its own worker)."""
        pending = [c for c in self.collections.values() if c.load_state == "loading"]
        if not pending:
            return
        started = time.monotonic()
        limit = asyncio.Semaphore(max(2, os.cpu_count() or 1))

        async def one(coll: Collection) -> None:
            async with limit:
                await coll.load()

        await asyncio.gather(*(one(c) for c in pending))
        failed = sorted(c.name for c in pending if c.load_state == "failed")
        print(
            f"qdrant-local: opened {len(pending) - len(failed)} of {len(pending)} collections in {time.monotonic() - started:.1f} s"
            + (f"; failed: {', '.join(failed)}" if failed else ""),
            file=sys.stderr if failed else sys.stdout,
            flush=True,
        )

    def not_ready(self) -> list[str]:
        """Collections whose shard is not open yet (loading, or failed to load)."""
        return sorted(name for name, c in self.collections.items() if c.load_state != "ok")

    def get(self, name: str) -> Collection:
        """A collection by its name or by one of its aliases."""
        check_name(name)
        coll = self.collections.get(name) or self.collections.get(self.aliases.get(name, ""))
        if coll is None:
            raise errors.collection_not_found(name)
        return coll

    def _save_aliases(self) -> None:
        tmp = self._aliases_path + ".tmp"
        with open(tmp, "wb") as fh:
            fh.write(orjson.dumps(self.aliases))
        os.replace(tmp, self._aliases_path)

    async def change_aliases(self, actions: list[Any]) -> None:
        """Qdrant's alias actions, applied in order and all or nothing."""
        async with self.names_lock:
            aliases = dict(self.aliases)
            for action in actions:
                if isinstance(action, m.CreateAliasOperation):
                    alias, target = action.create_alias.alias_name, action.create_alias.collection_name
                    check_name(alias)
                    if target not in self.collections:
                        raise errors.collection_not_found(target)
                    if alias in self.collections:
                        raise errors.AlreadyExists(f"Collection `{alias}` already exists!")
                    aliases[alias] = target
                elif isinstance(action, m.DeleteAliasOperation):
                    alias = action.delete_alias.alias_name
                    if aliases.pop(alias, None) is None:
                        raise errors.NotFound(f"Alias {alias} does not exists!")
                elif isinstance(action, m.RenameAliasOperation):
                    old, new = action.rename_alias.old_alias_name, action.rename_alias.new_alias_name
                    check_name(new)
                    if old not in aliases:
                        raise errors.NotFound(f"Alias {old} does not exists!")
                    if new in self.collections:
                        raise errors.AlreadyExists(f"Collection `{new}` already exists!")
                    aliases[new] = aliases.pop(old)
            self.aliases = aliases
            self._save_aliases()

    def path_for(self, name: str) -> str:
        check_name(name)
        return os.path.join(self.root, name)

    async def create(self, name: str, config: m.CollectionConfig) -> Collection:
        coll_dir = self.path_for(name)
        async with self.names_lock:
            if name in self.collections:
                raise errors.AlreadyExists(f"Collection `{name}` already exists!")
            if name in self.aliases:
                raise errors.BadInput(f"Can't create collection with name {name}. Alias with the same name already exists")
            shutil.rmtree(coll_dir, ignore_errors=True)
            os.makedirs(coll_dir)
            coll = Collection(name, coll_dir, config, now_iso())
            coll.save_meta()
            try:
                await coll.start(create=True)
            except Exception:
                shutil.rmtree(coll_dir, ignore_errors=True)
                raise
            self.collections[name] = coll
            return coll

    async def delete(self, name: str) -> bool:
        async with self.names_lock:
            coll = self.collections.pop(name, None)
            if coll is None:
                return False
            if any(target == name for target in self.aliases.values()):
                self.aliases = {a: t for a, t in self.aliases.items() if t != name}
                self._save_aliases()
            async with coll.lock:
                await coll.stop()
                await anyio.to_thread.run_sync(lambda: shutil.rmtree(coll.dir, ignore_errors=True))
            return True

    async def replace_from_dir(self, name: str, source_dir: str) -> None:
        """Recover: swap the collection's directory for an unpacked snapshot and reopen it."""
        coll_dir = self.path_for(name)
        config, created_at, index_meta = load_meta(source_dir)
        async with self.names_lock:
            old = self.collections.pop(name, None)
            if old is not None:
                async with old.lock:
                    await old.stop()
            shutil.rmtree(coll_dir, ignore_errors=True)
            shutil.move(source_dir, coll_dir)
            coll = Collection(name, coll_dir, config, created_at)
            coll.set_index_meta(index_meta)
            await coll.start(create=False)
            self.collections[name] = coll

    def close_all(self) -> None:
        SPARES.close()
        with self._close_lock:
            for coll in self.collections.values():
                if coll.worker is not None:
                    coll.worker.close()
                    coll.worker = None
