"""The language data under rag/lang/zh/, loaded in one place: word lists (words.toml), jieba's
user dictionary and the stopword list. Code asks for a list by name and builds its patterns
from it, so a word is added to the data, never to a regex."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

LANG_DIR = Path(__file__).resolve().parent.parent / "lang" / "zh"
WORDS_FILE = LANG_DIR / "words.toml"
USER_DICT = LANG_DIR / "userdict.txt"
STOPWORDS = LANG_DIR / "stopwords.txt"


@functools.lru_cache(maxsize=1)
def _words() -> dict:
    with WORDS_FILE.open("rb") as fh:
        return tomllib.load(fh)


def words(name: str) -> tuple[str, ...]:
    """A word list by its dotted name in words.toml, e.g. words("question.money")."""
    table, _, key = name.partition(".")
    return tuple(_words()[table][key])


def mapping(name: str) -> dict[str, str]:
    table, _, key = name.partition(".")
    return dict(_words()[table][key])


def alternation(*names: str) -> str:
    """One regex alternation of the words of the named lists, longer words first (so 人次 is
    tried before 人), every word escaped."""
    found = dict.fromkeys(w for name in names for w in words(name))
    return "|".join(re.escape(w) for w in sorted(found, key=len, reverse=True))


def english(*names: str) -> str:
    """An alternation of English words or phrases, each a whole word."""
    return rf"\b(?:{alternation(*names)})\b"


@functools.lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    lines = STOPWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def fingerprint_files() -> tuple[Path, ...]:
    """The data files that decide how text is tokenised."""
    return USER_DICT, STOPWORDS, WORDS_FILE
