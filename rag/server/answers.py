"""The queue the one loaded model answers from: one question at a time, in the order they came
(a generator on a few CPU cores gains nothing from two at once, and llama.cpp is not re-entrant).
Searches and uploads never wait in it."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable

from rag.types import Answer, Citation

_DONE = object()


@dataclass(frozen=True)
class Sources:
    """The passages being read, streamed before the answer (rag.answer.extract.reading)."""

    passages: tuple[Citation, ...]


class AnswerQueue:
    def __init__(self):
        # one worker: its work queue is first in, first out
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-answer")

    def submit(self, job: Callable[[], Any]) -> Future:
        return self._pool.submit(job)

    def run(self, job: Callable[[], Any]) -> Any:
        """Run `job` in its turn and wait for it (for callers on a thread of their own)."""
        return self.submit(job).result()

    async def answer(self, ask: Callable[[Callable[[str], None] | None], Answer]) -> Answer:
        """`ask(on_token)` in its turn, without streaming."""
        return await asyncio.wrap_future(self.submit(lambda: ask(None)))

    def stream(self, ask: Callable[..., Answer]) -> AsyncIterator[str | Sources | Answer]:
        """`ask(on_token, should_stop, on_sources)` in its turn: yields the passages being read
        (Sources), each streamed piece, then the Answer (or raises what the question raised).
        When the reader stops reading (a client closed the stream), should_stop turns True: the
        model is let go, and a question still waiting its turn never starts."""
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue = asyncio.Queue()
        put = lambda item: loop.call_soon_threadsafe(pieces.put_nowait, item)  # noqa: E731
        stopped = threading.Event()
        future = self.submit(lambda: ask(put, stopped.is_set, lambda passages: put(Sources(tuple(passages)))))
        future.add_done_callback(lambda _f: put(_DONE))
        return _drain(pieces, future, stopped)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


async def _drain(
    pieces: asyncio.Queue, future: Future, stopped: threading.Event
) -> AsyncIterator[str | Sources | Answer]:
    try:
        while (item := await pieces.get()) is not _DONE:
            yield item
        yield future.result()
    finally:
        stopped.set()  # read to the end, or abandoned: either way the model may go
