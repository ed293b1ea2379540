"""The one tokenizer, for indexing and querying alike: normalise (so either script finds
either), segment with our own jieba instance and its user dictionary, glue numbers to units,
drop stopwords and punctuation, and add the sub-words of long words. Part-of-speech tags and
word rarity come from the same jieba instance, so one dictionary serves every stage."""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import re
from pathlib import Path

from rag.text.lexicon import STOPWORDS, stopwords, words
from rag.text.normalize import HAN, normalize

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LEADING_NUMBER = re.compile(r"^\d+(?:\.\d+)?")
_MEANINGFUL = re.compile(f"[0-9a-z{HAN}]")
NUMBER_WEIGHT = 12.0  # a number in a question is as telling as a rare word
UNKNOWN_WEIGHT = 14.0  # a word jieba's dictionary lacks: rare, but maybe a segmentation accident


_lexicons: tuple[Path, ...] = ()  # the domain dictionaries in use (setting `lexicons`)


def use_lexicons(paths: tuple[Path, ...]) -> None:
    """Tokenise with these jieba user dictionaries from now on (none by default: a domain's
    words are data its collection opts into). Everything derived from the tokenizer is reset."""
    global _lexicons
    if tuple(paths) == _lexicons:
        return
    _lexicons = tuple(paths)
    for cached in (jieba_tokenizer, _tagger, tokenizer_fingerprint):
        cached.cache_clear()


@functools.lru_cache(maxsize=1)
def jieba_tokenizer():
    """Our own jieba instance, so a domain lexicon never leaks into other users of jieba."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for path in _lexicons:
        tokenizer.load_userdict(str(path))
    return tokenizer


@functools.lru_cache(maxsize=1)
def _glued() -> frozenset[str]:
    return frozenset(words("units.glued"))


def _glue_units(tokens: list[str]) -> list[str]:
    """'12.2' '万' -> '12.2万': a number and its unit are one precise term."""
    glued = _glued()
    out: list[str] = []
    for word in tokens:
        if out and word in glued and _NUMBER.fullmatch(out[-1]):
            out[-1] += word
        else:
            out.append(word)
    return out


def segment(text: str) -> list[str]:
    """The words of the normalised text, each character in exactly one: jieba's accurate mode,
    numbers glued to units, stopwords and punctuation dropped."""
    tokens = [w.strip() for w in jieba_tokenizer().cut(normalize(text))]
    stop = stopwords()
    return [w for w in _glue_units([w for w in tokens if w]) if w not in stop and _MEANINGFUL.search(w)]


def expand(tokens: list[str]) -> list[str]:
    """Search-mode tokens of segmented words: a long word is preceded by its dictionary sub-words
    (as jieba's cut_for_search does), a number with a unit is followed by the bare number (so a
    question that leaves the unit out still matches)."""
    freq = jieba_tokenizer().FREQ
    out: list[str] = []
    for word in tokens:
        number = _LEADING_NUMBER.match(word)
        for n in (2, 3):
            if len(word) > n and not number:
                out += [word[i : i + n] for i in range(len(word) - n + 1) if freq.get(word[i : i + n])]
        out.append(word)
        if number and number.group() != word:
            out.append(number.group())
    return out


def tokenize(text: str) -> list[str]:
    """THE tokenizer: segment(), then expand()."""
    return expand(segment(text))


@functools.lru_cache(maxsize=1)
def tokenizer_fingerprint() -> str:
    """Changes whenever tokens could change: the stopwords, the words glued to numbers, the
    lexicons, this module. Other word lists in words.toml do not touch tokens, so editing them
    leaves saved BM25 indexes as they are."""
    digest = hashlib.sha256("\n".join(sorted(_glued())).encode())
    for path in (STOPWORDS, *_lexicons, Path(__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def _tagger():
    from jieba.posseg import POSTokenizer

    return POSTokenizer(jieba_tokenizer())


def pos_tags(text: str) -> list[tuple[str, str]]:
    """(word, jieba part-of-speech flag) pairs; ns place, nr person, nt organisation, m number."""
    return [(pair.word, pair.flag) for pair in _tagger().cut(text)]


def rarity(term: str) -> float:
    """-log of the word's frequency in jieba's dictionary (its corpus statistics), capped for
    words the dictionary lacks; numbers weigh as much as a rare word."""
    if any(c.isdigit() for c in term):
        return NUMBER_WEIGHT
    freq = word_count(term)
    return min(math.log(jieba_tokenizer().total / freq), UNKNOWN_WEIGHT) if freq else UNKNOWN_WEIGHT


def word_count(word: str) -> int:
    """How often jieba's dictionary corpus has the word; 0 for a word it lacks (and for a mere
    prefix of a dictionary word, which jieba lists with 0)."""
    tokenizer = jieba_tokenizer()
    tokenizer.check_initialized()
    return tokenizer.FREQ.get(word) or 0
