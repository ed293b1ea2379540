"""Publishing an index folder atomically: build in a hidden sibling, then swap it into place.

A build that fails or is killed midway leaves the previous index untouched. The swap is two
renames (old -> backup, staged -> target); if a crash falls between them, the next load renames
the backup back, so some complete index is always found at the target path.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path
from typing import Iterator

from rag.errors import RagIndexError


def _sibling(target: Path, suffix: str) -> Path:
    return target.with_name(f".{target.name}.{suffix}")


def recover(target: Path) -> None:
    """Finish or undo a swap that was interrupted between its two renames."""
    backup = _sibling(target, "old")
    if backup.is_dir() and not target.exists():
        os.rename(backup, target)


@contextlib.contextmanager
def exclusive(target: Path) -> Iterator[None]:
    """One writer per index; a second one is told to wait rather than silently racing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(_sibling(target, "lock"), "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RagIndexError(f"index {target} is being updated by another process: retry when it finishes") from None
        recover(target)
        for stale in target.parent.glob(f".{target.name}.tmp-*"):  # left by a killed build
            shutil.rmtree(stale, ignore_errors=True)
        yield


@contextlib.contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A fresh folder to write the new index into; published only if the block completes."""
    staged = _sibling(target, f"tmp-{os.getpid()}")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    try:
        yield staged
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    publish(staged, target)


def publish(staged: Path, target: Path) -> None:
    backup = _sibling(target, "old")
    shutil.rmtree(backup, ignore_errors=True)
    if target.exists():
        os.rename(target, backup)
    os.rename(staged, target)
    shutil.rmtree(backup, ignore_errors=True)
