"""The language data under rag/lang/zh/, loaded in one place: word lists (words.toml), the
stopword list, and the domain lexicons a collection may opt into (lexicons/*.txt, jieba user
dictionaries; setting `lexicons`). Code asks for a list by name and builds its patterns from it,
so a word is added to the data, never to a regex."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

LANG_DIR = Path(__file__).resolve().parent.parent / "lang" / "zh"
WORDS_FILE = LANG_DIR / "words.toml"
LEXICONS_DIR = LANG_DIR / "lexicons"
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


def available_lexicons() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in LEXICONS_DIR.glob("*.txt")))


def lexicon_path(name: str) -> Path:
    """A shipped lexicon by name (poverty-alleviation), or a jieba user dictionary file by path;
    ValueError naming the choices when it is neither."""
    shipped = LEXICONS_DIR / f"{name}.txt"
    if shipped.is_file():
        return shipped
    path = Path(name).expanduser()
    if path.is_file():
        return path
    raise ValueError(f"lexicon '{name}' is neither a file nor one of: {', '.join(available_lexicons())}")
