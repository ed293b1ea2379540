"""Script and width normalisation: traditional -> simplified, full-width -> half-width, and the one
test for a Han character. Every comparison of texts goes through normalize() or compact()."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Sequence

# CJK Unified Ideographs with Extension A, and the compatibility ideographs
HAN = "\u3400-\u9fff\uf900-\ufaff"
HAN_CHAR = re.compile(f"[{HAN}]")
WORD_CHAR = re.compile(f"[0-9A-Za-z{HAN}]")  # a letter, digit or Han character: text that says something
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200b\ufeff]+")
MIN_COPIED = 2  # characters: a single shared character is no evidence of copying


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


def to_traditional(text: str, sources: Sequence[str] = ()) -> str:
    """The text in traditional script; where it copies a run of `sources` (the passages it
    quotes, unless written in simplified script), in the source's own characters. The
    conversion cannot know which traditional form a passage chose (臺 where it writes 台, 裡
    where it writes 裏); the run copied says it. Runs of MIN_COPIED characters or more; a text
    or source that the conversion does not map character for character is converted whole."""
    out = _s2t().convert(text) if text else text
    if not sources or len(out) != len(text):
        return out
    plain = to_simplified(text)
    if len(plain) != len(text):
        return out
    chars = list(out)
    for source in sources:
        source_plain = to_simplified(source)
        if len(source_plain) != len(source) or script_of(source) == "simplified":
            continue  # a simplified passage says nothing of traditional forms
        skipped = _simplified_lines(source)
        for start, end in _copied_runs(plain, source_plain):
            at = _most_traditional(source, source_plain, plain[start:end], skipped)
            if at is not None:
                chars[start:end] = source[at : at + end - start]
    return "".join(chars)


def _copied_runs(text: str, source: str):
    """(start, end) of the longest runs of `text`, left to right, that stand somewhere in
    `source`, in any order (an answer reorders what it copies)."""
    i = 0
    while i + MIN_COPIED <= len(text):
        if text[i : i + MIN_COPIED] not in source:
            i += 1
            continue
        size = MIN_COPIED
        while i + size < len(text) and text[i : i + size + 1] in source:
            size += 1
        yield i, i + size
        i += size


def _simplified_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of the lines of `text` written in simplified script (a Wikipedia article may
    head its traditional text with its title in simplified script)."""
    spans, start = [], 0
    for line in text.split("\n"):
        if script_of(line) == "simplified":
            spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def _most_traditional(source: str, source_plain: str, run: str, skipped: list[tuple[int, int]]) -> int | None:
    """Where in `source` the run (in simplified form) stands written most in traditional forms,
    outside the `skipped` spans; None when it stands in them only."""
    places = [
        m.start()
        for m in re.finditer(re.escape(run), source_plain)
        if not any(start <= m.start() < end for start, end in skipped)
    ]
    if not places:
        return None
    return max(places, key=lambda at: sum(a != b for a, b in zip(source[at : at + len(run)], run, strict=False)))


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


def _changes(text: str) -> tuple[int, int]:
    """How many Han characters t2s changes, and how many s2t changes."""
    sample = "".join(c for c in text if is_han(c))[:20000]
    return (
        sum(a != b for a, b in zip(sample, to_simplified(sample), strict=False)),
        sum(a != b for a, b in zip(sample, to_traditional(sample), strict=False)),
    )


def script_of(text: str) -> str:
    """'simplified', 'traditional' or 'mixed', judged by how many characters t2s changes."""
    changed, reverse = _changes(text)
    if changed and reverse and min(changed, reverse) / max(changed, reverse) > 0.2:
        return "mixed"
    return "traditional" if changed > reverse else "simplified"


def writes_traditional(text: str) -> bool:
    """Whether a short text (a question) is written in traditional script: it has a character
    only traditional script uses, and no fewer of them than characters only simplified script
    uses. 台灣的首府 is (台 is also simplified); 黄霑有哪些作品 is not."""
    changed, reverse = _changes(text)
    return changed > 0 and changed >= reverse
