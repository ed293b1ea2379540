"""Script and width normalisation: traditional -> simplified, full-width -> half-width, and the one
test for a Han character. Every comparison of texts goes through normalize() or compact()."""

from __future__ import annotations

import functools
import re
import unicodedata

# CJK Unified Ideographs with Extension A, and the compatibility ideographs
HAN = "\u3400-\u9fff\uf900-\ufaff"
HAN_CHAR = re.compile(f"[{HAN}]")
WORD_CHAR = re.compile(f"[0-9A-Za-z{HAN}]")  # a letter, digit or Han character: text that says something
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200b\ufeff]+")


def is_han(ch: str) -> bool:
    return bool(HAN_CHAR.fullmatch(ch))


def han_share(text: str) -> float:
    """The share of Han characters among the letters and digits of a text."""
    letters = [c for c in text if c.isalnum()]
    return sum(is_han(c) for c in letters) / len(letters) if letters else 0.0


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def _s2t():
    """Traditional script in the forms people write it (為, 啟, 眾, 裡, as Taiwan's standard and
    both traditional corpora here have them), not OpenCC's reference forms (爲, 啓, 衆, 裏)."""
    import opencc

    return opencc.OpenCC("s2tw")


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
    han = [c for c in text if is_han(c)]
    if not han:
        return "simplified"
    sample = "".join(han[:20000])
    changed = sum(a != b for a, b in zip(sample, to_simplified(sample)))
    reverse = sum(a != b for a, b in zip(sample, to_traditional(sample)))
    if changed and reverse and min(changed, reverse) / max(changed, reverse) > 0.2:
        return "mixed"
    return "traditional" if changed > reverse else "simplified"
