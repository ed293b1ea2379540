"""The side panel's view of a collection: what it holds, the delete list, which generators are
installed, and an upload's report and progress in words. Taking uploads in and deleting documents
is rag.collections.uploads' work (the HTTP API shares it)."""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from rag.config import Config
from rag.errors import NoIndexError, RagIndexError
from rag.ui import zh


@dataclass(frozen=True)
class DocSummary:
    doc: str
    title: str
    chunks: int
    sha256: str = ""


@dataclass(frozen=True)
class CollectionInfo:
    documents: tuple[DocSummary, ...]
    embed_model: str
    generator: str
    index_dir: str
    problem: str = ""  # why the index could not be read, shown instead of the list
    sync: dict | None = None  # the last sync of the folder `rag serve` watches for it (Sync.to_json + folder)

    @property
    def chunks(self) -> int:
        return sum(d.chunks for d in self.documents)


EMPTY = "还没有文档：上传文件即可建立索引"


def collection_info(rag: Any, generator: str, sync: dict | None = None) -> CollectionInfo:
    """The documents in the index, or an empty collection with the reason when there is none."""
    config = rag.config
    try:
        docs = tuple(
            DocSummary(d["doc"], d.get("title", ""), int(d.get("chunks", 0)), d.get("sha256", ""))
            for d in rag.documents()
        )
        problem = ""
    except NoIndexError:
        docs, problem = (), EMPTY
    except RagIndexError as exc:
        docs, problem = (), str(exc)
    return CollectionInfo(docs, config.embed_model, generator, str(config.index_dir), problem, sync)


def sync_html(sync: dict | None) -> str:
    """When the watched folder was last brought in, and how it went."""
    if not sync:
        return ""
    e = html.escape
    when = time.strftime("%m-%d %H:%M", time.localtime(sync.get("finished") or 0))
    changed = len(sync.get("changed") or ())
    if sync.get("error"):
        outcome = f'<span class="rag-coll-problem">⚠ {e(sync["error"])}</span>'
    else:
        warned = len(sync.get("warnings") or ())
        outcome = f"{changed} 个文件有变动" + (f"，{warned} 条警告" if warned else "")
    return (
        f'<div class="rag-coll-sync" title="{e(chr(10).join(sync.get("warnings") or ()))}">'
        f"自动同步 <code>{e(sync.get('folder', ''))}</code> · {when} · {outcome}</div>"
    )


def collection_html(info: CollectionInfo) -> str:
    e = html.escape
    head = (
        f'<div class="rag-coll-stats"><b>{len(info.documents)}</b> 篇文档 · <b>{info.chunks}</b> 个段落</div>'
        f'<div class="rag-coll-models">嵌入模型 <code>{e(info.embed_model)}</code><br>'
        f"生成模型 <code>{e(info.generator)}</code></div>{sync_html(info.sync)}"
    )
    if info.problem:
        return f'<div class="rag-coll">{head}<div class="rag-coll-empty">{e(info.problem)}</div></div>'
    rows = "".join(
        f'<li title="{e(d.doc)}"><span class="rag-coll-title">{e(d.title or d.doc)}</span>'
        f'<span class="rag-coll-chunks" title="索引段落数">{d.chunks} 段</span></li>'
        for d in info.documents
    )
    return f'<div class="rag-coll">{head}<ul class="rag-coll-docs">{rows}</ul></div>'


def document_choices(info: CollectionInfo) -> list[tuple[str, str]]:
    """(label, doc) pairs for the delete drop-down."""
    return [(f"{d.title or d.doc} ({d.doc})", d.doc) for d in info.documents]


def installed_generators(config: Config) -> list[str]:
    """Registry generators present in the model cache, plus the configured one if it is custom."""
    from rag.models.registry import GENERATORS, model_path

    names = [name for name in GENERATORS if model_path(name, config).exists()]
    if config.generator not in names:
        names.insert(0, config.generator)
    return names


def report_text(report: Any, files: Iterable[Path]) -> str:
    """One line on what an upload changed, from the index update report."""
    names = ", ".join(p.name for p in files)
    counts = [
        f"{label} {getattr(report, attr, 0)}"
        for attr, label in (("added", "新增"), ("updated", "更新"), ("unchanged", "未变"))
    ]
    warnings = [zh.line(w) for w in getattr(report, "warnings", ()) or ()]
    tail = f"；警告：{'；'.join(warnings)}" if warnings else ""
    if warnings and not (getattr(report, "added", 0) or getattr(report, "updated", 0)):
        return f"⚠ 未索引 {names}：{'；'.join(warnings)}"  # the loader skipped them (binary, empty...)
    return f"已索引 {names}：{'，'.join(counts)}{tail}"


def _stage_zh(stage: str) -> str:
    """The indexer's stage as the page says it: read, embed, ocr NAME."""
    if stage in STAGES_ZH:
        return STAGES_ZH[stage]
    return "识别 " + stage[4:] if stage.startswith("ocr ") else stage


STAGES_ZH = {"read": "读取文件", "embed": "向量化"}


class ProgressText:
    """Feeds an indexing progress callback (stage, done, total) to a Gradio progress bar, with
    chunks per second and the time left, as `rag index` shows them."""

    def __init__(self, bar: Callable[..., Any], clock: Callable[[], float] = time.monotonic):
        self.bar, self.clock = bar, clock
        self.first: dict[str, tuple[float, int]] = {}  # per stage: OCR of each file, embedding

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        first = self.first.setdefault(stage, (now, done))  # each rate is measured from its first report on
        elapsed, counted = now - first[0], done - first[1]
        text = f"{_stage_zh(stage)} {done}/{total}"
        if counted > 0 and elapsed > 0:
            rate = counted / elapsed
            unit = "页" if stage.startswith("ocr") else "个文件" if stage == "read" else "块"
            text += f" · {rate:.1f} {unit}/秒 · 剩余约 {max(total - done, 0) / rate:.0f} 秒"
        self.bar(done / max(total, 1), desc=text)
