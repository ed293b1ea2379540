"""The one pipeline object that the CLI, the UI and the evaluation all drive.

    rag = Rag(config)
    rag.index(["seeds/"])                 # build or update config.index_dir incrementally
    hits = rag.search("藤县贫困发生率", k=5)
    answer = rag.ask("藤县的贫困发生率下降到了多少?", history=[], on_token=print)

Construction is cheap; the index, the embedder and the generator load on first use and are
reused across questions.

Updates never stop searches: an update is built beside the loaded index (rag.index.atomic) while
searches and questions go on over the loaded one, and the new index is loaded and swapped in
whole once it is published, so nothing ever reads a half-written index. Updates of one index run
one at a time.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from rag.config import Config, apply_lexicons
from rag.errors import RagError
from rag.types import Answer, Citation, Hit

if TYPE_CHECKING:
    from rag.index.loaded import Index

# Replicas sharing a Milvus collection look for a newly published revision this often (seconds):
# one small read, so every replica serves the new state within seconds of a build's flip.
REVISION_CHECK_S = 5.0


MakeEmbedder = Callable[[Config, "str | None"], object]


class Rag:
    def __init__(self, config: Config, make_embedder: MakeEmbedder | None = None):
        """`make_embedder(config, precision)` builds the embedder (default
        rag.models.embedder.make_embedder); a server passes a cache so that its knowledge bases
        share one loaded model."""
        self._given = config  # the settings as given; self.config adds the collection's own
        self.config = _collection_settings(config)
        apply_lexicons(self.config)
        self._lock = threading.RLock()  # guards the lazily built parts; held only briefly
        self._writing = threading.Lock()  # one update of the index at a time
        self._make_embedder = make_embedder
        self._embedder = None
        self._index: Index | None = None
        self._retriever = None
        self._answerer = None
        self._checked_at = 0.0

    @property
    def index_dir(self) -> Path:
        return Path(self.config.index_dir)

    # --- lazily built parts -------------------------------------------------------------------
    @property
    def embedder(self):
        """Queries and new documents are encoded as the index's documents were: at the index's
        precision when there is one, else at the configured one (embed_precision)."""
        with self._lock:
            if self._embedder is None:
                manifest = _manifest(self.index_dir)
                self._embedder = self._new_embedder(manifest and manifest.embed_precision)
            return self._embedder

    def _new_embedder(self, precision: str | None = None):
        if self._make_embedder is not None:
            return self._make_embedder(self.config, precision)
        from rag.models.embedder import make_embedder

        return make_embedder(self.config, precision)

    @property
    def loaded_index(self):
        with self._lock:
            if self._index is None:
                from rag.index import load_index

                self._index = load_index(self.index_dir, self.config)
            return self._index

    @property
    def retriever(self):
        with self._lock:
            self._follow_revision()
            if self._retriever is None:
                from rag.retrieval.retriever import Retriever

                self._retriever = Retriever(self.loaded_index, self.embedder, self.config)
            return self._retriever

    @property
    def answerer(self):
        with self._lock:
            if self._answerer is None:
                from rag.answer.answerer import Answerer
                from rag.answer.closeness import EmbedderCloseness

                closeness = EmbedderCloseness(lambda: self.embedder) if self.config.sentence_meaning else None
                self._answerer = Answerer(self.config, self.search, closeness=closeness)
            return self._answerer

    def _follow_revision(self) -> None:
        """Drop the loaded index when a shared store has published a newer revision."""
        if self._index is None or self.config.vector_store == "faiss":
            return
        if time.monotonic() - self._checked_at < REVISION_CHECK_S:
            return
        from rag.index.vectors import make_vector_backend

        self._checked_at = time.monotonic()
        if make_vector_backend(self.config).revision(self.index_dir) != self._index.manifest.revision:
            self._index = None
            self._retriever = None

    # --- the stages -----------------------------------------------------------------------------
    def index(
        self,
        paths: Sequence[str | Path],
        rebuild: bool = False,
        progress: Callable | None = None,
        warn: Callable[[str], None] | None = None,
    ):
        """Build or incrementally update the index from files/folders; returns the update report
        (`warn` also hears each of its warnings as it comes)."""
        from rag.index import update_index

        with self._writing:
            embedder = self._build_embedder(rebuild)
            self._load_current()
            report = update_index(
                paths, self.index_dir, self.config, embedder, rebuild=rebuild, progress=progress, warn=warn
            )
            self._swap_in()
            return report

    def _build_embedder(self, rebuild: bool):
        """A rebuild takes the configured precision, not the old index's."""
        if not rebuild:
            return self.embedder
        fresh = self._new_embedder()
        with self._lock:
            if self._embedder is None or self._embedder.precision != fresh.precision:
                self._embedder = fresh
            return self._embedder

    def _load_current(self) -> None:
        """Load the index as it is before changing it: searches meanwhile use this one and never
        open the folder while it is being swapped."""
        if _manifest(self.index_dir) is None:
            return
        try:
            _ = self.loaded_index  # loads it
        except RagError:
            pass  # a damaged index: the update reports it or replaces it

    def _swap_in(self) -> None:
        """Load the index just published, then hand it to the next search in one step."""
        from rag.index import load_index

        fresh = load_index(self.index_dir, self.config)
        with self._lock:
            self._index = fresh
            self._retriever = None

    def writing(self):
        """The lock that updates of this index hold (to keep them off while a shell deletes it)."""
        return self._writing

    def configure(self, **changes) -> None:
        """Change settings between questions (the UI's top-k and generator). The embedder and the
        loaded index are kept unless their own settings change; generators are cached by
        rag.models.llm.make_generator, so a top-k change reuses the loaded model."""
        with self._lock:
            given = self._given.replace(**changes)
            config = _collection_settings(given)
            self._given = given
            if config == self.config:
                return
            apply_lexicons(config)
            if (config.embed_model, config.embed_precision, config.index_dir, config.lexicons) != (
                self.config.embed_model,
                self.config.embed_precision,
                self.config.index_dir,
                self.config.lexicons,
            ):
                self._embedder = None
                self._index = None
            self.config = config
            self._retriever = None
            self._answerer = None

    def documents(self) -> list[dict]:
        """The indexed documents (doc, title, chunks, ...), for listing in the UI."""
        return self.loaded_index.documents()

    def remove(self, doc: str | Sequence[str]):
        """Drop documents (by their `doc` name) from the index; returns the update report."""
        from rag.index import remove_documents

        with self._writing:
            docs = [doc] if isinstance(doc, str) else list(doc)
            embedder = self.embedder
            self._load_current()
            report = remove_documents(self.index_dir, docs, self.config, embedder)
            self._swap_in()
            return report

    def search(self, question: str, k: int | None = None, doc_glob: str | None = None) -> list[Hit]:
        return self.retriever.search(question, k or self.config.top_k, doc_glob=doc_glob)

    def ask(
        self,
        question: str,
        history: Sequence[tuple[str, str]] = (),
        mode: str | None = None,
        on_token: Callable[[str], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        on_sources: Callable[[Sequence[Citation]], None] | None = None,
    ) -> Answer:
        """See Answerer.ask: `on_sources` gets the passages being read before the answer,
        `should_stop` returning True stops the model (Stopped)."""
        return self.answerer.ask(
            question,
            history=history,
            mode=mode or self.config.answer_mode,
            on_token=on_token,
            should_stop=should_stop,
            on_sources=on_sources,
        )


SWAP_RETRIES = 100  # x 10 ms: an index swap (rag.index.atomic) is two renames, far quicker


def _manifest(index_dir: Path):
    """The index's manifest, None when there is no index (a damaged one says so when loaded).
    A manifest that vanishes between the check and the read was caught mid-swap: read again."""
    from rag.index.manifest import MANIFEST_FILE, Manifest

    for _ in range(SWAP_RETRIES):
        if not (index_dir / MANIFEST_FILE).is_file():
            return None
        try:
            return Manifest.load(index_dir)
        except FileNotFoundError:
            time.sleep(0.01)
        except RagError:
            return None
    return None


def _collection_settings(config: Config) -> Config:
    """A collection keeps the lexicons it was indexed with (a domain dictionary is the
    collection's choice, and queries must be cut as its passages were) unless the settings name
    others; the sparse index is re-cut to match when they do."""
    manifest = None if config.lexicons else _manifest(Path(config.index_dir))
    if manifest and manifest.config.get("lexicons"):
        return config.replace(lexicons=manifest.config["lexicons"])
    return config
