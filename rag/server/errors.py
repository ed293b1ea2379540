"""Every error as OpenAI shapes it, `{"error": {"message", "type", "code"}}`, with a status that
says whose fault it is: a bad request is a 4xx naming what to change, never a traceback."""

from __future__ import annotations

import sys
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from rag.accounts import AccountError, NotAllowed, UnknownConversation
from rag.accounts.store import failure
from rag.collections.uploads import TooLarge, UnknownDocument, UnsupportedType
from rag.errors import ConfigError, GenerationError, LoadError, ModelError, NoIndexError, RagError, RagIndexError
from rag.knowledge import KnowledgeBaseExists, UnknownKnowledgeBase
from rag.server.jobs import UnknownJob

# most specific first: the first class an error is an instance of gives its status, its type
# and its `code`. Messages are English and may be reworded; a client branches on the code, which
# stays as it is (the README lists them).
STATUS = (
    (UnknownKnowledgeBase, 404, "not_found_error", "unknown_knowledge_base"),
    (UnknownDocument, 404, "not_found_error", "unknown_document"),
    (UnknownJob, 404, "not_found_error", "unknown_job"),
    (UnknownConversation, 404, "not_found_error", "unknown_conversation"),
    (NotAllowed, 403, "permission_error", "not_allowed"),
    (AccountError, 400, "invalid_request_error", "bad_account"),
    (KnowledgeBaseExists, 409, "conflict_error", "knowledge_base_exists"),
    (TooLarge, 413, "invalid_request_error", "file_too_large"),
    (UnsupportedType, 415, "invalid_request_error", "unsupported_file_type"),
    (NoIndexError, 409, "index_error", "no_index"),
    (RagIndexError, 409, "index_error", "index_unusable"),
    (ModelError, 503, "model_error", "model_unavailable"),
    (GenerationError, 503, "model_error", "generation_failed"),
    (ConfigError, 400, "invalid_request_error", "invalid_setting"),
    (LoadError, 400, "invalid_request_error", "unreadable_file"),
    (RagError, 400, "invalid_request_error", "bad_request"),
)
HTTP_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
}
HTTP_CODES = {
    400: "invalid_request",
    401: "invalid_api_key",
    404: "unknown_route",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
}


class ApiError(Exception):
    """A refusal the shell itself makes (no key, too large a request)."""

    def __init__(
        self,
        status: int,
        message: str,
        kind: str = "invalid_request_error",
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.kind, self.code = status, message, kind, code or HTTP_CODES.get(status)
        self.headers = headers


def error_body(message: str, kind: str, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def error_response(
    status: int, message: str, kind: str, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    headers = {**({"WWW-Authenticate": "Bearer"} if status == 401 else {}), **(headers or {})}
    return JSONResponse(error_body(message, kind, code), status_code=status, headers=headers or None)


def status_of(exc: RagError) -> tuple[int, str, str]:
    """(HTTP status, OpenAI error type, our stable code) of one of our errors."""
    for cls, status, kind, code in STATUS:
        if isinstance(exc, cls):
            return status, kind, code
    return 400, "invalid_request_error", "bad_request"


def job_error(exc: Exception) -> tuple[str, str]:
    """(message, code) of an indexing job that failed; a bug's traceback goes to the operator."""
    if isinstance(exc, RagError):
        return str(exc), status_of(exc)[2]
    traceback.print_exception(exc, file=sys.stderr)
    return f"internal error while indexing: {type(exc).__name__}", "internal_error"


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for problem in exc.errors()[:3]:
        where = ".".join(str(p) for p in problem.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {problem.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_request: Request, exc: ApiError):
        return error_response(exc.status, exc.message, exc.kind, exc.code, exc.headers)

    @app.exception_handler(RagError)
    async def _rag(_request: Request, exc: RagError):
        status, kind, code = status_of(exc)
        return error_response(status, str(exc), kind, code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        return error_response(400, _validation_message(exc), "invalid_request_error", "invalid_request")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException):
        message = exc.detail if isinstance(exc.detail, str) else f"{request.method} {request.url.path}"
        if exc.status_code == 404:
            message = f"no such route: {request.method} {request.url.path} (see /docs)"
        return error_response(
            exc.status_code,
            message,
            HTTP_TYPES.get(exc.status_code, "invalid_request_error"),
            HTTP_CODES.get(exc.status_code, "invalid_request"),
        )

    @app.exception_handler(OperationalError)
    async def _database(request: Request, exc: OperationalError):
        # the accounts database is down or locked too long: not a bug, and not the client's
        # fault; a load balancer retries elsewhere. The operator gets the cause in one line.
        print(f"rag serve: {request.url.path}: the accounts database failed: {failure(exc)}", file=sys.stderr)
        return error_response(
            503,
            "the accounts database is unavailable; try again shortly",
            "server_error",
            "database_unavailable",
            {"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):
        # a bug, not the client's fault: the operator gets the traceback, the client one line
        traceback.print_exception(exc, file=sys.stderr)
        return error_response(
            500,
            f"internal error while serving {request.url.path}: {type(exc).__name__}",
            "server_error",
            "internal_error",
        )
