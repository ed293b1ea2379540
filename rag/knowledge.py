"""Knowledge bases: named collections side by side, each an index folder `<knowledge_bases_dir>/NAME`
(`indexes/NAME`; `default` is `indexes/default`) with its uploads beside it in `NAME-uploads`.

    bases = KnowledgeBases(config)
    bases.create("政策")                      # an empty knowledge base, filled by uploads
    bases.get("政策").search("...")           # one cached Rag per knowledge base

The shells (`--kb NAME`, the chat page's selector, `rag serve`) all go through here, so a name
is checked in one place: letters, digits, `-`, `_` and CJK characters, nothing that could walk
out of the folder. An uploaded file's name is made safe here too (`safe_file_name`), whichever
shell received it. The knowledge bases of one process share one embedding model.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import unicodedata
from pathlib import Path, PurePosixPath

from rag.config import Config
from rag.errors import ConfigError, RagError
from rag.pipeline import Rag

DEFAULT = "default"
MAX_NAME = 64
UPLOADS_SUFFIX = "-uploads"
WEB_SUFFIX = "-web"  # a knowledge base's fetched web pages (rag.collections.web), beside its uploads
_NAME = re.compile(r"[0-9A-Za-z_\-\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


class UnknownKnowledgeBase(RagError):
    """No knowledge base has this name."""


class KnowledgeBaseExists(RagError):
    """The name is taken, or the knowledge base cannot be removed."""


def check_name(name: str) -> str:
    """The name itself when it is usable as a folder name, else a one-line error naming the rule."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > MAX_NAME:
        raise ConfigError(
            f"knowledge base name {name!r} is not valid: use 1-{MAX_NAME} letters, digits, "
            "'-', '_' or Chinese characters"
        )
    if name.endswith((UPLOADS_SUFFIX, WEB_SUFFIX)):
        raise ConfigError(
            f"knowledge base name {name!r} is not valid: names ending in '{UPLOADS_SUFFIX}' or "
            f"'{WEB_SUFFIX}' are the folders of uploads and fetched web pages"
        )
    return name


MAX_FILE_NAME_BYTES = 200  # UTF-8 bytes: file systems allow 255, and a copy may add a suffix
_UNSAFE = re.compile(r'[<>:"|?*]')  # reserved on Windows, where a knowledge base folder may be copied
_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10)), *(f"LPT{n}" for n in range(10))}
_DROPPED = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # NUL and controls, invisible format marks, lone surrogates, line breaks


def safe_file_name(name: str) -> str:
    """An uploaded file's name as it may be stored: its last path component, without NUL, control
    or invisible characters and with `<>:"|?*` as `_`, not hidden (a leading `.` gets a `_`), not a
    reserved device name, and at most MAX_FILE_NAME_BYTES bytes of UTF-8 (a longer name is cut,
    and keeps its extension behind a short hash of the whole name, so two long names stay two).
    "" when nothing of the name is left."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = "".join(c for c in name if unicodedata.category(c) not in _DROPPED)
    name = PurePosixPath(name.replace("\\", "/")).name if name.strip("/\\ .") else ""
    name = _UNSAFE.sub("_", name).strip().rstrip(" .")
    if not name:
        return ""
    if name.startswith(".") or name.split(".")[0].strip().upper() in _DEVICES:
        name = "_" + name
    return _shortened(name, MAX_FILE_NAME_BYTES)


def _shortened(name: str, limit: int) -> str:
    if len(name.encode("utf-8")) <= limit:
        return name
    path = PurePosixPath(name)
    suffix = path.suffix if len(path.suffix.encode("utf-8")) <= 16 else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    tail = "-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8] + suffix
    room = limit - len(tail.encode("utf-8"))
    kept = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
    return kept + tail


def index_dir_of(name: str, config: Config) -> str:
    """The index folder of knowledge base `name` (`--kb NAME`)."""
    return str(Path(config.knowledge_bases_dir) / check_name(name))


def with_kb(config: Config, name: str | None) -> Config:
    """The settings pointed at knowledge base `name` (unchanged when no name is given)."""
    if not name:
        return config
    return config.replace(index_dir=index_dir_of(name, config), uploads_dir="")


class SharedEmbedders:
    """One embedder per (model, precision) for all knowledge bases of a process."""

    def __init__(self) -> None:
        self._made: dict[tuple, object] = {}
        self._lock = threading.Lock()

    def __call__(self, config: Config, precision: str | None = None):
        from rag.models import embedder

        key = (
            config.embed_model,
            config.models_dir,
            precision or config.embed_precision,
            config.embed_batch_size,
            config.n_threads,
            config.allow_network,
            config.embed_backend,
            config.embed_base_url,
            config.embed_api_model,
        )
        with self._lock:
            if key not in self._made:
                self._made[key] = embedder.make_embedder(config, precision)
            return self._made[key]


class KnowledgeBases:
    """The knowledge bases under `config.knowledge_bases_dir`, one cached `Rag` each."""

    def __init__(self, config: Config):
        self.config = config
        self.root = Path(config.knowledge_bases_dir)
        self._rags: dict[str, Rag] = {}
        self._lock = threading.Lock()
        self._embedders = SharedEmbedders()
        if self.exists(DEFAULT):
            # one process cuts words one way (the tokenizer is global): every knowledge base takes
            # the lexicons of the settings, else those the default one was indexed with
            lexicons = self.get(DEFAULT).config.lexicons
            self.config = config.replace(lexicons=lexicons)

    def names(self) -> list[str]:
        """Every knowledge base folder, `default` first when present."""
        found = (
            sorted(p.name for p in self.root.iterdir() if p.is_dir() and _usable(p.name)) if self.root.is_dir() else []
        )
        return sorted(found, key=lambda n: n != DEFAULT)

    def exists(self, name: str) -> bool:
        return (self.root / check_name(name)).is_dir()

    def get(self, name: str) -> Rag:
        """The pipeline of knowledge base `name`; UnknownKnowledgeBase when there is none."""
        check_name(name)
        with self._lock:
            if name not in self._rags:
                if not self.exists(name):
                    raise UnknownKnowledgeBase(
                        f"knowledge base {name!r} does not exist: create it first "
                        f"(known: {', '.join(self.names()) or 'none'})"
                    )
                self._rags[name] = Rag(with_kb(self.config, name), make_embedder=self._embedders)
            return self._rags[name]

    def create(self, name: str) -> Rag:
        """A new, empty knowledge base; KnowledgeBaseExists when the name is taken."""
        check_name(name)
        with self._lock:
            folder = self.root / name
            if folder.exists():
                raise KnowledgeBaseExists(f"knowledge base {name!r} already exists")
            folder.mkdir(parents=True)
        return self.get(name)

    def delete(self, name: str) -> None:
        """Remove the index and the uploads of `name`; `default` is kept."""
        rag = self.get(name)
        if name == DEFAULT:
            raise KnowledgeBaseExists("the default knowledge base cannot be deleted")
        with rag.writing():
            with self._lock:
                self._rags.pop(name, None)
            from rag.index.vectors import make_vector_backend

            make_vector_backend(rag.config).drop(rag.index_dir)  # a Milvus collection and its manifests
            for folder in (self.root / name, self.root / f"{name}{UPLOADS_SUFFIX}", self.root / f"{name}{WEB_SUFFIX}"):
                shutil.rmtree(folder, ignore_errors=True)


def _usable(folder_name: str) -> bool:
    try:
        check_name(folder_name)
    except ConfigError:
        return False
    return True
