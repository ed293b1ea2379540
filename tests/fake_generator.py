"""A scripted fake generator and a tiny hand-made corpus (real sentences from the seeds), so the
answer stage is tested in milliseconds. The real models are exercised in `models` tests."""

from __future__ import annotations

from fnmatch import fnmatch
from typing import Callable, Iterator, Sequence

from rag.answer.passages import context_of
from rag.errors import GenerationError
from rag.models.llm import BaseGenerator, StopTrimmer
from rag.text.terms import content_terms, coverage
from rag.types import Chunk, Hit

Reply = str | Callable[[Sequence[dict]], str]


class ScriptedGenerator(BaseGenerator):
    """Replies with the scripted texts in turn (the last one repeats), streamed in pieces of a
    few characters; a reply may be a function of the messages. Records every call."""

    def __init__(self, *replies: Reply, piece: int = 3, fail: str | None = None, n_ctx: int = 4096):
        super().__init__()
        self.name = "scripted"
        self.n_ctx = n_ctx
        self.replies = list(replies) or [""]
        self.piece = piece
        self.fail = fail  # raise GenerationError with this message after the first piece
        self.calls: list[list[dict]] = []
        self.pieces_sent = 0

    def stream(self, messages: Sequence[dict], max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        self.calls.append(list(messages))
        reply = self.replies[min(len(self.calls), len(self.replies)) - 1]
        text = reply(messages) if callable(reply) else reply
        trimmer = StopTrimmer(stop)
        for start in range(0, len(text), self.piece):
            if self.fail and start:
                raise GenerationError(self.fail)
            self.pieces_sent += 1
            if out := trimmer.feed(text[start:start + self.piece]):
                yield out
        if tail := trimmer.flush():
            yield tail


class WeighingGenerator(ScriptedGenerator):
    """A scripted model that can also give the odds of its next token, as llama.cpp can: `doubt`
    is its P(否) that the passages answer the question, `no` its P(否) for a given answer."""

    def __init__(self, *replies, no: float = 0.0, doubt: float = 0.0):
        super().__init__(*replies)
        self.name = "qwen2.5-coder-1.5b-instruct"  # calibrated: refuse_max_doubt = auto is 0.125
        self.no, self.doubt, self.weighed = no, doubt, []

    def odds(self, messages, words):
        self.weighed.append(list(messages))
        no = self.no if "有人这样回答" in messages[-1]["content"] else self.doubt
        return {"是": 1 - no, "否": no}


def _chunk(n: int, doc: str, title: str, section: str, text: str) -> Chunk:
    return Chunk(id=f"c{n}", doc=doc, title=title, section=section, start=0, end=len(text), text=text,
                 index_text=f"{title} {section} {text}")


CORPUS = (
    _chunk(1, "000_bebb5635b1c7aea1.txt", "藤县五大举措打赢脱贫攻坚收官之战", "",
           "5月9日,脱贫攻坚战传来捷报:自治区政府召开常务会议,批准藤县等21个县(市、区)退出贫困县序列。"
           "藤县经过四年全力攻坚,累计实现12.2万贫困人口减贫、85个贫困村出列,贫困发生率下降至0.59%。"),
    _chunk(2, "001_402b0891d839cf2c.txt", "安嶽縣2018年扶貧重點工作是哪些?", "01 全縣脫貧攻堅基本情況",
           "2014年經精準識別,省委、省政府批覆,確定我縣貧困村162個、建檔立卡貧困人口11.8萬人;"
           "經動態調整和深入實施攻堅,貧困村減少至78個,貧困人口減少至2.5萬人。"),
    _chunk(3, "002_56ffc93fffebd40f.txt", "重庆扶贫专报第四十八期", "黔江区“五子”发力推进精准扶贫 > 精准对象“端盘子”",
           "(1)密集式调研。立足贫困现状,33名区级领导分别带队深入贫困村、贫困户开展调查研究198批次,"
           "以召开座谈会、面对面访谈、问卷调查等形式广泛征集脱贫意见建议596条。"),
    _chunk(4, "002_56ffc93fffebd40f.txt", "重庆扶贫专报第四十八期", "黔江区“五子”发力推进精准扶贫 > 精准对象“端盘子”",
           "(2)战备式动员。召开黔江区脱贫攻坚动员誓师大会,乡镇街道、村、组层层召开动员会、培训会1991次。"
           "抽调11名业务骨干组建脱贫攻坚指挥部,落实工作经费200万元,统筹、协调、指导全面工作。"),
)


def fake_search(corpus: Sequence[Chunk] = CORPUS) -> Callable[..., list[Hit]]:
    """A search over `corpus` ranked by query-term coverage (a stand-in for BM25), with a
    cosine-like dense score from 0.80 (unrelated) to 0.95 (fully covered); records its queries
    in `.queries`."""
    queries: list[str] = []

    def search(question: str, k: int | None = None, doc_glob: str | None = None) -> list[Hit]:
        queries.append(question)
        terms = content_terms(question)
        probe = [Hit(chunk, 0.0, 0) for chunk in corpus if not doc_glob or fnmatch(chunk.doc, doc_glob)]
        scored = sorted(((coverage(terms, context_of(h.chunk)), h.chunk) for h in probe), key=lambda s: -s[0])
        return [Hit(chunk, score, rank, dense_score=0.8 + 0.15 * score) for rank, (score, chunk)
                in enumerate(scored[:k or 5], start=1)]

    search.queries = queries  # type: ignore[attr-defined]
    return search
