"""The passages as the prompt shows them: each one's heading and text, whole or cut to the
sentences that bear on the question, and as many passages as fit the budget.

Prompt time is nearly all of an answer's time on a CPU, and most of a passage does not bear on
the question asked of it. Cutting each passage to its sentences nearest the question (ranked as
the key sentence is) keeps room for the second passage a comparison needs, where a smaller
budget of whole passages drops it. The 1.5B model reads cut passages a little less well (the
seeds 0.923 against 0.956, DRCD-200 0.730 against 0.775, at 4.0 s against 6.8 s and 5.0 s
against 7.9 s), so whole passages are the default and the cut is the setting passage_tokens
(eval/notes/latency-and-engine.md)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

from rag.answer.extract import Extract
from rag.text.normalize import HAN_CHAR, compact
from rag.types import SECTION_SEPARATOR, Chunk, Hit

GAP = "……"  # stands where sentences were left out, so the model does not read two as one
FIRST_ROOM = 2  # the best passage, which holds the answer most often, gets this many caps


@dataclass(frozen=True)
class Shown:
    hit: Hit
    text: str | None = None  # cut to the sentences nearest the question; None: whole, full heading

    def shows(self, sentence: str) -> bool:
        """Whether the passage as shown holds `sentence` of its chunk."""
        return self.text is None or sentence in self.text


def estimate_tokens(text: str) -> int:
    """An upper estimate for Qwen-style tokenizers: a token per Chinese character (they average
    about 1.4 characters), one per three other characters."""
    han = len(HAN_CHAR.findall(text))
    return han + (len(text) - han + 2) // 3


_HEADING_MARKS = re.compile(r"^#{1,6}[ \t]+", re.M)


def format_passage(n: int, chunk: Chunk, text: str | None = None) -> str:
    """Passage [n] as the model reads it: title and section, then the text, its Markdown heading
    marks (## 表2 …, from PDFs, Word and web pages) left off: they are layout, not words, and
    the plain-text seeds the prompt was tuned on have none. With `text` (a cut passage), that
    text under the innermost section alone: the outer ones cost as much as a sentence and
    bear on the question less than one."""
    heading = f"[{n}] 《{chunk.title}》" if chunk.title else f"[{n}]"
    section = chunk.section if text is None else chunk.section.rsplit(SECTION_SEPARATOR, 1)[-1]
    if section:
        heading += f" {section}"
    body = chunk.text if text is None else text
    return f"{heading}\n{_HEADING_MARKS.sub('', body.strip())}"


def focus(hits: Sequence[Hit], ranked: Sequence[Extract], cap: int) -> list[Shown]:
    """Each hit with its text cut, when longer than `cap` tokens, to its sentences that best
    cover the question (`ranked`: candidates() of the question and `hits`), best first while
    they fit `cap`, shown in their own order. A sentence an earlier passage shows (chunks
    overlap) or its own heading says (a document's first line repeats its title) is not shown
    again; a passage left with nothing new is left out. `cap` 0 keeps every text whole."""
    if cap <= 0:
        return [Shown(hit) for hit in hits]
    by_hit: dict[int, list[Extract]] = defaultdict(list)
    for found in ranked:
        by_hit[found.n].append(found)  # candidates() come best first
    shown: list[Shown] = []
    seen: set[str] = set()
    for n, hit in enumerate(hits, start=1):
        heading = compact(f"{hit.chunk.title}{hit.chunk.section}")
        fresh = [e for e in by_hit[n] if compact(e.text) not in seen and compact(e.text) not in heading]
        room = cap * FIRST_ROOM if not shown else cap
        text, kept = _cut(hit.chunk.text, fresh, room, whole=len(fresh) == len(by_hit[n]))
        if text:
            shown.append(Shown(hit, text))
            seen.update(compact(e.text) for e in kept)
    return shown


def _cut(text: str, ranked: Sequence[Extract], cap: int, whole: bool) -> tuple[str, list[Extract]]:
    """`text` as its `ranked` sentences best first within `cap` (the first always), in their
    own order, or whole when it is `whole` (every sentence ranked) and within `cap`; with the
    sentences it shows."""
    if not ranked:
        return "", []
    if whole and estimate_tokens(text) <= cap:
        return text.strip(), list(ranked)
    kept: list[Extract] = []
    used = 0
    for found in ranked:
        cost = estimate_tokens(found.text)
        if kept and used + cost > cap:
            continue  # a shorter, lower-ranked sentence may still fit
        kept.append(found)
        used += cost
    kept.sort(key=lambda e: e.span)
    parts = [text[slice(*kept[0].span)]]
    for before, found in zip(kept, kept[1:], strict=False):
        between = text[before.span[1] : found.span[0]]
        # neighbours keep what stood between them (a line break between table rows); a gap is marked
        parts += [GAP if between.strip() else between, text[slice(*found.span)]]
    return "".join(parts).strip(), kept


def select_passages(shown: Sequence[Shown], budget: int, limit: int) -> list[Shown]:
    """The best-ranked passages that fit, in rank order, so [n] is always the n-th hit; the first
    one is always kept (build_prompt cuts it if it must)."""
    chosen: list[Shown] = []
    used = 0
    for passage in shown[:limit]:
        cost = estimate_tokens(format_passage(len(chosen) + 1, passage.hit.chunk, passage.text)) + 2
        if chosen and used + cost > budget:
            break
        chosen.append(passage)
        used += cost
    return chosen
