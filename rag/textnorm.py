"""Text normalisation shared by every stage: traditional -> simplified, full-width -> half-width,
and the single jieba tokenizer used for both indexing and querying."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import unicodedata
from pathlib import Path

_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200b\ufeff]+")
DATA = Path(__file__).resolve().parent / "data"
USER_DICT = DATA / "userdict.txt"
STOPWORDS = DATA / "stopwords.txt"
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LEADING_NUMBER = re.compile(r"^\d+(?:\.\d+)?")
_MEANINGFUL = re.compile(r"[0-9a-z\u3400-\u9fff]")
# Units glued to the number before them, so "12.2万" or "97.05公里" match as one term.
_UNITS = frozenset("""万 亿 万元 亿元 元 千元 万人 人 户 个 名 位 次 批次 家 所 座 间 套 条 项 笔 期 届 年 月 日 号
    岁 倍 % 公里 千米 米 平方米 亩 万亩 公顷 吨 万吨 斤 公斤 千克 小时 天 周 元/年 多 余""".split())


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if text else text


def to_traditional(text: str) -> str:
    return _s2t().convert(text) if text else text


def to_halfwidth(text: str) -> str:
    """Full-width ASCII forms (Ａ１％) and the ideographic space become their half-width twins;
    CJK punctuation such as 。and ， is left alone (it marks sentence ends)."""
    out = []
    for ch in text:
        code = ord(ch)
        if code == 0x3000:
            out.append(" ")
        elif 0xFF01 <= code <= 0xFF5E and ch not in "，；：！？（）":
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def normalize(text: str) -> str:
    """The comparison form: simplified, half-width, lower-cased, spaces collapsed."""
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", to_halfwidth(to_simplified(text))).strip().lower()


def compact(text: str) -> str:
    """normalize() without any whitespace: for containment checks of answers in passages."""
    return re.sub(r"\s+", "", normalize(text))


def script_of(text: str) -> str:
    """'simplified', 'traditional' or 'mixed', judged by how many characters t2s changes."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return "simplified"
    sample = "".join(han[:20000])
    changed = sum(a != b for a, b in zip(sample, to_simplified(sample)))
    reverse = sum(a != b for a, b in zip(sample, to_traditional(sample)))
    if changed and reverse and min(changed, reverse) / max(changed, reverse) > 0.2:
        return "mixed"
    return "traditional" if changed > reverse else "simplified"


@functools.lru_cache(maxsize=1)
def _jieba():
    """Our own jieba instance, so the domain dictionary never leaks into other users of jieba."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(USER_DICT))
    return tokenizer


@functools.lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    lines = STOPWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def _glue_units(words: list[str]) -> list[str]:
    """'12.2' '万' -> '12.2万': a number and its unit are one precise term."""
    out: list[str] = []
    for word in words:
        if out and word in _UNITS and _NUMBER.fullmatch(out[-1]):
            out[-1] += word
        else:
            out.append(word)
    return out


def segment(text: str) -> list[str]:
    """The words of the normalised text, each character in exactly one: jieba's accurate mode,
    numbers glued to units, stopwords and punctuation dropped."""
    words = [w.strip() for w in _jieba().cut(normalize(text))]
    stop = stopwords()
    return [w for w in _glue_units([w for w in words if w]) if w not in stop and _MEANINGFUL.search(w)]


def expand(words: list[str]) -> list[str]:
    """Search-mode tokens of segmented words: a long word is preceded by its dictionary sub-words
    (as jieba's cut_for_search does), a number with a unit is followed by the bare number (so a
    question that leaves the unit out still matches)."""
    freq = _jieba().FREQ
    out: list[str] = []
    for word in words:
        number = _LEADING_NUMBER.match(word)
        for n in (2, 3):
            if len(word) > n and not number:
                out += [word[i:i + n] for i in range(len(word) - n + 1) if freq.get(word[i:i + n])]
        out.append(word)
        if number and number.group() != word:
            out.append(number.group())
    return out


def tokenize(text: str) -> list[str]:
    """THE tokenizer for indexing and querying alike: normalise (so either script finds either),
    segment with jieba and the domain dictionary, glue numbers to units, drop stopwords and
    punctuation, and add the sub-words of long words."""
    return expand(segment(text))


@functools.lru_cache(maxsize=1)
def tokenizer_fingerprint() -> str:
    """Changes whenever tokens could change: the dictionary, the stopwords, this module."""
    digest = hashlib.sha256()
    for path in (USER_DICT, STOPWORDS, Path(__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
