"""Extractive answers and evidence strength, without any language model.

The best supporting sentence is the passage sentence that covers most of the question's rare
words (counting the passage's title and section as its context), preferring sentences with a
number when the question asks for a quantity or a date, and, when an embedder is at hand, the
sentence closest in meaning to the question (rag.answer.closeness). The same coverage, taken over
whole passages, tells how strong the retrieved evidence is before anything is generated."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from rag.answer.passages import context_of
from rag.answer.question import answers_kind
from rag.text.normalize import compact
from rag.text.sentences import sentence_spans
from rag.text.terms import coverage, query_terms
from rag.types import Citation, Hit

TYPE_BONUS = 0.2  # a sentence of the asked-for kind beats a slightly better-covering one
QUESTION_PENALTY = 0.3  # a sentence that repeats the question (seed 001's Q&A) does not answer it
RANK_PENALTY = 0.01
# score per unit of cosine behind the closest sentence: e5 cosines of one question's sentences
# spread over a few hundredths, so 10 lets meaning outweigh a word or two of coverage; the first
# sentence held the gold answer most often at 8-12 on DRCD, CMRC and the seeds (eval/notes/key-sentence.md)
CLOSENESS_WEIGHT = 10.0
CLOSENESS_POOL = 16  # only the best-covering sentences are encoded: the closest never ranked below 8th
Closeness = Callable[[str, Sequence[str]], Sequence[float]]  # (question, texts) -> cosines


@dataclass(frozen=True)
class Evidence:
    coverage: float  # query-term coverage of the best passage, 0..1
    score: float | None  # best dense (cosine) score among the hits; None without dense scores
    about: frozenset[str] | None = None  # documents about what the question names (Subjects.docs())


@dataclass(frozen=True)
class Extract:
    n: int  # passage number: hits[n - 1]
    span: tuple[int, int]  # in hits[n - 1].chunk.text
    text: str
    score: float
    coverage: float  # of the query by the sentence with its passage's title and section


def assess(query: str, hits: Sequence[Hit], about: frozenset[str] | None = None) -> Evidence:
    """How strongly the hits back the query; `about` as Subjects.docs() gives it."""
    terms = query_terms(query)
    best = max((coverage(terms, context_of(h.chunk)) for h in hits), default=0.0)
    dense = [h.dense_score for h in hits if h.dense_score is not None]
    return Evidence(best if terms else 0.0, float(max(dense)) if dense else None, about)


def _bonus(query: str, sentence: str) -> float:
    kind = answers_kind(query, sentence)
    bonus = TYPE_BONUS if kind else 0.0
    if re.search(r"[?？]\s*$", sentence):
        bonus -= QUESTION_PENALTY
    return bonus


def candidates(query: str, hits: Sequence[Hit], closeness: Closeness | None = None) -> list[Extract]:
    """Every sentence of the hits, best first; with `closeness`, the best-covering ones are
    re-ranked with their closeness in meaning to the question."""
    terms = query_terms(query)
    found = []
    for n, hit in enumerate(hits, start=1):
        for start, end in sentence_spans(hit.chunk.text):
            text = hit.chunk.text[start:end]
            own, with_context = coverage(terms, compact(text)), coverage(terms, context_of(hit.chunk, text))
            score = (own + with_context) / 2 + _bonus(query, text) - RANK_PENALTY * (n - 1)
            found.append(Extract(n, (start, end), text, score, with_context))
    found.sort(key=lambda e: e.score, reverse=True)
    return _by_meaning(query, found, hits, closeness) if closeness and found else found


def reading(query: str, hits: Sequence[Hit]) -> tuple[Citation, ...]:
    """The passages being read, each with the sentence that best covers the question marked (by
    words alone: this is shown before the model starts, so it must cost nothing). Numbered in
    the order given, which is not the answer's own citation numbering."""
    best: dict[int, tuple[int, int]] = {}
    for found in candidates(query, hits):
        if found.coverage > 0:
            best.setdefault(found.n, found.span)
    return tuple(Citation(n, hit.chunk, (best[n],) if n in best else ()) for n, hit in enumerate(hits, start=1))


def meaning_text(hits: Sequence[Hit], sentence: Extract) -> str:
    """What a sentence is encoded as for its closeness: its passage's title, then the sentence."""
    return f"{hits[sentence.n - 1].chunk.title}：{sentence.text}"


def _pool_closeness(query: str, found: Sequence[Extract], hits: Sequence[Hit], closeness: Closeness) -> list[float]:
    """The closeness to the question of the CLOSENESS_POOL best-covering sentences of `found`."""
    return list(closeness(query, [meaning_text(hits, e) for e in found[:CLOSENESS_POOL]]))


def _by_meaning(query: str, found: list[Extract], hits: Sequence[Hit], closeness: Closeness) -> list[Extract]:
    cosines = _pool_closeness(query, found, hits, closeness)
    # a sentence not encoded counts as no closer than the farthest
    cosines += [min(cosines)] * (len(found) - len(cosines))
    best = max(cosines)
    moved = [
        dataclasses.replace(e, score=e.score + CLOSENESS_WEIGHT * (c - best))
        for e, c in zip(found, cosines, strict=True)
    ]
    return sorted(moved, key=lambda e: e.score, reverse=True)


def closest_sentence(query: str, hits: Sequence[Hit], closeness: Closeness) -> float:
    """The closeness to the question of the nearest of the best-covering sentences (the pool
    candidates() re-ranks by meaning); 0.0 when the hits hold no sentence."""
    found = candidates(query, hits)
    return max(_pool_closeness(query, found, hits, closeness)) if found else 0.0


def extract_answer(
    query: str,
    hits: Sequence[Hit],
    min_coverage: float,
    about: frozenset[str] | None = None,
    max_sentences: int = 2,
    closeness: Closeness | None = None,
) -> list[Extract]:
    """The sentence(s) that plainly answer: enough coverage, of the asked kind, from a document
    about what the question names (`about`, see Subjects.docs), and a second one only when it
    scores nearly as well as the first. Empty when no sentence plainly answers."""
    ranked = [
        e
        for e in candidates(query, hits, closeness)
        if e.coverage >= min_coverage
        and answers_kind(query, e.text) is not False
        and (about is None or hits[e.n - 1].chunk.doc in about)
    ]
    if not ranked:
        return []
    chosen = [ranked[0]]
    for extra in ranked[1 : max_sentences * 4]:
        if len(chosen) >= max_sentences or extra.score < 0.9 * ranked[0].score:
            break
        if extra.text != chosen[0].text:
            chosen.append(extra)
    return chosen
