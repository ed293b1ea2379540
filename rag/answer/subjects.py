"""Which retrieved passages are about what a question names (a place, person or body).

A report names its place in the title or once at the top and then says 我县 or 全省, so a
passage counts as about a name when it, or its document, mentions the name. Questions that name
two places (comparisons) need a passage about each in the prompt, and passages about none of
the named places only crowd the prompt."""

from __future__ import annotations

from typing import Callable, Sequence

from rag.answer.passages import context_of
from rag.text.names import mentions, named
from rag.types import Hit

DocCheck = Callable[[str, tuple[str, ...]], bool]  # (doc, forms of a name) -> the document mentions it


class Subjects:
    """The names a question gives and, for each retrieved document, which of them it is about."""

    def __init__(self, query: str, hits: Sequence[Hit], doc_mentions: DocCheck | None = None):
        self.names = named(query)
        self._by_doc: dict[str, set[int]] = {}
        for doc in dict.fromkeys(h.chunk.doc for h in hits):
            seen = " ".join(context_of(h.chunk) for h in hits if h.chunk.doc == doc)
            self._by_doc[doc] = {
                i
                for i, forms in enumerate(self.names)
                if mentions(forms, seen) or (doc_mentions is not None and doc_mentions(doc, forms))
            }

    def docs(self) -> frozenset[str] | None:
        """The documents about any name the question gives; None when it names none (then
        every document may answer)."""
        if not self.names:
            return None
        return frozenset(doc for doc, found in self._by_doc.items() if found)

    def is_about(self, doc: str, forms: tuple[str, ...]) -> bool:
        """Whether a retrieved document is about the named thing (forms as named() gives them)."""
        return forms in self.names and self.names.index(forms) in self._by_doc.get(doc, ())

    def ordered(self, hits: Sequence[Hit]) -> list[Hit]:
        """The best hit about each named thing first (in rank order), then the other hits about
        any of them, then the rest: a comparison of two places gets both into a short prompt."""
        if not self.names:
            return list(hits)
        leaders: list[Hit] = []
        for i in range(len(self.names)):
            leader = next((h for h in hits if i in self._by_doc.get(h.chunk.doc, ())), None)
            if leader is not None and leader not in leaders:
                leaders.append(leader)
        leaders.sort(key=hits.index)
        about = [h for h in hits if h not in leaders and self._by_doc.get(h.chunk.doc)]
        return leaders + about + [h for h in hits if h not in leaders and h not in about]
