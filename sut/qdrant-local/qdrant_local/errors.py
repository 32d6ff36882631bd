"""Qdrant's error kinds: HTTP status plus the message prefix Qdrant puts in front of the detail."""

from __future__ import annotations

import sys
import traceback


class QdrantError(Exception):
    status = 500
    prefix = "Service internal error: "

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def message(self) -> str:
        return f"{self.prefix}{self.detail}"


class BadInput(QdrantError):
    status = 400
    prefix = "Wrong input: "


class BadRequest(QdrantError):
    status = 400
    prefix = "Bad request: "


class FormatError(QdrantError):
    status = 400
    prefix = "Format error in JSON body: "


class ValidationFailed(QdrantError):
    status = 422
    prefix = "Validation error in JSON body: "


class PathValidationFailed(QdrantError):
    status = 422
    prefix = "Validation error in path parameters: "


class QueryValidationFailed(QdrantError):
    status = 422
    prefix = "Validation error in query parameters: "


class Forbidden(QdrantError):
    status = 403
    prefix = "Forbidden: "


class MethodNotAllowed(QdrantError):
    status = 405
    prefix = "Method not allowed: "


class Locked(QdrantError):
    """A write while `POST /locks` holds the write lock: 403 with the lock's message."""

    status = 403
    prefix = "Forbidden: "


class NotFound(QdrantError):
    status = 404
    prefix = "Not found: "


class AlreadyExists(QdrantError):
    status = 409
    prefix = "Wrong input: "


class Unsupported(QdrantError):
    """A valid Qdrant request that this stand-in does not serve (never silently ignored)."""

    status = 400
    prefix = "Bad request: "

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not supported by qdrant-local")


def collection_not_found(name: str) -> NotFound:
    return NotFound(f"Collection `{name}` doesn't exist!")


INVALID_PATH = "invalid JSON path "
UNEXPECTED = "unexpected error while processing the request; the server log has the details"


def unexpected(err: BaseException) -> QdrantError:
    """A fault of this server (a Python or pyo3 conversion error), never the caller's: logged with
    its traceback, answered 500 without its text (type names and tracebacks stay in the log)."""
    traceback.print_exception(err, file=sys.stderr)
    return QdrantError(UNEXPECTED)


def from_engine(err: BaseException) -> QdrantError:
    """Map an engine exception onto Qdrant's kinds. The engine's own errors are plain
    `Exception(str)`, its argument checks `ValueError` (`invalid JSON path …`, `Validation failed: …`);
    anything else (a pyo3 `TypeError`, an `OverflowError`, a `KeyError`) is a fault of this server."""
    text = str(err)
    if isinstance(err, ValueError) and text.startswith(INVALID_PATH):
        # Qdrant's parser is the same (its `JsonPath` deserializer); Qdrant refuses the key while
        # it reads the body: 400 `Format error in JSON body: Invalid json path: '…'`.
        return FormatError(f"Invalid json path: '{text[len(INVALID_PATH):]}'")
    if type(err) not in (Exception, ValueError):
        return unexpected(err)
    lowered = text.lower()
    if lowered.startswith("wrong input: "):
        return BadInput(text[len("wrong input: "):])
    if (
        "dimension error" in lowered
        or "bad input" in lowered
        or "type error" in lowered
        or "validation" in lowered
        or "not existing vector name" in lowered
    ):
        return BadInput(text)
    if lowered.startswith("no point with id") and not lowered.endswith("found"):
        return NotFound(f"{text} found")  # Qdrant's words: `No point with id 7 found`
    if "not found" in lowered or "no point with id" in lowered:
        return NotFound(text)
    # The engine's "create an index first" family (facet, order_by, ...) is the caller's to fix.
    if "please create one" in lowered or "no appropriate index" in lowered or "index required" in lowered:
        return BadRequest(text)
    return QdrantError(text)
