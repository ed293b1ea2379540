"""Running the app on uvicorn: in the foreground (`rag serve`) or in a thread (tests, benches)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uvicorn

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Running:
    """A server started in a thread; `stop()` ends it."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _server(app, host: str, port: int) -> uvicorn.Server:
    import uvicorn

    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=2, lifespan="on"
    )
    return uvicorn.Server(config)


def _bound(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a taken port is an OSError, not an exit. Made
    with proto IPPROTO_TCP, or asyncio leaves Nagle on for its connections and every response
    waits 40 ms for a delayed ACK between its headers and its body."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


def start(app, host: str = "127.0.0.1", port: int = 0, timeout: float = 60.0) -> Running:
    """Serve `app` from a thread; port 0 takes a free port. Returns once it accepts connections."""
    sock = _bound(host, port)
    server = _server(app, host, sock.getsockname()[1])
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="rag-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    shown = f"[{host}]" if ":" in host else host
    return Running(f"http://{shown}:{sock.getsockname()[1]}", server, thread)


def serve_forever(app, host: str, port: int) -> None:
    sock = _bound(host, port)
    _server(app, host, port).run(sockets=[sock])
