"""One configuration object: defaults in code, then an optional TOML file, then `RAG_*` variables.

A TOML file may hold the settings flat (`top_k = 5`) or grouped in tables (`[retrieval]`
`top_k = 5`); table names are only for the reader. `RAG_TOP_K=8` overrides either.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from rag.errors import ConfigError

ENV_PREFIX = "RAG_"
DEFAULT_CONFIG_FILE = "rag.toml"
SECRET_SETTINGS = ("openai_api_key", "embed_api_key", "milvus_token", "milvus_password", "database_url")


def _default_models_dir() -> str:
    return str(Path.home() / ".cache" / "rag" / "models")


@dataclass(frozen=True)
class Config:
    # models: a registry name (see rag.models.REGISTRY), a local folder/file, or a Hugging Face id
    models_dir: str = field(default_factory=_default_models_dir)
    embed_model: str = "multilingual-e5-small"
    embed_batch_size: int = 16
    embed_precision: str = "auto"  # auto | fp32 | bf16 | int8 (rag.models.precision)
    embed_backend: str = "local"  # local (sentence-transformers in this process) | openai (a /v1/embeddings server)
    embed_base_url: str = "http://127.0.0.1:8080/v1"  # openai: text-embeddings-inference, vLLM, Ollama, ...
    embed_api_model: str = ""  # openai: the model name the server knows ("" = embed_model)
    embed_api_key: str = ""
    generator: str = "qwen2.5-coder-1.5b-instruct"
    llm_backend: str = "llama_cpp"  # llama_cpp | transformers | openai
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    openai_model: str = ""
    openai_api_key: str = ""
    allow_network: bool = False  # False sets HF_HUB_OFFLINE=1 so nothing waits on a hub
    n_threads: int = 0  # 0 = all cores
    n_ctx: int = 4096
    # llama.cpp's own options (rag bench --answers measures them side by side; eval/notes/latency-and-engine.md)
    llm_batch: int = 512  # tokens a prefill step takes (n_batch and n_ubatch)
    llm_flash_attn: bool = False
    llm_kv_type: str = "f16"  # f16 | q8_0: the KV cache's type
    llm_lookup: int = 0  # prompt-lookup decoding: draft tokens copied from the prompt (0 = off)
    max_tokens: int = 320
    temperature: float = 0.0
    generation_cache: str = ""  # a file of model answers replayed for the same prompt (rag.models.llm.replay)

    # language: domain lexicons (jieba user dictionaries) a collection opts into, comma-separated:
    # names under rag/lang/zh/lexicons/ (poverty-alleviation) or file paths
    lexicons: str = ""

    # folders `rag serve` keeps knowledge bases in step with: NAME=FOLDER entries separated by ;
    watch: str = ""
    # users, rights, kept conversations and the audit log of `rag serve` (rag.accounts): any
    # SQLAlchemy URL (postgresql://...); "" = SQLite in rag.db inside knowledge_bases_dir
    database_url: str = ""
    session_hours: float = 12.0  # a chat-page login lasts this long
    # loading
    max_file_mb: float = 50.0
    # limits on what a file may unfold into, checked before the work is done (hostile input: rag.ingest.archive)
    max_unzipped_mb: float = 200.0  # .docx/.xlsx/.pptx: the members' declared uncompressed sizes, summed
    max_unzipped_member_mb: float = 100.0  # .docx/.xlsx/.pptx: the declared uncompressed size of any one member
    max_zip_ratio: float = 100.0  # .docx/.xlsx/.pptx: uncompressed / compressed size of a member over 1 MB
    max_image_megapixels: float = 100.0  # images and TIFF pages: declared width x height, read before decoding
    max_document_chars: int = 5_000_000  # characters a file's extracted text may hold
    max_pdf_pages: int = 2000  # a PDF with more pages is refused before any page is read
    max_page_chars: int = 100_000  # a PDF page drawing more characters is left out, with a warning
    max_page_objects: int = 50_000  # a PDF page drawing more objects (glyph runs, paths, images) too
    ocr: str = "auto"  # auto: read scanned PDF pages and images by OCR (rag.ingest.ocr) | off: skip them

    # chunking (characters of cleaned text)
    chunk_size: int = 260
    chunk_min: int = 60
    chunk_overlap: int = 1  # sentences carried into the next chunk of the same section

    # index and retrieval
    index_dir: str = "indexes/default"
    knowledge_bases_dir: str = "indexes"  # knowledge base NAME is the index <knowledge_bases_dir>/NAME (--kb)
    uploads_dir: str = ""  # where the UI keeps uploaded files; "" = "<index_dir>-uploads"
    top_k: int = 5
    fetch_factor: int = 10  # each retriever returns top_k * fetch_factor candidates before fusion
    # weighted reciprocal rank fusion, tuned on the seeds gold set and CMRC 2018 dev (README, Retrieval)
    rrf_k: int = 5
    bm25_weight: float = 1.0
    dense_weight: float = 0.2
    dedup_threshold: float = 0.9
    hnsw_above: int = 200_000  # chunk count above which FAISS uses HNSW instead of a flat index
    # where the vectors live (rag.index.vectors): faiss files in index_dir, or one Milvus collection
    # per knowledge base (index_dir then caches the chunk texts and BM25 side by revision)
    vector_store: str = "faiss"  # faiss | milvus
    milvus_uri: str = "indexes/milvus.db"  # a local .db path runs Milvus Lite; http://host:19530 a server
    milvus_token: str = ""  # a secured server: a token, or user and password
    milvus_user: str = ""
    milvus_password: str = ""
    milvus_collection: str = ""  # "" = rag_<index folder name>
    milvus_index: str = "auto"  # auto (FLAT on Milvus Lite, HNSW on a server) | FLAT | HNSW | AUTOINDEX

    # answering
    answer_mode: str = "generate"  # generate | extract
    context_chunks: int = 5
    refuse_min_coverage: float = 0.1  # rarity-weighted share of question words in the best passage
    refuse_min_score: float = 0.85  # best dense cosine (e5): off-topic questions score below (eval-calibrated)
    context_tokens: int = 600  # prompt budget (estimated tokens) for passages: prompt time dominates on a CPU
    # >0: each passage is shown cut to its sentences nearest the question within this many tokens
    # (the best one twice this): faster, less accurate (eval/notes/latency-and-engine.md); 0: whole
    passage_tokens: int = 0
    prompt_simplified: bool = False  # show the model traditional-script passages and questions in simplified script
    key_sentence: bool = (
        True  # repeat, after the question, the passage sentence that best covers it (eval/notes/key-sentence.md)
    )
    sentence_meaning: bool = True  # rank passage sentences by the embedder's closeness too, not by words alone
    verify_min_overlap: float = 0.5  # share of a sentence's (rarity-weighted) words its passage must hold
    verify_key_rarity: float = 10.5  # a word at least this rare (-log frequency) must stand in the cited passage
    verify_judge: bool = False  # ask the model once more whether the passages state its answer (rag.answer.judge)
    verify_judge_max_no: float = 0.5  # the judge withdraws an answer when its P(否) against 是 reaches this
    refuse_max_doubt: str = "auto"  # asked first whether the passages answer, a P(否) this high refuses: a number, off, or auto (the generator's calibrated value)
    verify_min_anchor: float = 0.0  # share of the question the passage says next to a claim's own words
    extract_min_coverage: float = 0.85  # a passage sentence "plainly" answers: query-term coverage
    # an FAQ entry's approved answer is given when its question is this close (rag.answer.faq)
    faq_min_closeness: float = 0.94  # the retrieval embedder's cosine between the two questions
    faq_min_coverage: float = 0.0  # and this share of the question's words in the entry's question

    def replace(self, **changes: Any) -> "Config":
        return dataclasses.replace(self, **{k: _coerce(k, v) for k, v in changes.items()})

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def public_dict(self) -> dict[str, Any]:
        """The settings minus secrets, for records that get copied and shared."""
        return {k: ("***" if k in SECRET_SETTINGS and v else v) for k, v in self.as_dict().items()}

    @property
    def models_path(self) -> Path:
        return Path(self.models_dir).expanduser()


_TYPES = typing.get_type_hints(Config)
FIELD_NAMES = tuple(f.name for f in fields(Config))


def _coerce(name: str, value: Any) -> Any:
    if name not in _TYPES:
        raise ConfigError(f"unknown setting '{name}'; valid settings: {', '.join(FIELD_NAMES)}")
    kind = _TYPES[name]
    try:
        if kind is bool and isinstance(value, str):
            if value.strip().lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(value)
            return value.strip().lower() in {"1", "true", "yes", "on"}
        if kind is bool:
            return bool(value)
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"setting '{name}' must be a {kind.__name__}, got {value!r}") from None


def _flatten(table: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value))
        else:
            flat[key] = value
    return flat


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return _flatten(tomllib.load(fh))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values = {}
    for name in FIELD_NAMES:
        key = ENV_PREFIX + name.upper()
        if key in environ:
            values[name] = environ[key]
    return values


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
    """Defaults, then the TOML file (`path`, else $RAG_CONFIG, else ./rag.toml if present),
    then RAG_* variables, then explicit overrides (CLI flags)."""
    environ = os.environ if environ is None else environ
    explicit = path or environ.get(ENV_PREFIX + "CONFIG")
    file = Path(explicit) if explicit else Path(DEFAULT_CONFIG_FILE)
    values: dict[str, Any] = {}
    if explicit or file.exists():
        values.update(_read_toml(file))
    values.update(_from_env(environ))
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Config().replace(**values)


def apply_lexicons(config: Config) -> None:
    """Tokenise with the domain lexicons the settings name (the tokenizer is one per process)."""
    from rag.text.lexicon import lexicon_path
    from rag.text.tokenize import use_lexicons

    names = [n.strip() for n in config.lexicons.split(",") if n.strip()]
    try:
        use_lexicons(tuple(lexicon_path(n) for n in names))
    except ValueError as exc:
        raise ConfigError(f"setting 'lexicons': {exc}") from None


def apply_runtime_env(config: Config) -> None:
    """Keep Hugging Face libraries off the network unless the user opted in; load the lexicons."""
    apply_lexicons(config)
    if not config.allow_network:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
