"""The FastAPI app of `rag serve`: the API under /v1, /healthz, the OpenAPI page at /docs, and
the chat page mounted at /, all over one set of knowledge bases and one answer queue.

Who is asking (rag.accounts): with no users and no --api-key, anyone, with every right, as on a
laptop. Otherwise every /v1 route wants `Authorization: Bearer KEY` (401 otherwise): the server's
--api-key (an admin) or a user's own key (`rag users key NAME`), and each caller sees and changes
only the knowledge bases their rights allow (rag.accounts.visible). The chat page logs in with a
user's name and password, or with the --api-key as the password (rag.server.login).
Every path under /v1 answers in OpenAI's error shape, an unknown one or a wrong method too, even
with the chat page mounted at / (which would otherwise take them)."""

from __future__ import annotations

import hmac
import threading
from pathlib import Path
from typing import Any, Callable, Sequence

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rag import __version__
from rag.accounts import OPEN, Accounts, Caller, Conversations, Visible
from rag.accounts.store import KEY_USER
from rag.config import Config
from rag.knowledge import DEFAULT, KnowledgeBases
from rag.server import accounts_api, errors, kb_api, login, openai_api
from rag.server.answers import AnswerQueue
from rag.server.body_limit import BodyLimit
from rag.server.jobs import Jobs
from rag.types import Answer, Citation

KEY_CALLER = KEY_USER  # who the server's own --api-key is, in the audit log and as a conversation's owner


class State:
    """What the routes share: the knowledge bases, who may use them, the answer queue, the key."""

    def __init__(self, config: Config, api_key: str = "", bases: KnowledgeBases | None = None):
        self.config = config
        self.bases = bases or KnowledgeBases(config)
        if not self.bases.exists(DEFAULT):  # `model="default"` always names a knowledge base
            self.bases.create(DEFAULT)
        self.accounts = Accounts.of(self.bases.config)
        self.conversations = Conversations(self.accounts.engine)
        self.queue = AnswerQueue()
        self.jobs = Jobs(errors.job_error)
        self.syncs: dict[str, dict] = {}  # knowledge base -> its watched folder's last sync (Sync.to_json)
        self.stop_watching = threading.Event()
        self.api_key = api_key
        self._uploads: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def uploading(self, name: str) -> threading.Lock:
        """Uploads into one knowledge base are stored and indexed one at a time."""
        with self._lock:
            return self._uploads.setdefault(name, threading.Lock())

    def guarded(self) -> bool:
        """Whether callers must say who they are: the server has a key or users."""
        return bool(self.api_key) or self.accounts.has_users()

    def authenticate(self, given: bytes) -> Caller | None:
        """Who sent the bearer token `given` (b"" for none); None when it is no one's. An open
        server takes any (OpenAI clients always send one)."""
        if not self.guarded():
            return OPEN
        if self.api_key and same_key(given, self.api_key):
            return Caller(KEY_CALLER, admin=True)
        try:
            return self.accounts.by_key(given.decode("utf-8"))
        except UnicodeDecodeError:
            return None

    def view(self, caller: Caller) -> Visible:
        return Visible(self.bases, self.accounts, caller)

    def models(self, view: Visible) -> list[tuple[str, int]]:
        return [(name, int((self.bases.root / name).stat().st_mtime)) for name in view.names()]

    def ask(
        self,
        rag: Any,
        question: str,
        history: Sequence[tuple[str, str]],
        on_token: Callable[[str], None] | None,
        should_stop: Callable[[], bool] | None = None,
        on_sources: Callable[[Sequence[Citation]], None] | None = None,
    ) -> Answer:
        """Answer with the server's settings (the chat page may have set others for its turn)."""
        rag.configure(top_k=self.config.top_k, generator=self.config.generator)
        return rag.ask(
            question, history=list(history), on_token=on_token, should_stop=should_stop, on_sources=on_sources
        )


def same_key(given: str | bytes | None, key: str) -> bool:
    """Whether `given` is the key, in constant time. Compared as bytes (UTF-8), since
    hmac.compare_digest refuses str holding anything but ASCII (a TypeError, so a 500)."""
    if given is None:
        return False
    given = given if isinstance(given, bytes) else given.encode("utf-8", "surrogatepass")
    return hmac.compare_digest(given, key.encode("utf-8"))


def _header_bytes(value: str) -> bytes:
    """A header as the client sent it: Starlette decodes header bytes as latin-1, so a UTF-8 key
    in the Authorization header comes back whole this way."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")


def _key_check(state: State):
    bearer = HTTPBearer(
        auto_error=False, description="a user's key (`rag users key NAME`) or the key `rag serve` was started with"
    )

    def check(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        caller = state.authenticate(_header_bytes(credentials.credentials) if credentials else b"")
        if caller is None:
            raise errors.ApiError(
                401,
                "missing or wrong API key: send the header 'Authorization: Bearer KEY' with "
                "your key (`rag users key NAME`) or the key `rag serve` was started with",
                "invalid_request_error",
                "invalid_api_key",
            )
        request.state.caller = caller

    return check


def create_app(config: Config, api_key: str = "", page: bool = True, bases: KnowledgeBases | None = None) -> FastAPI:
    """The whole server over `bases` (default: the knowledge bases the settings name);
    `page=False` leaves out the chat page."""
    from fastapi_offline import FastAPIOffline  # the /docs page's Swagger UI from the package, no CDN

    from rag.collections.watch import parse_watch

    parse_watch(config.watch)  # a wrong watch entry is a one-line error now, not a failed start later
    state = State(config, api_key, bases)
    app = FastAPIOffline(
        title="rag",
        version=__version__,
        docs_url="/docs",
        redoc_url=None,
        description="Cited answers from Chinese document collections. OpenAI-compatible chat "
        "under /v1 (model = knowledge base), search and knowledge bases beside it.",
    )
    app.state.rag = state
    errors.install(app)
    app.add_middleware(BodyLimit, limit=lambda: kb_api.upload_limit(state.config))
    guarded = [Depends(_key_check(state))]
    app.include_router(openai_api.router(state), prefix="/v1", tags=["OpenAI-compatible"], dependencies=guarded)
    app.include_router(kb_api.router(state), prefix="/v1", tags=["knowledge bases"], dependencies=guarded)
    app.include_router(accounts_api.router(state), prefix="/v1", tags=["conversations and audit"], dependencies=guarded)
    _no_such_route(app, guarded)  # after the routes, before the page mounted at /

    @app.get(
        "/healthz",
        tags=["health"],
        summary="Whether the server is up and its accounts database answers (503 when not); when it is open, what it serves",
    )
    def healthz():
        guarded = state.accounts.has_users() or state.guarded()  # asks the database even with an --api-key
        shown = {} if guarded else {"knowledge_bases": state.bases.names()}  # names are for those let in
        return {"status": "ok", "version": __version__, **shown}

    app.router.on_shutdown.append(state.queue.close)
    app.router.on_shutdown.append(state.jobs.close)
    app.router.on_shutdown.append(state.stop_watching.set)
    app.router.on_startup.append(lambda: start_watching(state))
    if page:
        _mount_page(app, state)
    return app


def start_watching(state: State) -> list[threading.Thread]:
    """A thread for each `watch` entry: the folder indexed into its knowledge base (created when
    missing) once, then again whenever what is in it changes; each sync recorded for the listing."""
    from rag.collections.watch import Sync, parse_watch, synced, watch

    threads = []
    for name, folder in parse_watch(state.config.watch):
        rag = state.bases.get(name) if state.bases.exists(name) else state.bases.create(name)

        def record(sync: Sync, name: str = name, folder: Path = folder) -> None:
            state.syncs[name] = {"folder": str(folder), **sync.to_json()}
            print(f"rag serve: {name} <- {folder}: {sync.error or sync.summary}", flush=True)

        def keep(rag=rag, folder=folder, record=record) -> None:
            update = lambda: rag.index([folder])  # noqa: E731
            record(synced([str(folder)], update))  # the folder as it is now, then as it changes
            watch([folder], update, record, state.stop_watching)

        thread = threading.Thread(target=keep, name=f"rag-watch-{name}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads


ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _no_such_route(app: FastAPI, dependencies: list) -> None:
    """Whatever under /v1 no route takes: a 405 naming the methods the path does take, or a 404,
    both in OpenAI's shape (the key is still asked for first); a path with a trailing slash that
    a route takes without it is redirected there, as FastAPI does."""
    from fastapi.responses import RedirectResponse
    from starlette.routing import Match, Mount

    def methods(scope, path: str) -> list[str]:
        # each route asked as the router asks it (routers included by FastAPI are nested), with
        # every method in turn; mounts (the chat page at /) take any path and are no answer
        routes = [
            r for r in app.router.routes if getattr(r, "endpoint", None) is not unknown and not isinstance(r, Mount)
        ]
        return [
            method
            for method in ALL_METHODS
            if method != "OPTIONS"
            if any(r.matches({**scope, "path": path, "method": method})[0] == Match.FULL for r in routes)
        ]

    async def unknown(request: Request):
        path = request.url.path
        if path.endswith("/") and request.method in methods(request.scope, path.rstrip("/")):
            return RedirectResponse(request.url.replace(path=path.rstrip("/")), status_code=307)
        allowed = methods(request.scope, path)
        if allowed:
            raise errors.ApiError(
                405,
                f"method {request.method} is not allowed on {path}: use {', '.join(allowed)} (see /docs)",
                headers={"Allow": ", ".join(allowed)},
            )
        raise errors.ApiError(404, f"no such route: {request.method} {path} (see /docs)", "not_found_error")

    for path in ("/v1", "/v1/{rest:path}"):
        app.add_api_route(path, unknown, methods=ALL_METHODS, include_in_schema=False, dependencies=dependencies)


def _mount_page(app: FastAPI, state: State) -> None:
    import gradio as gr

    from rag.ui.app import Access, build_app, mount_options

    def caller(request) -> Caller:
        return login.page_caller(state, request) or Caller("", admin=False)

    access = Access(
        view=lambda request: state.view(caller(request)),
        conversations=state.conversations,
        owner=lambda request: caller(request).owner(),
        logout="/logout",
        sync=state.syncs.get,
    )
    demo = build_app(state.bases, start=DEFAULT, run=state.queue.run, access=access)
    demo.queue(default_concurrency_limit=1)
    login.install(app, state)
    gr.mount_gradio_app(
        app,
        demo,
        path="/",
        auth_dependency=lambda request: login.page_user(state, request),
        **mount_options(state.config),
    )
