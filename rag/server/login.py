"""The chat page's login: a form at /login (a user's name and password, or any name and the
server's --api-key), a session cookie that lasts `session_hours`, and /logout. Sessions are kept
in the accounts database, so a restart keeps people logged in, and a disabled user's session ends
at their next click. A server with no users and no key has no login: the page is open."""

from __future__ import annotations

import hashlib
import html
import sys

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.exc import OperationalError

from rag.accounts import Caller
from rag.accounts.store import failure

COOKIE = "rag_session"

FORM = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>登录 · rag 文档问答</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>
body{{font-family:system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;background:#f5f6fa;display:flex;
justify-content:center;align-items:center;min-height:100vh;margin:0}}
form{{background:#fff;padding:2em 2.2em;border-radius:10px;box-shadow:0 2px 12px #0002;width:19em}}
h1{{font-size:1.25em;margin:0 0 1em}} label{{display:block;margin:.8em 0 .3em;color:#333}}
input{{width:100%;box-sizing:border-box;padding:.55em;border:1px solid #ccd;border-radius:6px;font-size:1em}}
button{{margin-top:1.3em;width:100%;padding:.6em;background:#4f46e5;color:#fff;border:0;border-radius:6px;font-size:1em}}
.problem{{color:#b91c1c;margin:.5em 0 0}} .hint{{color:#667;font-size:.85em;margin-top:1em}}</style></head>
<body><form method="post" action="/login"><h1>rag 文档问答 · 登录</h1>
<label for="username">用户名</label><input id="username" name="username" autocomplete="username" autofocus value="{name}">
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password">
{problem}<button type="submit" id="login">登录</button>
<p class="hint">没有账号？请管理员用 <code>rag users add 用户名</code> 添加。</p></form></body></html>"""


def _key_digest(state) -> str:
    return hashlib.sha256(state.api_key.encode("utf-8")).hexdigest() if state.api_key else ""


def page_caller(state, request: Request) -> Caller | None:
    """Who the page's request comes from: anyone on an open server, else the session's user."""
    from rag.accounts import OPEN

    if not state.guarded():
        return OPEN
    return state.accounts.session(request.cookies.get(COOKIE, ""), _key_digest(state))


def page_user(state, request: Request) -> str | None:
    """Gradio's auth_dependency: the user's name, or None (the page answers 401)."""
    caller = page_caller(state, request)
    return None if caller is None else caller.name


def _check(state, name: str, password: str) -> tuple[Caller | None, str]:
    """The caller these credentials prove, and the key digest their session depends on."""
    from rag.server.app import KEY_CALLER, same_key

    caller = state.accounts.by_password(name, password) if name else None
    if caller is None and state.api_key and same_key(password.encode("utf-8", "surrogatepass"), state.api_key):
        return Caller(name or KEY_CALLER, admin=True), _key_digest(state)
    return caller, ""


WRONG = "用户名或密码不对，或账号已停用。"


def _problem(text: str) -> str:
    return f'<p class="problem" id="login-problem">{text}</p>'


def _unavailable(exc: OperationalError, name: str = "") -> HTMLResponse:
    """The login page saying the accounts database is down (503); the operator gets one line."""
    print(f"rag serve: login: the accounts database failed: {failure(exc)}", file=sys.stderr)
    return HTMLResponse(FORM.format(name=name, problem=_problem("账号库暂时无法连接，请稍后再试。")), status_code=503)


def install(app: FastAPI, state) -> None:
    """The /login and /logout routes, and the page's address sending the logged-out to /login."""

    @app.middleware("http")
    async def to_login(request: Request, call_next):
        try:
            if (
                request.method == "GET"
                and request.url.path == "/"
                and state.guarded()
                and page_caller(state, request) is None
            ):
                return RedirectResponse("/login", status_code=303)
        except OperationalError as exc:  # raised in a middleware, it would miss the app's handlers
            return _unavailable(exc)
        return await call_next(request)

    @app.get("/login", include_in_schema=False)
    def form():
        return HTMLResponse(FORM.format(name="", problem=""))

    @app.post("/login", include_in_schema=False)
    def login(username: str = Form(""), password: str = Form("")):
        name = username.strip()
        try:
            caller, key_digest = _check(state, name, password)
            if caller is None:
                return HTMLResponse(FORM.format(name=html.escape(name), problem=_problem(WRONG)), status_code=401)
            hours = state.config.session_hours
            token = state.accounts.start_session(caller, hours, key_digest)
            state.accounts.record(caller.name, "login", "chat page")
        except OperationalError as exc:
            return _unavailable(exc, html.escape(name))
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, token, max_age=int(hours * 3600), httponly=True, samesite="lax")
        return response

    @app.get("/logout", include_in_schema=False)
    def logout(request: Request):
        state.accounts.end_session(request.cookies.get(COOKIE, ""))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response
