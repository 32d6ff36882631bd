"""Collection snapshots. Qdrant Edge has no "create snapshot" call, so a snapshot here is this
server's own archive (tar) of the flushed collection directory; recover takes those archives."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone

import anyio.to_thread
from qdrant_client.http import models as m
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from .errors import BadInput, BadRequest, FormatError, Forbidden, NotFound
from .http_util import accepted, endpoint, error, flag, ok, parse
from .registry import Registry

SUFFIX = ".snapshot"


def _registry(request: Request) -> Registry:
    return request.app.state.registry


def _dir(request: Request, name: str) -> str:
    return os.path.join(request.app.state.settings.snapshots_path, name)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _describe(path: str) -> dict[str, object]:
    checksum_file = path + ".checksum"
    checksum = open(checksum_file).read().strip() if os.path.exists(checksum_file) else _sha256(path)
    created = datetime.fromtimestamp(os.path.getmtime(path), timezone.utc).replace(tzinfo=None)
    return {
        "name": os.path.basename(path),
        "creation_time": created.isoformat(timespec="seconds"),
        "size": os.path.getsize(path),
        "checksum": checksum,
    }


def _folder(request: Request, coll_name: str) -> str:
    """Where a request's snapshots live: the collection's folder, or its shard's (`shards/0`)."""
    folder = _dir(request, coll_name)
    if "shard_id" in request.path_params:
        folder = os.path.join(folder, "shards", str(request.path_params["shard_id"]))
    return folder


def _check_shard(request: Request) -> None:
    shard = request.path_params.get("shard_id")
    if shard is not None and shard != 0:
        raise NotFound(f"Shard {shard} does not exist")


def _snapshot_path(request: Request) -> str:
    name = request.path_params["snapshot_name"]
    path = os.path.join(_folder(request, request.path_params["name"]), name)
    if "/" in name or not name.endswith(SUFFIX) or not os.path.isfile(path):
        raise NotFound(f"Snapshot {name} not found")
    return path


@endpoint
async def create(request: Request, started: float) -> Response:
    coll = _registry(request).get(request.path_params["name"])
    _check_shard(request)
    folder = _folder(request, coll.name)
    os.makedirs(folder, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d-%H-%M-%S")
    peer = request.app.state.settings.peer_id
    # Qdrant's names: `{collection}-{peer}-{time}`, a shard's `{collection}-shard-{id}-{peer}-{time}`.
    base = f"{coll.name}-shard-{request.path_params['shard_id']}" if "shard_id" in request.path_params else coll.name
    path = os.path.join(folder, f"{base}-{peer}-{stamp}{SUFFIX}")
    n = 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(folder, f"{base}-{peer}-{stamp}-{n}{SUFFIX}")
    metrics = request.app.state.metrics
    metrics.snapshots_running[coll.name] = metrics.snapshots_running.get(coll.name, 0) + 1
    try:
        await coll.call("snapshot", target=path)
    finally:
        metrics.snapshots_running[coll.name] -= 1
    metrics.snapshots_created[coll.name] = metrics.snapshots_created.get(coll.name, 0) + 1
    checksum = await anyio.to_thread.run_sync(_sha256, path)
    with open(path + ".checksum", "w") as fh:
        fh.write(checksum)
    if not flag(request, "wait", default=True):
        return accepted(started)
    return ok(_describe(path), started)


@endpoint
async def list_snapshots(request: Request, started: float) -> Response:
    coll = _registry(request).get(request.path_params["name"])
    _check_shard(request)
    folder = _folder(request, coll.name)
    names = sorted(n for n in os.listdir(folder) if n.endswith(SUFFIX)) if os.path.isdir(folder) else []
    return ok([_describe(os.path.join(folder, n)) for n in names], started)


async def download(request: Request) -> Response:
    started = time.perf_counter()
    try:
        path = _snapshot_path(request)
    except NotFound as err:
        return error(err.message, err.status, started)
    return FileResponse(path, media_type="application/octet-stream", filename=os.path.basename(path))


@endpoint
async def delete(request: Request, started: float) -> Response:
    _registry(request).get(request.path_params["name"])
    path = _snapshot_path(request)
    os.remove(path)
    if os.path.exists(path + ".checksum"):
        os.remove(path + ".checksum")
    if not flag(request, "wait", default=True):
        return accepted(started)
    return ok(True, started)


NO_CONFIG = "Snapshot does not contain a collection config (qdrant-local recovers only its own snapshots)"


def _unpack(archive: str, into: str) -> str:
    # GNU tar restores sparse files and refuses absolute and `..` member names. Its messages
    # name server-side paths, so they stay out of the answer (as Qdrant keeps its own out).
    done = subprocess.run(["tar", "-xf", archive, "-C", into, "collection"], capture_output=True, text=True)
    if done.returncode != 0:
        raise BadRequest(NO_CONFIG)
    root = os.path.join(into, "collection")
    if not os.path.isfile(os.path.join(root, "collection.json")) or not os.path.isdir(os.path.join(root, "shard")):
        raise BadRequest(NO_CONFIG)
    return root


async def _recover_from_file(request: Request, name: str, archive: str, checksum: str | None) -> None:
    if checksum is not None:
        actual = await anyio.to_thread.run_sync(_sha256, archive)
        if actual != checksum:
            raise BadRequest(f"Snapshot checksum mismatch: expected {checksum}, got {actual}")
    work = tempfile.mkdtemp(prefix="recover-", dir=request.app.state.settings.storage_path)
    try:
        root = await anyio.to_thread.run_sync(_unpack, archive, work)
        await _registry(request).replace_from_dir(name, root)
    finally:
        shutil.rmtree(work, ignore_errors=True)


INVALID_FILE_URI = "Invalid snapshot URI, file path must be absolute or on localhost"


def _local_path(request: Request, location: str) -> str | None:
    """A `file://` location as Qdrant checks it: absolute or on localhost, existing, and inside
    the snapshots directory (403 otherwise). None for http(s), which is downloaded."""
    parsed = urllib.parse.urlparse(location)
    if not parsed.scheme:
        raise FormatError("relative URL without a base")
    if parsed.scheme in ("http", "https"):
        return None
    if parsed.scheme != "file":
        raise BadRequest(f"URL {location} with schema {parsed.scheme} is not supported")
    if parsed.netloc not in ("", "localhost") or not parsed.path.startswith("/"):
        raise BadRequest(INVALID_FILE_URI)
    raw = urllib.parse.unquote(parsed.path)
    if not os.path.exists(raw):
        raise BadRequest(f'Snapshot file "{raw}" does not exist')
    path = os.path.realpath(raw)
    base = os.path.realpath(request.app.state.settings.snapshots_path)
    if not path.startswith(base + os.sep):
        raise Forbidden("Snapshot file path must be inside the snapshots directory")
    if not os.path.isfile(path):
        raise BadRequest(f'Snapshot file "{raw}" does not exist')
    return path


def _download(location: str, api_key: str | None, into: str) -> str:
    req = urllib.request.Request(location, headers={"api-key": api_key} if api_key else {})
    target = os.path.join(into, "download" + SUFFIX)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp, open(target, "wb") as out:
            shutil.copyfileobj(resp, out)
    except OSError as err:
        raise BadRequest(f"Failed to download snapshot from {location}: {err}") from None
    return target


@endpoint
async def recover(request: Request, started: float) -> Response:
    name = request.path_params["name"]
    _registry(request).path_for(name)
    if "shard_id" in request.path_params:  # a shard is recovered into its existing collection
        name = _registry(request).get(name).name
        _check_shard(request)
    req = await parse(request, m.SnapshotRecover)
    local = _local_path(request, req.location)
    if local is not None:
        await _recover_from_file(request, name, local, req.checksum)
    else:
        tmp = tempfile.mkdtemp(prefix="download-", dir=request.app.state.settings.storage_path)
        try:
            archive = await anyio.to_thread.run_sync(_download, req.location, req.api_key, tmp)
            await _recover_from_file(request, name, archive, req.checksum)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if not flag(request, "wait", default=True):
        return accepted(started)
    return ok(True, started)


@endpoint
async def upload(request: Request, started: float) -> Response:
    name = request.path_params["name"]
    _registry(request).path_for(name)
    if "shard_id" in request.path_params:
        name = _registry(request).get(name).name
        _check_shard(request)
    form = await request.form()
    part = form.get("snapshot")
    if part is None or isinstance(part, str):
        raise BadInput("multipart field `snapshot` with the snapshot file is required")
    tmp = tempfile.mkdtemp(prefix="upload-", dir=request.app.state.settings.storage_path)
    try:
        archive = os.path.join(tmp, "upload" + SUFFIX)
        with open(archive, "wb") as out:
            while chunk := await part.read(1 << 20):
                out.write(chunk)
        await _recover_from_file(request, name, archive, request.query_params.get("checksum"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not flag(request, "wait", default=True):
        return accepted(started)
    return ok(True, started)


# ---------------------------------------------------------------- full-storage snapshots


def _full_path(request: Request) -> str:
    name = request.path_params["snapshot_name"]
    path = os.path.join(request.app.state.settings.snapshots_path, name)
    if "/" in name or not name.endswith(SUFFIX) or not os.path.isfile(path):
        raise NotFound(f"Snapshot {name} not found")
    return path


@endpoint
async def create_full(request: Request, started: float) -> Response:
    """`POST /snapshots`: every collection's snapshot plus the aliases, in one archive."""
    registry = _registry(request)
    base = request.app.state.settings.snapshots_path
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d-%H-%M-%S")
    path = os.path.join(base, f"full-snapshot-{stamp}{SUFFIX}")
    n = 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(base, f"full-snapshot-{stamp}-{n}{SUFFIX}")
    work = tempfile.mkdtemp(prefix="full-", dir=request.app.state.settings.storage_path)
    try:
        os.makedirs(os.path.join(work, "collections"))
        for name, coll in sorted(registry.collections.items()):
            await coll.call("snapshot", target=os.path.join(work, "collections", f"{name}{SUFFIX}"))
        with open(os.path.join(work, "aliases.json"), "w") as fh:
            json.dump(registry.aliases, fh)
        tmp = path + ".tmp"
        await anyio.to_thread.run_sync(
            lambda: subprocess.run(["tar", "-cf", tmp, "-C", work, "aliases.json", "collections"], check=True, capture_output=True)
        )
        os.replace(tmp, path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    checksum = await anyio.to_thread.run_sync(_sha256, path)
    with open(path + ".checksum", "w") as fh:
        fh.write(checksum)
    if not flag(request, "wait", default=True):
        return accepted(started)
    return ok(_describe(path), started)


@endpoint
async def list_full(request: Request, started: float) -> Response:
    base = request.app.state.settings.snapshots_path
    names = sorted(n for n in os.listdir(base) if n.endswith(SUFFIX) and os.path.isfile(os.path.join(base, n)))
    return ok([_describe(os.path.join(base, n)) for n in names], started)


async def download_full(request: Request) -> Response:
    started = time.perf_counter()
    try:
        path = _full_path(request)
    except NotFound as err:
        return error(err.message, err.status, started)
    return FileResponse(path, media_type="application/octet-stream", filename=os.path.basename(path))


@endpoint
async def delete_full(request: Request, started: float) -> Response:
    path = _full_path(request)
    os.remove(path)
    if os.path.exists(path + ".checksum"):
        os.remove(path + ".checksum")
    if not flag(request, "wait", default=True):
        return accepted(started)
    return ok(True, started)


routes = [
    Route("/snapshots", create_full, methods=["POST"]),
    Route("/snapshots", list_full, methods=["GET"]),
    Route("/snapshots/{snapshot_name}", download_full, methods=["GET"]),
    Route("/snapshots/{snapshot_name}", delete_full, methods=["DELETE"]),
    Route("/collections/{name}/snapshots", create, methods=["POST"]),
    Route("/collections/{name}/snapshots", list_snapshots, methods=["GET"]),
    Route("/collections/{name}/snapshots/recover", recover, methods=["PUT"]),
    Route("/collections/{name}/snapshots/upload", upload, methods=["POST"]),
    Route("/collections/{name}/snapshots/{snapshot_name}", download, methods=["GET"]),
    Route("/collections/{name}/snapshots/{snapshot_name}", delete, methods=["DELETE"]),
    # Shard snapshots: one shard per collection here (id 0), archived the same way.
    Route("/collections/{name}/shards/{shard_id:int}/snapshots", create, methods=["POST"]),
    Route("/collections/{name}/shards/{shard_id:int}/snapshots", list_snapshots, methods=["GET"]),
    Route("/collections/{name}/shards/{shard_id:int}/snapshots/recover", recover, methods=["PUT"]),
    Route("/collections/{name}/shards/{shard_id:int}/snapshots/upload", upload, methods=["POST"]),
    Route("/collections/{name}/shards/{shard_id:int}/snapshots/{snapshot_name}", download, methods=["GET"]),
    Route("/collections/{name}/shards/{shard_id:int}/snapshots/{snapshot_name}", delete, methods=["DELETE"]),
]
