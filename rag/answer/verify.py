"""Citations and verification: parse [n] markers back out of an answer, and check each sentence
against the passages it cites. A sentence is trusted only when every number, date and name in it
occurs (after normalisation) in a cited passage and its words overlap that passage; a sentence
without a valid citation is matched to the passage that supports it, or not trusted."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from rag.answer.citations import attach_citations, parse_citations, render_citations, strip_citations
from rag.answer.passages import context_of, passage_text
from rag.answer.question import kind_missing, missing_value, unit_mismatch
from rag.text.lexicon import alternation, english
from rag.text.names import mentions, named, names_in
from rag.text.normalize import WORD_CHAR, compact
from rag.text.numbers import (
    counts_elsewhere,
    hedge_restored,
    numbers_in,
    quantities_in,
    quantity_conflict,
    strip_enumerator,
)
from rag.text.sentences import sentence_spans
from rag.text.terms import content_terms, coverage, overlap, query_terms, unsupported_terms
from rag.types import Chunk

DocAbout = Callable[[str, tuple[str, ...]], bool]  # (doc, forms of a name) -> the document is about it
_CLAUSE = re.compile(r"[，,；;]")
_LATIN = re.compile(r"[a-z]+")  # in compact() text; single letters too (an acronym: T.C.B.S)
# a claim's own words must stand this close (in sentences) to what the question asks about
ANCHOR_SENTENCES = 2

_NEAR = "[^。！？\\n]"
_DECLINE = re.compile(
    f"({alternation('decline.subjects')}){_NEAR}{{0,12}}({alternation('decline.negations')}){_NEAR}{{0,4}}"
    f"({alternation('decline.verbs')})|{alternation('decline.phrases')}|{english('decline.phrases_en')}",
    re.I,
)


def is_decline(text: str) -> bool:
    """The model saying the passages do not hold the answer (in either language)."""
    return bool(_DECLINE.search(compact(text)) or _DECLINE.search(text))


@dataclass(frozen=True)
class Claim:
    """One sentence of a generated answer after checking."""

    text: str  # as shown: the sentence with its (valid) citations as [n] markers
    cites: tuple[int, ...]
    supported: bool
    declined: bool = False
    reason: str = ""  # why it is not supported, or "recited" when citations were re-assigned


@dataclass(frozen=True)
class _Passage:
    context: str  # compact form of title + section + text
    text: str  # the passage's own text (passage_text), as written
    numbers: frozenset[str]
    quantities: dict  # number -> its (scale, unit) forms, see rag.text.numbers.quantities_in
    heading: str  # compact title + section path
    body: str  # the chunk's text alone (no title or section): what anchor() cuts into windows


class Verifier:
    """Checks sentences against passages [1]..[k]. Names and words the question used are the
    user's, not claims: a sentence may repeat them, but the cited passages must still be about
    at least one place, person or body the question names."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        min_overlap: float = 0.5,
        question: str = "",
        about: DocAbout | None = None,
        key_rarity: float = 10.5,
        min_anchor: float = 0.0,
    ):
        self.chunks = list(chunks)
        self.min_overlap = min_overlap
        self.key_rarity = key_rarity  # words this rare must stand in the cited passage (terms.unsupported_terms)
        self.min_anchor = min_anchor  # share of the question a claim's passage window must hold
        self.question = question
        self._query_terms = query_terms(question)
        self.about = about  # whether a document is about a name (Subjects.is_about); None: only what passages say
        self._asked_names = named(question)
        self._asked = compact(question)
        self._asked_numbers = numbers_in(question)
        self._kind_named = False  # an earlier sentence named the thing asked: later ones may add to it
        texts = [passage_text(c) for c in self.chunks]
        self._passages = [
            _Passage(
                context_of(c),
                text,
                frozenset(numbers_in(text, passage=True)),
                quantities_in(text),
                compact(f"{c.title} {c.section}"),
                c.text,
            )
            for c, text in zip(self.chunks, texts, strict=True)
        ]

    def texts(self, cites: Sequence[int]) -> list[str]:
        """The passages [n] of `cites`, as written."""
        return [self.chunks[n - 1].text for n in cites if 1 <= n <= len(self.chunks)]

    def check(self, sentence: str) -> Claim:
        cites, _dropped = parse_citations(sentence, len(self.chunks))
        body = strip_citations(sentence).strip()
        if is_decline(body):
            return Claim(body, (), False, declined=True, reason="declined")
        core = strip_enumerator(body)
        if not WORD_CHAR.search(core) or not content_terms(core):
            return Claim(body, (), False, reason="empty")
        if not self._adds_to_question(core):
            return Claim(body, (), False, reason="restates the question")
        if mismatch := unit_mismatch(self.question, core) or missing_value(self.question, core):
            return Claim(body, (), False, reason=mismatch)
        problem = self.problem(body, cites) if cites else "no citation"
        if problem is None and len(cites) > 1 and self.per_clause(body, cites) is None:
            problem = f"no one passage of {render_citations(cites)} backs each clause"
        if problem is None:
            return self._answers(body, cites)
        for recited in self._recitations(body, cites):
            if self.problem(body, recited) is None:
                return self._answers(body, recited, reason="recited")
        return Claim(body, tuple(cites), False, reason=problem)

    def _answers(self, body: str, cites: Sequence[int], reason: str = "") -> Claim:
        """The backed sentence as a claim, unless it is the first to be shown and names no thing
        of the type the question asks for (rag.answer.question.kind_missing) in its passages."""
        if not self._kind_named:
            passage = "\n".join(self._passages[n - 1].text for n in cites)
            if missing := kind_missing(self.question, strip_citations(body), passage):
                return Claim(body, tuple(cites), False, reason=missing)
            self._kind_named = True
        return Claim(attach_citations(self._hedged(body, cites), cites), tuple(cites), True, reason=reason)

    def _hedged(self, body: str, cites: Sequence[int]) -> str:
        """The sentence with its figures hedged as the cited passages hedge them (rag.text.numbers)."""
        return hedge_restored(body, " ".join(self._passages[n - 1].text for n in cites))

    def _recitations(self, body: str, cites: Sequence[int]) -> list[list[int]]:
        """Other passages that may back the sentence: the best single one, then one passage per
        clause (a comparison of two places cites both reports)."""
        best = self.best_passage(body)
        options = [[best]] if best is not None else []
        per_clause = self.per_clause(body, [*cites, *range(1, len(self.chunks) + 1)])
        if per_clause and len(per_clause) > 1:
            options.append(per_clause)
        return options

    def per_clause(self, body: str, candidates: Sequence[int]) -> list[int] | None:
        """The passages backing a sentence clause by clause (藤县是0.59%，内江市是2.15%): each
        clause that states facts is backed on its own by one passage, the first of `candidates`
        that does. None when some clause is backed by none: facts of two passages joined in one
        clause (安岳县的贫困发生率是藤县的0.59%) are not backed."""
        chosen: list[int] = []
        for clause in filter(str.strip, _CLAUSE.split(body)):
            if not self._states_facts(clause):
                continue
            n = next((n for n in dict.fromkeys(candidates) if self.problem(clause, [n], words=False) is None), None)
            if n is None:
                return None
            chosen.append(n)
        return sorted(set(chosen))

    def _states_facts(self, clause: str) -> bool:
        return bool(
            numbers_in(clause) - self._asked_numbers or any(compact(n) not in self._asked for n in names_in(clause))
        )

    def _adds_to_question(self, core: str) -> bool:
        """A sentence that only repeats the question (组长是[2]) answers nothing."""
        if not self._asked:
            return True
        return bool(
            numbers_in(core) - self._asked_numbers
            or any(t not in self._asked for t in content_terms(core))
            or any(w not in self._asked for w in _LATIN.findall(compact(core)))
        )

    def _about(self, body: str, cites: Sequence[int], context: str) -> bool:
        """The cited passages are about a place the sentence names among those the question
        names (about any of them when the sentence names none)."""
        here = [forms for forms in self._asked_names if mentions(forms, compact(body))] or self._asked_names
        if not here or any(mentions(forms, context) for forms in here):
            return True
        return self.about is not None and any(
            self.about(self.chunks[n - 1].doc, forms) for n in cites for forms in here
        )

    def problem(self, body: str, cites: Sequence[int], words: bool = True) -> str | None:
        """None when the cited passages back every number and name and (with `words`) most
        words of `body`."""
        passages = [self._passages[n - 1] for n in cites]
        context = " ".join(p.context for p in passages)
        known = frozenset().union(*(p.numbers for p in passages))
        if missing := sorted(numbers_in(body) - known):
            return f"number {missing[0]} not in passage {render_citations(cites)}"
        stated: dict = {}
        for passage in passages:
            for number, forms in passage.quantities.items():
                stated.setdefault(number, set()).update(forms)
        if conflict := quantity_conflict(strip_enumerator(body), stated):
            return f"{conflict} is not what passage {render_citations(cites)} says"
        if other := counts_elsewhere(strip_enumerator(body), " ".join(p.text for p in passages)):
            return f"passage {render_citations(cites)} does not count {other}"
        named_here = [n for n in names_in(body) if compact(n) not in self._asked]
        if missing := sorted(n for n in named_here if compact(n) not in context):
            return f"name {missing[0]} not in passage {render_citations(cites)}"
        if not self._about(body, cites, context):
            return f"passage {render_citations(cites)} is not about {max(self._asked_names[0], key=len)}"
        if not words:
            return None
        if overlap(body, context, self.question) < self.min_overlap:
            return f"words not in passage {render_citations(cites)}"
        if missing := unsupported_terms(body, context, self.key_rarity, self._asked):
            return f"word {missing[0]} not in passage {render_citations(cites)}"
        if self.min_anchor and self.anchor(body, passages) < self.min_anchor:
            return f"passage {render_citations(cites)} does not say it of what is asked"
        return None

    def anchor(self, body: str, passages: Sequence[_Passage]) -> float:
        """How much of what the question asks the cited passage says next to the claim's own
        words: the coverage, in the window of sentences holding most of what the claim adds, of
        the question's words that the passage's title and section do not already hold. A passage
        on the same topic that holds the claim's words far from the question's (the gunman
        asked for, a head of state only reported on) does not back it. 1.0 when the claim adds
        nothing that can be placed or the title holds the whole question."""
        words = [t for t in content_terms(strip_enumerator(body)) if t not in self._asked and not t.isdigit()]
        numbers = numbers_in(body) - self._asked_numbers
        if not (words or numbers):
            return 1.0
        best = (0.0, 1.0)
        for passage in passages:
            asked = [t for t in self._query_terms if t not in passage.heading]
            for window, window_numbers in _windows(passage.body):
                held = (sum(t in window for t in words) + len(numbers & window_numbers)) / (len(words) + len(numbers))
                best = max(best, (held, coverage(asked, window) if asked else 1.0))
        return best[1]

    def best_passage(self, body: str) -> int | None:
        """The passage holding most of the sentence's numbers, then most of its words."""
        numbers = numbers_in(body)
        scores = [(len(numbers & p.numbers), overlap(body, p.context, self.question)) for p in self._passages]
        if not scores or max(scores) <= (0, 0.0):
            return None
        return scores.index(max(scores)) + 1


@functools.lru_cache(maxsize=64)  # a passage is cut once however many claims cite it
def _windows(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each run of ANCHOR_SENTENCES consecutive sentences of a passage, in compact() form, and
    the numbers it states."""
    spans = sentence_spans(text) or [(0, len(text))]
    runs = [spans[i : i + ANCHOR_SENTENCES] for i in range(max(1, len(spans) - ANCHOR_SENTENCES + 1))]
    parts = [text[run[0][0] : run[-1][1]] for run in runs]
    return tuple((compact(part), frozenset(numbers_in(part, passage=True))) for part in parts)


def supporting_spans(text: str, bodies: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """For each claim, the sentence of `text` that backs it best (most shared numbers, then most
    shared words): what the UI highlights."""
    spans = sentence_spans(text)
    chosen: set[tuple[int, int]] = set()
    for body in bodies:
        numbers, terms = numbers_in(body), content_terms(body)
        scored = [
            (len(numbers & numbers_in(text[a:b], passage=True)), coverage(terms, compact(text[a:b])), (a, b))
            for a, b in spans
        ]
        if scored and max(scored)[:2] > (0, 0.0):
            chosen.add(max(scored)[2])
    return tuple(sorted(chosen))
