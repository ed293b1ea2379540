"""Content words and how much of one text another holds: the rarity-weighted coverage that
retrieval evidence, extraction and verification all measure with."""

from __future__ import annotations

import functools
import re

from rag.text.lexicon import alternation, words
from rag.text.normalize import compact, han_share
from rag.text.numbers import UNITS
from rag.text.tokenize import rarity, tokenize

PART_CREDIT = 0.5
# numbers (85, 十二点二万, 八处) are checked by rag.text.numbers, not as words
_NUMERAL = re.compile(rf"\d|^[零〇一二两三四五六七八九十百千万亿点]+(?:{UNITS})?$")
# words that only say what kind of answer is wanted (哪一天, 几名, 共有, 名称): never evidence
_ASKING = re.compile(f"^({alternation('terms.asking_prefixes')})|^({alternation('terms.asking_words')})$")


@functools.lru_cache(maxsize=1)
def _english_stopwords() -> frozenset[str]:
    return frozenset(words("terms.english_stopwords"))


def content_terms(text: str) -> list[str]:
    """tokenize() terms that carry meaning: no single characters (except numbers), no English
    function words."""
    stop = _english_stopwords()
    return [t for t in dict.fromkeys(tokenize(text)) if (len(t) >= 2 or t.isdigit()) and t not in stop]


def query_terms(question: str) -> list[str]:
    """The content terms of a question that a passage answering it should contain."""
    return [t for t in content_terms(question) if not _ASKING.search(t)]


def coverage(terms: list[str], context: str) -> float:
    """Rarity-weighted share of `terms` found in `context` (a compact() string). tokenize() also
    yields the parts of long words (安岳县 -> 安岳, 岳县); a word counts once, and when it is
    missing its parts earn at most PART_CREDIT of it, so 贫困村 does not pass for 贫困发生率."""
    whole = _whole(terms)
    total = sum(rarity(w) for w in whole)
    if not total:
        return 0.0
    found = 0.0
    for word in whole:
        if word in context:
            found += rarity(word)
        elif parts := [t for t in terms if t != word and t in word]:
            share = sum(rarity(p) for p in parts if p in context) / sum(rarity(p) for p in parts)
            found += PART_CREDIT * rarity(word) * share
    return found / total


def _whole(terms: list[str]) -> list[str]:
    """The terms that are not a part of another term (安岳县, not 安岳 and 岳县)."""
    return [t for t in terms if not any(t != other and t in other for other in terms)]


def unsupported_terms(body: str, context: str, min_rarity: float, exempt: str = "") -> list[str]:
    """The rare words of a sentence (rarity at least `min_rarity`, not within `exempt`) that a
    passage (a compact() string) holds neither whole nor part by part: a term the model brought
    in (在儒家思想中 over passages that never mention 儒家), or the question's own topic repeated
    over a passage about another (新建了8座冷库 citing 新建泵站8处). Numbers are checked on
    their own."""
    if han_share(body) < 0.5:
        return []
    terms = [t for t in content_terms(body) if t not in exempt and not _NUMERAL.search(t)]
    missing = []
    for word in _whole(terms):
        if word in context or rarity(word) < min_rarity:
            continue
        parts = [t for t in terms if t != word and t in word]
        if not (parts and all(p in context for p in parts)):
            missing.append(word)
    return missing


def overlap(body: str, context: str, question: str = "") -> float:
    """How much of a sentence's wording a passage holds, leaving out words the question itself
    used (a paraphrased question's words are the user's, not the model's claims); 1.0 for a
    sentence with no Chinese (an English answer can only be checked by its numbers)."""
    if han_share(body) < 0.5:
        return 1.0
    asked = compact(question)
    terms = [t for t in content_terms(body) if t not in asked]
    return coverage(terms, context) if terms else 1.0
