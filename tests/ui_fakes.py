"""A fake pipeline with the methods the UI drives (`ask`, `configure`, `documents`, `remove`,
`index`), so the page's behaviour is tested in seconds without models. It answers with the first
sentence of the passage sharing most characters with the question, streamed in small pieces;
the real pipeline is driven by the `models` browser test."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

from rag.config import Config
from rag.errors import NoIndexError, Stopped
from rag.index import IndexReport
from rag.answer.extract import reading
from rag.types import Answer, Chunk, Citation, Hit

REFUSAL = "资料中没有找到相关信息"
SEED_TEXTS = {
    "000_teng.txt": ("藤县五大举措打赢脱贫攻坚收官之战", "导语",
                     "藤县经过四年全力攻坚，贫困发生率下降至0.59%。累计实现12.2万贫困人口减贫。"),
    "002_qianjiang.txt": ("重庆扶贫专报第四十八期", "二、精准谋划“开方子” > (二)脱贫项目量身定制",
                          "在贫困村投入资金6.8亿元，实施脱贫项目1351个。对贫困户落实“六个一批”措施。"),
}


@dataclass(frozen=True)
class Asked:
    question: str
    history: tuple
    mode: str | None


def make_chunk(doc: str, title: str, section: str, text: str) -> Chunk:
    cid = hashlib.sha256(f"{doc}{text}".encode()).hexdigest()[:16]
    return Chunk(cid, doc, title, section, 0, len(text), text, f"{title}\n{section}\n{text}")


def _read(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


class FakeRag:
    def __init__(self, config: Config, seeded: bool = True, delay: float = 0.0):
        self.config = config
        self.delay = delay  # seconds between streamed pieces, to make streaming observable
        self.chunks: dict[str, Chunk] = {}
        self.asked: list[Asked] = []
        self.configured: list[dict] = []
        if seeded:
            for doc, (title, section, text) in SEED_TEXTS.items():
                self.chunks[doc] = make_chunk(doc, title, section, text)

    @property
    def index_dir(self) -> Path:
        return Path(self.config.index_dir)

    def configure(self, **changes) -> None:
        self.configured.append(changes)
        self.config = self.config.replace(**changes)

    def documents(self) -> list[dict]:
        if not self.chunks:
            raise NoIndexError(f"no index at {self.index_dir}: run `rag index`")
        return [{"doc": c.doc, "title": c.title, "chunks": 1,
                 "sha256": hashlib.sha256(c.text.encode()).hexdigest()} for c in self.chunks.values()]

    def remove(self, doc: str) -> None:
        self.chunks.pop(doc)

    def index(self, paths, progress=None, warn=None):
        files = [f for p in map(Path, paths) for f in (sorted(p.iterdir()) if p.is_dir() else [p])]
        for i, file in enumerate(files, 1):
            text = _read(file).strip()
            self.chunks[file.name] = make_chunk(file.name, text.splitlines()[0][:30], "", text)
            if progress:
                progress("embed", i, len(files))
        return IndexReport(added=len(files), chunks=len(self.chunks), documents=len(self.chunks),
                           index_dir=str(self.index_dir))

    def _best(self, question: str) -> Chunk | None:
        scored = [(len(set(question) & set(c.text)), c) for c in self.chunks.values()]
        best = max(scored, key=lambda sc: sc[0], default=(0, None))
        return best[1] if best[0] >= 3 else None

    def ask(self, question, history=(), mode=None, on_token=None, should_stop=None, on_sources=None) -> Answer:
        self.asked.append(Asked(question, tuple(history), mode))
        if "出错" in question:
            raise RuntimeError("the generator crashed")
        chunk = self._best(question)
        hits = tuple(Hit(c, 1.0 / r, r) for r, c in enumerate(self.chunks.values(), 1))
        if on_sources and hits:
            on_sources(reading(question, hits))  # the real stage's own function: it needs no model
        if chunk is None:
            return Answer(question, REFUSAL, True, hits=hits, mode=mode or "generate")
        sentence = re.split(r"(?<=。)", chunk.text)[0]
        text = f"{sentence.rstrip('。')}[1]。"
        for i in range(0, len(text), 4):
            if should_stop and should_stop():  # as the answer stage asks between the model's pieces
                raise Stopped("stopped by the asker")
            if on_token:
                on_token(text[i:i + 4])
            time.sleep(self.delay)
        citation = Citation(1, chunk, ((0, len(sentence)),))
        return Answer(question, text, False, (citation,), hits, {"total": 12.0}, mode or "generate")
