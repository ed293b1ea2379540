"""Folders that keep an index current: after the files under them change, are added or removed,
and the changes have settled, the index is brought up to date with them (incrementally and
atomically, as `rag index` does; searches meanwhile use the index as it was).

`watchfiles` reports changes; a burst of them (a copy of many files, an editor's save dance) is
gathered into one update, and a file still being written (its size or time still moving) is waited
for, so nothing is read half-way."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from rag.errors import ConfigError, RagError

SETTLE_S = 1.0  # a file is read once its size and time have not moved for this long
DEBOUNCE_MS = 800  # changes closer together than this are one burst


@dataclass
class Sync:
    """One update of a watched index: when, what changed, what it gave."""

    finished: float
    changed: tuple[str, ...]
    summary: str = ""
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "finished": int(self.finished),
            "changed": list(self.changed),
            "summary": self.summary,
            "warnings": self.warnings,
            "error": self.error,
        }


def parse_watch(setting: str) -> list[tuple[str, Path]]:
    """The `watch` setting, `NAME=FOLDER` entries separated by `;` (a knowledge base kept in step
    with a folder), as (name, folder) pairs; each folder must exist."""
    pairs = []
    for entry in filter(None, (e.strip() for e in setting.split(";"))):
        name, sep, folder = entry.partition("=")
        if not sep or not name.strip() or not folder.strip():
            raise ConfigError(f"watch entry '{entry}': write KNOWLEDGE_BASE=FOLDER (entries separated by ;)")
        path = Path(folder.strip()).expanduser()
        if not path.is_dir():
            raise ConfigError(f"watch entry '{entry}': {path} is not a folder")
        pairs.append((name.strip(), path))
    return pairs


def settled(paths: Iterable[Path], settle_s: float = SETTLE_S, stop: threading.Event | None = None) -> None:
    """Return once none of `paths` has changed size or time for `settle_s` seconds (a file still
    being copied or written keeps the wait going)."""
    paths = list(paths)
    before = _stamps(paths)
    while not (stop and stop.is_set()):
        time.sleep(settle_s)
        now = _stamps(paths)
        if now == before:
            return
        before = now


def _stamps(paths: Sequence[Path]) -> list[tuple[int, int] | None]:
    stamps: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            st = path.stat()
            stamps.append((st.st_size, st.st_mtime_ns))
        except OSError:
            stamps.append(None)  # gone (or going): the update will see it removed
    return stamps


def watch(
    folders: Sequence[Path],
    update: Callable[[], Any],
    on_sync: Callable[[Sync], None] | None = None,
    stop: threading.Event | None = None,
    settle_s: float = SETTLE_S,
) -> None:
    """Call `update()` (an incremental index of `folders`, returning its IndexReport) after each
    settled burst of changes under them, until `stop` is set (or Ctrl-C). A failed update is
    reported and the watching goes on (the previous index stays in use)."""
    from watchfiles import watch as changes_of

    for batch in changes_of(*folders, debounce=DEBOUNCE_MS, stop_event=stop, raise_interrupt=False):
        changed = sorted({path for _change, path in batch})
        settled([Path(p) for p in changed], settle_s, stop)
        if stop is not None and stop.is_set():
            return
        sync = synced(changed, update)
        if on_sync is not None:
            on_sync(sync)


def synced(changed: Sequence[str], update: Callable[[], Any]) -> Sync:
    """Run `update()` (an incremental index, returning its IndexReport) and say how it went."""
    sync = Sync(0.0, tuple(changed))
    try:
        report = update()
        sync.summary, sync.warnings = report.summary(), list(report.warnings)
    except RagError as exc:
        sync.error = str(exc)
    sync.finished = time.time()
    return sync
