"""A request body is bounded before the app reads it: one whose Content-Length is over the limit
is refused at once, and one that does not say (a chunked upload) is cut off at the limit as it
arrives; either is a 413, instead of being spooled to disk whole before the per-file checks see
it (a route's own code runs only once its form is read)."""

from __future__ import annotations

import json
from typing import Any, Callable

from rag.server.errors import HTTP_CODES, HTTP_TYPES, error_body


class BodyTooLarge(Exception):
    """Raised into the app's body reading once the body passes the limit."""


class BodyLimit:
    """ASGI middleware: at most `limit()` bytes of body per request (read per request, so a
    settings change applies to the next one)."""

    def __init__(self, app: Any, limit: Callable[[], float]):
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, seen, over, started = self.limit(), 0, False, False
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return

        async def bounded_receive() -> dict:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise BodyTooLarge(f"the request body is over {limit / 1e6:,.0f} MB")
            return message

        async def checked_send(message: dict) -> None:
            nonlocal started
            if over and message["type"] == "http.response.start":
                started = True  # the app's own answer to the cut-off body is replaced by ours
                await _too_large(send, limit)
                return
            if over and started:
                return
            await send(message)

        try:
            await self.app(scope, bounded_receive, checked_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


async def _too_large(send: Callable, limit: float) -> None:
    body = json.dumps(
        error_body(
            f"the request body is over {limit / 1e6:,.0f} MB (setting max_file_mb, times the files an upload may hold)",
            HTTP_TYPES[413],
            HTTP_CODES[413],
        )
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
