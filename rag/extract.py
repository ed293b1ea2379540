"""Extractive answers and evidence strength, without any language model.

The best supporting sentence is the passage sentence that covers most of the question's rare
words (counting the passage's title and section as its context), preferring sentences with a
number when the question asks for a quantity or a date. The same coverage, taken over whole
passages, tells how strong the retrieved evidence is before anything is generated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from .facts import coverage, mentions, named, pos_tags, query_terms, sentence_spans
from .textnorm import compact
from .types import Hit

_ASKS_QUANTITY = re.compile(r"多少|几|比例|百分|多大|多高|多长|数量|数目|规模|金额|人数|how (many|much)|percent|rate", re.I)
_ASKS_DATE = re.compile(r"何时|什么时候|哪一?年|哪一?天|哪个月|几月|几日|日期|when|what year|which year|what date", re.I)
_ASKS_PERSON = re.compile(r"谁|哪位|什么人|名字|姓名|叫什么|who\b", re.I)
_NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万亿]")
_DATE = re.compile(r"\d{4}|\d{1,2}月|\d{1,2}日|[一二三四五六七八九十]+月")
DocCheck = Callable[[str, tuple[str, ...]], bool]  # (doc, forms of a name) -> the document mentions it
TYPE_BONUS = 0.2  # a sentence of the asked-for kind beats a slightly better-covering one
QUESTION_PENALTY = 0.3  # a sentence that repeats the question (seed 001's Q&A) does not answer it
RANK_PENALTY = 0.01


@dataclass(frozen=True)
class Evidence:
    coverage: float  # query-term coverage of the best passage, 0..1
    score: float | None  # best dense (cosine) score among the hits; None without dense scores
    terms: tuple[str, ...]
    about: frozenset[str] | None = None  # see docs_about()


@dataclass(frozen=True)
class Extract:
    n: int  # passage number: hits[n - 1]
    span: tuple[int, int]  # in hits[n - 1].chunk.text
    text: str
    score: float
    coverage: float  # of the query by the sentence with its passage's title and section


def context_of(hit: Hit, text: str | None = None) -> str:
    chunk = hit.chunk
    return compact(f"{chunk.title} {chunk.section} {chunk.text if text is None else text}")


def docs_about(query: str, hits: Sequence[Hit], doc_mentions: DocCheck | None = None) -> frozenset[str] | None:
    """The documents among the hits that mention a place, person or body the question names
    (in a retrieved passage, or anywhere in the document when `doc_mentions` can look: a
    provincial report names its province once, then says 全省). None when the question names
    none: then every document may answer."""
    names = named(query)
    if not names:
        return None
    about = set()
    for doc in dict.fromkeys(h.chunk.doc for h in hits):
        seen = " ".join(context_of(h) for h in hits if h.chunk.doc == doc)
        if any(mentions(forms, seen) for forms in names) or (
                doc_mentions and any(doc_mentions(doc, forms) for forms in names)):
            about.add(doc)
    return frozenset(about)


def assess(query: str, hits: Sequence[Hit], doc_mentions: DocCheck | None = None) -> Evidence:
    terms = query_terms(query)
    best = max((coverage(terms, context_of(h)) for h in hits), default=0.0)
    dense = [h.dense_score for h in hits if h.dense_score is not None]
    return Evidence(best if terms else 0.0, float(max(dense)) if dense else None, tuple(terms),
                    docs_about(query, hits, doc_mentions))


def answers_kind(query: str, sentence: str) -> bool | None:
    """Whether the sentence holds the kind of thing asked for (a number, a date, a person);
    None when the question asks for no particular kind."""
    kinds = [(_ASKS_DATE, lambda: bool(_DATE.search(sentence))),
             (_ASKS_PERSON, lambda: any(flag.startswith("nr") for _, flag in pos_tags(sentence))),
             (_ASKS_QUANTITY, lambda: bool(_NUMBER.search(sentence)))]
    for asks, holds in kinds:
        if asks.search(query):
            return holds()
    return None


def _bonus(query: str, sentence: str) -> float:
    kind = answers_kind(query, sentence)
    bonus = TYPE_BONUS if kind else 0.0
    if re.search(r"[?？]\s*$", sentence):
        bonus -= QUESTION_PENALTY
    return bonus


def candidates(query: str, hits: Sequence[Hit]) -> list[Extract]:
    """Every sentence of the hits, best first."""
    terms = query_terms(query)
    found = []
    for n, hit in enumerate(hits, start=1):
        for start, end in sentence_spans(hit.chunk.text):
            text = hit.chunk.text[start:end]
            own, with_context = coverage(terms, compact(text)), coverage(terms, context_of(hit, text))
            score = (own + with_context) / 2 + _bonus(query, text) - RANK_PENALTY * (n - 1)
            found.append(Extract(n, (start, end), text, score, with_context))
    return sorted(found, key=lambda e: e.score, reverse=True)


def extract_answer(query: str, hits: Sequence[Hit], min_coverage: float, about: frozenset[str] | None = None,
                   max_sentences: int = 2) -> list[Extract]:
    """The sentence(s) that plainly answer: enough coverage, of the asked kind, from a document
    about what the question names (`about`, see docs_about), and a second one only when it
    scores nearly as well as the first. Empty when no sentence plainly answers."""
    ranked = [e for e in candidates(query, hits)
              if e.coverage >= min_coverage and answers_kind(query, e.text) is not False
              and (about is None or hits[e.n - 1].chunk.doc in about)]
    if not ranked:
        return []
    chosen = [ranked[0]]
    for extra in ranked[1:max_sentences * 4]:
        if len(chosen) >= max_sentences or extra.score < 0.9 * ranked[0].score:
            break
        if extra.text != chosen[0].text:
            chosen.append(extra)
    return chosen
